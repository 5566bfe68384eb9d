"""Read-only APIs for the reference data a client needs to fill a report or a transition.

Regions and enterprises are limited to the user's scope (the same queries as the screens'
dropdowns); categories and determination-standard articles are the same for everyone.
"""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.api.base import ScopedModelApi
from app.models import Category, DeterminationArticle, Enterprise, Region


class ReferenceApi(ScopedModelApi):
    """Read-only: a list and single items, nothing else."""

    openapi_spec_tag = "Reference data"
    include_route_methods = {"get", "get_list"}


class RegionApi(ReferenceApi):
    """/api/v1/region/: the region tree within the user's scope."""

    datamodel = SQLAInterface(Region)
    resource_name = "region"
    list_columns = [
        "id",
        "name",
        "code",
        "level",
        "parent_id",
        "district_id",
        "township_id",
        "village_id",
        "grid_id",
    ]
    show_columns = list_columns
    search_columns = ["name", "code", "level", "parent_id", "township_id", "village_id"]
    order_columns = ["id", "name", "code", "level"]
    base_order = ("code", "asc")


class EnterpriseApi(ReferenceApi):
    """/api/v1/enterprise/: the enterprises within the user's scope."""

    datamodel = SQLAInterface(Enterprise)
    resource_name = "enterprise"
    list_columns = [
        "id",
        "name",
        "credit_code",
        "industry",
        "address",
        "district_id",
        "township_id",
        "village_id",
        "grid_id",
    ]
    show_columns = [
        *list_columns,
        "latitude",
        "longitude",
        "principal_name",
        "principal_phone",
        "safety_officer_name",
        "phone",
    ]
    search_columns = ["name", "credit_code", "industry", "township_id", "village_id", "grid_id"]
    order_columns = ["id", "name", "credit_code"]
    base_order = ("name", "asc")


class CategoryApi(ReferenceApi):
    """/api/v1/category/: hazard categories and domain tags in use."""

    datamodel = SQLAInterface(Category)
    resource_name = "category"
    list_columns = ["id", "code", "name", "name_en", "kind", "parent_id", "sort_order"]
    show_columns = list_columns
    search_columns = ["code", "name", "kind", "parent_id"]
    order_columns = ["id", "code", "sort_order"]
    base_order = ("sort_order", "asc")


class DeterminationArticleApi(ReferenceApi):
    """/api/v1/determination_article/: what a major hazard's determination basis points to."""

    datamodel = SQLAInterface(DeterminationArticle)
    resource_name = "determination_article"
    list_columns = [
        "id",
        "standard_id",
        "article",
        "item",
        "title",
        "industries",
        "effective_on",
        "repealed_on",
    ]
    show_columns = [*list_columns, "text"]
    search_columns = ["standard_id", "article", "title", "industries"]
    order_columns = ["id", "sort_order"]
    base_order = ("sort_order", "asc")
