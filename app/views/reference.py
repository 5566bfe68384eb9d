"""Administration screens: regions, enterprises, categories, standards, SLA policies, user scope.

Nothing here is hard-deleted: rows are switched off with their ``active`` flag. Enterprises
are also readable (scoped) by the roles that work with them.
"""

from __future__ import annotations

import json
from typing import Any

from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.validators import Unique
from flask_babel import gettext, lazy_gettext
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from app.domain.codes import credit_code_problem, normalise_credit_code
from app.domain.errors import DomainError, InvalidError
from app.domain.geo import check_boundary
from app.domain.vocabulary import CategoryKind, Grade, RegionLevel
from app.models import (
    Category,
    DeterminationArticle,
    DeterminationStandard,
    Enterprise,
    Region,
    Responsibility,
    SlaPolicy,
    UserScope,
)
from app.reports.queries import RESPONSIBILITY_LEVELS, RESPONSIBILITY_TYPES
from app.services.territory import place_enterprise, place_region
from app.views.filters import SafeLoopInterface
from app.views.scoped import ScopedModelView

NO_DELETE = ["can_list", "can_show", "can_add", "can_edit"]


class ReferenceDataView(ScopedModelView):
    """Reference data is the same for everyone: no row scope, no delete."""

    base_filters: list[Any] = []
    base_permissions = NO_DELETE


class DomainErrorAsValidation:
    """Run a pre_add/pre_update step; a domain refusal becomes a form error, not a 500."""

    @staticmethod
    def check(step: Any, *args: Any) -> None:
        try:
            step(*args)
        except DomainError as refused:
            raise ValidationError(refused.render(gettext)) from refused


def credit_code_validator(form: Any, field: Any) -> None:
    """GB 32100-2015: the same check as the domain, in the user's language."""
    field.data = normalise_credit_code(field.data or "")
    problem = credit_code_problem(field.data)
    if problem is not None:
        raise ValidationError(problem.render(gettext))


def boundary_validator(form: Any, field: Any) -> None:
    """The outline must be GeoJSON the map can draw; the message is in the user's language."""
    text = (field.data or "").strip()
    if not text:
        return
    try:
        check_boundary(json.loads(text))
    except ValueError:
        raise ValidationError(gettext("This is not valid JSON.")) from None
    except InvalidError as refused:
        raise ValidationError(refused.field_errors["boundary"].render(gettext)) from refused


class RegionView(ScopedModelView):
    noun = lazy_gettext("Administrative region")
    datamodel = SafeLoopInterface(Region)
    class_permission_name = "Region"
    base_permissions = NO_DELETE
    list_columns = ["code", "name", "level", "parent", "active"]
    search_columns = ["code", "name", "level", "parent"]
    add_columns = ["level", "parent", "name", "code", "sort_order"]
    edit_columns = ["name", "code", "sort_order", "active", "boundary_geojson"]
    show_columns = ["code", "name", "level", "parent", "active"]
    base_order = ("code", "asc")
    # The outline drawn on the hazard map, edited as GeoJSON text (checked before saving).
    edit_form_extra_fields = {
        "boundary_geojson": TextAreaField(
            lazy_gettext("Outline (GeoJSON Polygon or MultiPolygon, WGS-84)"),
            validators=[boundary_validator],
            render_kw={"rows": 8},
        )
    }
    label_columns = {
        "code": lazy_gettext("Administrative code"),
        "name": lazy_gettext("Name"),
        "level": lazy_gettext("Level"),
        "parent": lazy_gettext("Parent region"),
        "sort_order": lazy_gettext("Order"),
        "active": lazy_gettext("Active"),
    }
    formatters_columns = {"level": lambda value: gettext(RegionLevel(value).label)}
    validators_columns = {"code": [Unique(SafeLoopInterface(Region), "code")]}

    def pre_add(self, item: Region) -> None:
        DomainErrorAsValidation.check(place_region, item, item.parent)

    def prefill_form(self, form: Any, pk: Any) -> None:
        item = self.datamodel.get(pk)
        if item is not None and item.boundary:
            form.boundary_geojson.data = json.dumps(item.boundary, ensure_ascii=False)

    def pre_update(self, item: Region) -> None:
        super().pre_update(item)
        text = (getattr(item, "boundary_geojson", None) or "").strip()
        item.boundary = check_boundary(json.loads(text)) if text else None


