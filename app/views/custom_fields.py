"""The administrator's screen of custom fields: add a field to a category without a release.

Saving runs the same check as the API (``app.services.custom_fields.check_saved_definition``):
a field whose values tickets hold keeps its name and type. Nothing is deleted; a field is
retired by the end of its period of use, and its values stay on the tickets.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder import AppBuilder
from flask_appbuilder.validators import Unique
from flask_babel import gettext, lazy_gettext
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import ValidationError

from app.domain.custom_fields import STAGE_LABELS, STAGES, TYPE_LABELS, FieldType
from app.domain.errors import DomainError, InvalidError
from app.models import CustomField
from app.services.custom_fields import check_saved_definition
from app.views.filters import SafeLoopInterface
from app.views.reference import ReferenceDataView


def _type_label(value: Any) -> str:
    try:
        return gettext(FieldType(value).label)
    except ValueError:
        return str(value or "")


def _stage_label(value: Any) -> str:
    return gettext(STAGE_LABELS[value]) if value in STAGE_LABELS else ""


class CustomFieldView(ReferenceDataView):
    """Fields an administrator adds per category (sub-categories inherit them)."""

    noun = lazy_gettext("Custom field")

    datamodel = SafeLoopInterface(CustomField)
    class_permission_name = "CustomField"
    list_title = lazy_gettext("Custom fields")
    list_columns = [
        "name",
        "label_zh",
        "category",
        "field_type",
        "required_from",
        "filterable",
        "active_from",
        "active_until",
    ]
    search_columns = ["name", "label_zh", "category", "field_type"]
    add_columns = [
        "name",
        "label_zh",
        "label_en",
        "category",
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
    edit_columns = add_columns
    show_columns = add_columns
    base_order = ("sort_order", "asc")
    label_columns = {
        "name": lazy_gettext("Field name"),
        "label_zh": lazy_gettext("Chinese label"),
        "label_en": lazy_gettext("English label"),
        "category": lazy_gettext("Category"),
        "field_type": lazy_gettext("Type"),
        "unit": lazy_gettext("Unit"),
        "choices": lazy_gettext("Choices"),
        "required_from": lazy_gettext("Required from"),
        "help_text": lazy_gettext("Help text"),
        "filterable": lazy_gettext("Filter the lists on it"),
        "active_from": lazy_gettext("In use from"),
        "active_until": lazy_gettext("In use until"),
        "sort_order": lazy_gettext("Order"),
    }
    description_columns = {
        "name": lazy_gettext(
            "The key in the API's extra object: lowercase letters, digits and _ "
            "(fixed once tickets hold values)."
        ),
        "category": lazy_gettext("Empty: every category. Sub-categories inherit the field."),
        "field_type": lazy_gettext("Fixed once tickets hold values: add a new field instead."),
        "choices": lazy_gettext("Choice lists: one choice per line."),
        "required_from": lazy_gettext(
            "From this step of the lifecycle on, a ticket must have a value."
        ),
        "active_until": lazy_gettext("Retire the field: its values stay on the tickets."),
    }
    formatters_columns = {"field_type": _type_label, "required_from": _stage_label}
    validators_columns = {"name": [Unique(SafeLoopInterface(CustomField), "name")]}
    add_form_extra_fields = {
        "field_type": SelectField(
            lazy_gettext("Type"),
            choices=[(t.value, lazy_gettext(TYPE_LABELS[t])) for t in FieldType],
        ),
        "required_from": SelectField(
            lazy_gettext("Required from"),
            choices=[("", lazy_gettext("Never (optional)"))]
            + [(stage, lazy_gettext(STAGE_LABELS[stage])) for stage in STAGES],
        ),
        "choices": TextAreaField(lazy_gettext("Choices"), render_kw={"rows": 4}),
        # FAB marks a NOT NULL boolean required, which refuses an unticked box.
        "filterable": BooleanField(lazy_gettext("Filter the lists on it")),
    }
    edit_form_extra_fields = add_form_extra_fields

    def prepare(self, item: CustomField) -> None:
        item.name = (item.name or "").strip()
        item.required_from = item.required_from or None
        try:
            check_saved_definition(item)
        except InvalidError as refused:
            raise ValidationError(" ".join(refused.render_fields(gettext).values())) from refused
        except DomainError as refused:
            raise ValidationError(refused.render(gettext)) from refused


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(
        CustomFieldView,
        "Custom fields",
        label=lazy_gettext("Custom fields"),
        icon="fa-sliders",
        category="Reference data",
        category_label=lazy_gettext("Reference data"),
        category_icon="fa-database",
    )
