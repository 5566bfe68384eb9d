"""/api/v1/customfield/: the administrator's custom fields, read by clients, managed by Admin.

Clients read the definitions to build their forms (the values travel in a ticket's ``extra``
object); adding and changing them runs the screen's check, so a field whose values tickets
hold keeps its name and type. There is no DELETE: a field is retired by its end date.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from flask import Response
from flask_appbuilder.api import ModelRestApi, expose, permission_name, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.api import schemas
from app.api.base import ScopedModelApi
from app.api.errors import api_errors
from app.domain.custom_fields import FieldType
from app.models import CustomField
from app.services.custom_fields import check_saved_definition

COLUMNS = [
    "id",
    "name",
    "label_zh",
    "label_en",
    "category_id",
    "field_type",
    "unit",
    "choices",
    "required_from",
    "help_text",
    "filterable",
    "active_from",
    "active_until",
    "sort_order",
]


class CustomFieldApi(ScopedModelApi):
    """Definitions are the same for everyone; only Admin may post or put."""

    datamodel = SQLAInterface(CustomField)
    resource_name = "customfield"
    openapi_spec_tag = "Reference data"
    include_route_methods = {"get", "get_list", "post", "put"}
    list_columns = COLUMNS
    show_columns = COLUMNS
    add_columns = COLUMNS[1:]
    edit_columns = COLUMNS[1:]
    search_columns = ["name", "category_id", "field_type", "filterable"]
    order_columns = ["id", "name", "sort_order"]
    base_order = ("sort_order", "asc")

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        # marshmallow-sqlalchemy makes a foreign key refuse null even where the column is
        # nullable; null here means "every category".
        for schema in (self.add_model_schema, self.edit_model_schema):
            schema.fields["category_id"].allow_none = True

    def pre_add(self, item: Any) -> None:
        item.required_from = item.required_from or None
        check_saved_definition(item)

    def pre_update(self, item: Any) -> None:
        self.pre_add(item)

    def add_api_spec(self, api_spec: APISpec) -> None:
        """FAB's documents, plus the 403 every role but Admin gets on post and put."""
        super().add_api_spec(api_spec)
        for name, schema in api_spec.components.schemas.items():
            field_type = schema.get("properties", {}).get("field_type")
            if name.startswith("CustomFieldApi") and isinstance(field_type, dict):
                field_type["enum"] = [t.value for t in FieldType]
        paths = api_spec._paths
        for path, method in ((f"{self.route_base}/", "post"), (f"{self.route_base}/{{pk}}", "put")):
            operation = paths.get(path, {}).get(method)
            if operation is not None:
                for status, answer in schemas.error_responses(403, 404, 422).items():
                    operation["responses"].setdefault(status, answer)

    @api_errors
    def post_headless(self) -> Response:
        return super().post_headless()

    @api_errors
    def put_headless(self, pk: Any) -> Response:
        return super().put_headless(pk)

    # FAB routes PUT on "/<pk>" (any text), so a GET of "/-1" would answer 405 instead of 404.
    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk: int) -> Response:
        return self.put_headless(pk)

    put.__doc__ = ModelRestApi.put.__doc__