class EnterpriseView(ScopedModelView):
    noun = lazy_gettext("Enterprise")
    datamodel = SafeLoopInterface(Enterprise)
    class_permission_name = "Enterprise"
    base_permissions = NO_DELETE
    list_columns = [
        "name",
        "credit_code",
        "industry",
        "township",
        "village",
        "principal_name",
        "phone",
    ]
    search_columns = ["name", "credit_code", "industry", "township", "village"]
    show_columns = [
        "name",
        "credit_code",
        "industry",
        "address",
        "latitude",
        "longitude",
        "township",
        "village",
        "grid",
        "principal_name",
        "principal_phone",
        "safety_officer_name",
        "phone",
        "active",
    ]
    add_columns = [
        "name",
        "credit_code",
        "industry",
        "address",
        "latitude",
        "longitude",
        "village",
        "grid",
        "principal_name",
        "principal_phone",
        "safety_officer_name",
        "phone",
    ]
    edit_columns = [*add_columns, "active"]
    base_order = ("name", "asc")
    label_columns = {
        "name": lazy_gettext("Name"),
        "credit_code": lazy_gettext("Unified social credit code"),
        "industry": lazy_gettext("Industry"),
        "address": lazy_gettext("Address"),
        "latitude": lazy_gettext("Latitude"),
        "longitude": lazy_gettext("Longitude"),
        "township": lazy_gettext("Township"),
        "village": lazy_gettext("Village"),
        "grid": lazy_gettext("Grid"),
        "principal_name": lazy_gettext("Principal"),
        "principal_phone": lazy_gettext("Principal's phone"),
        "safety_officer_name": lazy_gettext("Safety officer"),
        "phone": lazy_gettext("Phone"),
        "active": lazy_gettext("Active"),
    }
    validators_columns = {
        "credit_code": [credit_code_validator, Unique(SafeLoopInterface(Enterprise), "credit_code")]
    }
    add_form_query_rel_fields = {
        "village": [["level", FilterEqual, RegionLevel.VILLAGE.value]],
        "grid": [["level", FilterEqual, RegionLevel.GRID.value]],
    }
    edit_form_query_rel_fields = add_form_query_rel_fields

    def prepare(self, item: Enterprise) -> None:
        region = item.grid or item.village
        if region is None:
            raise ValidationError(gettext("Choose the village/community or grid."))
        DomainErrorAsValidation.check(place_enterprise, item, region)


class CategoryView(ReferenceDataView):
    noun = lazy_gettext("Category")
    datamodel = SafeLoopInterface(Category)
    class_permission_name = "Category"
    base_permissions = NO_DELETE
    list_columns = ["code", "name", "name_en", "kind", "parent", "active"]
    add_columns = ["code", "name", "name_en", "kind", "parent", "sort_order", "active"]
    edit_columns = add_columns
    base_order = ("code", "asc")
    label_columns = {
        "code": lazy_gettext("Code"),
        "name": lazy_gettext("Name"),
        "name_en": lazy_gettext("English name"),
        "kind": lazy_gettext("Kind"),
        "parent": lazy_gettext("Parent category"),
        "sort_order": lazy_gettext("Order"),
        "active": lazy_gettext("Active"),
    }
    formatters_columns = {"kind": lambda value: gettext(CategoryKind(value).label)}


class DeterminationStandardView(ReferenceDataView):
    noun = lazy_gettext("Determination standard")
    datamodel = SafeLoopInterface(DeterminationStandard)
    class_permission_name = "DeterminationStandard"
    base_permissions = NO_DELETE
    list_columns = ["name", "doc_number", "effective_on", "repealed_on"]
    add_columns = ["name", "doc_number", "industries", "effective_on", "repealed_on"]
    edit_columns = add_columns
    label_columns = {
        "name": lazy_gettext("Standard"),
        "doc_number": lazy_gettext("Document number"),
        "industries": lazy_gettext("Industries"),
        "effective_on": lazy_gettext("Effective on"),
        "repealed_on": lazy_gettext("Repealed on"),
    }


class DeterminationArticleView(ReferenceDataView):
    noun = lazy_gettext("Determination standard article")
    datamodel = SafeLoopInterface(DeterminationArticle)
    class_permission_name = "DeterminationArticle"
    base_permissions = NO_DELETE
    list_columns = ["standard", "article", "item", "title", "repealed_on"]
    search_columns = ["standard", "article", "title"]
    add_columns = [
        "standard",
        "article",
        "item",
        "title",
        "text",
        "industries",
        "effective_on",
        "repealed_on",
        "sort_order",
    ]
    edit_columns = add_columns
    label_columns = {
        "standard": lazy_gettext("Standard"),
        "article": lazy_gettext("Article"),
        "item": lazy_gettext("Item"),
        "title": lazy_gettext("Title"),
        "text": lazy_gettext("Text"),
        "industries": lazy_gettext("Industries"),
        "effective_on": lazy_gettext("Effective on"),
        "repealed_on": lazy_gettext("Repealed on"),
        "sort_order": lazy_gettext("Order"),
    }


def _hours_list(text: str | None) -> list[int]:
    try:
        return sorted(
            {int(part) for part in (text or "").replace("，", ",").split(",") if part.strip()},
            reverse=True,
        )
    except ValueError:
        raise ValidationError(
            gettext("Give hours as whole numbers separated by commas, e.g. 72,24.")
        ) from None


class SlaPolicyView(ReferenceDataView):
    noun = lazy_gettext("Deadline policy")
    datamodel = SafeLoopInterface(SlaPolicy)
    class_permission_name = "SlaPolicy"
    base_permissions = NO_DELETE
    list_columns = [
        "name",
        "grade",
        "category",
        "confirm_hours",
        "control_hours",
        "rectify_days",
        "review_days",
        "max_extensions",
        "active",
    ]
    add_columns = [
        "name",
        "grade",
        "category",
        "confirm_hours",
        "control_hours",
        "rectify_days",
        "review_days",
        "max_extensions",
        "extension_lead_working_days",
        "progress_report_days",
        "reminders",
        "escalations",
        "active",
    ]
    edit_columns = add_columns
    show_columns = [c for c in add_columns if c not in ("reminders", "escalations")] + [
        "reminder_offsets_hours",
        "escalation_offsets_hours",
    ]
    label_columns = {
        "name": lazy_gettext("Name"),
        "grade": lazy_gettext("Grade"),
        "category": lazy_gettext("Category"),
        "confirm_hours": lazy_gettext("Hours to confirm"),
        "control_hours": lazy_gettext("Hours to control"),
        "rectify_days": lazy_gettext("Days to rectify"),
        "review_days": lazy_gettext("Days to review"),
        "max_extensions": lazy_gettext("Extensions allowed"),
        "extension_lead_working_days": lazy_gettext("Extension request lead (working days)"),
        "progress_report_days": lazy_gettext("Progress report every (days)"),
        "reminders": lazy_gettext("Reminders (hours before deadline)"),
        "escalations": lazy_gettext("Escalation steps (hours after deadline)"),
        "reminder_offsets_hours": lazy_gettext("Reminders (hours before deadline)"),
        "escalation_offsets_hours": lazy_gettext("Escalation steps (hours after deadline)"),
        "active": lazy_gettext("Active"),
    }
    formatters_columns = {
        "grade": lambda value: gettext(Grade(value).label),
        "reminder_offsets_hours": lambda value: ", ".join(map(str, value or [])),
        "escalation_offsets_hours": lambda value: ", ".join(map(str, value or [])),
    }
    add_form_extra_fields = {
        "reminders": StringField(lazy_gettext("Reminders (hours before deadline)")),
        "escalations": StringField(lazy_gettext("Escalation steps (hours after deadline)")),
    }
    edit_form_extra_fields = add_form_extra_fields

    def prefill_form(self, form: Any, pk: Any) -> None:
        item = self.datamodel.get(pk)
        form.reminders.data = ", ".join(map(str, item.reminder_offsets_hours or []))
        form.escalations.data = ", ".join(map(str, item.escalation_offsets_hours or []))

    def prepare(self, item: SlaPolicy) -> None:
        from flask import request

        item.reminder_offsets_hours = _hours_list(request.form.get("reminders"))
        item.escalation_offsets_hours = sorted(_hours_list(request.form.get("escalations")))


class ResponsibilityView(ScopedModelView):
    """The responsibility list's lines (责任清单): who answers for what, where."""

    noun = lazy_gettext("Responsibility")

    datamodel = SafeLoopInterface(Responsibility)
    class_permission_name = "Responsibility"
    base_permissions = NO_DELETE
    list_columns = ["level", "responsibility_type", "organisation", "post", "person", "phone"]
    search_columns = ["level", "responsibility_type", "organisation", "person"]
    add_columns = [
        "level",
        "responsibility_type",
        "organisation",
        "post",
        "person",
        "phone",
        "scope_covered",
        "duties",
        "region",
        "enterprise",
        "sort_order",
        "active",
    ]
    edit_columns = add_columns
    show_columns = add_columns
    label_columns = {
        "level": lazy_gettext("Level"),
        "responsibility_type": lazy_gettext("Responsibility type"),
        "organisation": lazy_gettext("Organisation"),
        "post": lazy_gettext("Post"),
        "person": lazy_gettext("Person"),
        "phone": lazy_gettext("Phone"),
        "scope_covered": lazy_gettext("Scope covered"),
        "duties": lazy_gettext("Duties"),
        "region": lazy_gettext("Region"),
        "enterprise": lazy_gettext("Enterprise"),
        "sort_order": lazy_gettext("Order"),
        "active": lazy_gettext("Active"),
    }
    formatters_columns = {
        "level": lambda value: gettext(RESPONSIBILITY_LEVELS.get(value, value)),
        "responsibility_type": lambda value: gettext(RESPONSIBILITY_TYPES.get(value, value)),
    }
    add_form_extra_fields = {
        "level": SelectField(
            lazy_gettext("Level"),
            choices=[(k, lazy_gettext(v)) for k, v in RESPONSIBILITY_LEVELS.items()],
        ),
        "responsibility_type": SelectField(
            lazy_gettext("Responsibility type"),
            choices=[(k, lazy_gettext(v)) for k, v in RESPONSIBILITY_TYPES.items()],
        ),
    }
    edit_form_extra_fields = add_form_extra_fields

    def prepare(self, item: Responsibility) -> None:
        place = item.enterprise or item.region
        for column in ("district_id", "township_id", "village_id", "grid_id"):
            setattr(item, column, getattr(place, column, None))


class UserScopeView(ReferenceDataView):
    """Which region and/or enterprise each user works in (their data scope)."""

    noun = lazy_gettext("User scope")

    datamodel = SafeLoopInterface(UserScope)
    class_permission_name = "UserScope"
    list_columns = ["user", "region", "enterprise", "phone"]
    add_columns = ["user", "region", "enterprise", "phone"]
    edit_columns = ["region", "enterprise", "phone"]
    label_columns = {
        "user": lazy_gettext("User"),
        "region": lazy_gettext("Region"),
        "enterprise": lazy_gettext("Enterprise"),
        "phone": lazy_gettext("Phone"),
    }


def register(appbuilder: AppBuilder) -> None:
    category = {
        "category": "Reference data",
        "category_label": lazy_gettext("Reference data"),
        "category_icon": "fa-database",
    }
    appbuilder.add_view(
        EnterpriseView,
        "Enterprises",
        label=lazy_gettext("Enterprises"),
        icon="fa-industry",
        **category,
    )
    appbuilder.add_view(
        RegionView, "Regions", label=lazy_gettext("Regions"), icon="fa-map", **category
    )
    appbuilder.add_view(
        CategoryView, "Categories", label=lazy_gettext("Categories"), icon="fa-tags", **category
    )
    appbuilder.add_view(
        DeterminationStandardView,
        "Determination standards",
        label=lazy_gettext("Determination standards"),
        icon="fa-book",
        **category,
    )
    appbuilder.add_view(
        DeterminationArticleView,
        "Determination articles",
        label=lazy_gettext("Determination articles"),
        icon="fa-bookmark",
        **category,
    )
    appbuilder.add_view(
        SlaPolicyView,
        "SLA policies",
        label=lazy_gettext("SLA policies"),
        icon="fa-clock-o",
        **category,
    )
    appbuilder.add_view(
        UserScopeView,
        "User scope",
        label=lazy_gettext("User scope"),
        icon="fa-user-secret",
        category="Security",
    )
