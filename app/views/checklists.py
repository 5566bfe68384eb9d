"""Checklist screens: the administrator builds versioned templates; inspectors run them.

Running a checklist (``/inspection/run``) is one phone-sized page: choose the enterprise and
the checklist, then pass / fail / not applicable per item with a note and photos. Submitting
goes to ``app.services.inspections.submit_inspection``, which opens one ticket per failure.
"""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import AppBuilder, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext
from wtforms import BooleanField
from wtforms.validators import ValidationError

from app.domain.checklists import OUTCOME_LABELS, Outcome, item_key
from app.domain.errors import DomainError, InvalidError
from app.domain.fields import FieldSpec, Kind
from app.domain.lifecycle import Action
from app.domain.vocabulary import Source
from app.models import (
    Attachment,
    ChecklistItem,
    ChecklistTemplate,
    Hazard,
    HazardEvent,
    Inspection,
)
from app.reports.inspection_pdf import InspectionRecord, RecordLine, write_record
from app.services.attachments import NewFile, file_path
from app.services.inspections import (
    failures_by_item,
    inspection_for,
    new_version,
    refuse_change_of_used_template,
    submit_inspection,
    templates_in_use,
)
from app.services.transaction import session
from app.templating import localtime
from app.views import choices
from app.views.extra_fields import category_specs
from app.views.filters import SafeLoopInterface
from app.views.forms import fields_form, request_data, request_files
from app.views.reference import ReferenceDataView
from app.views.scoped import ScopedModelView, current_actor


def _checked(step: Any, *args: Any) -> None:
    try:
        step(*args)
    except DomainError as refused:
        raise ValidationError(refused.render(gettext)) from refused


class ChecklistItemView(ReferenceDataView):
    """The items of a checklist version, grouped by section."""

    noun = lazy_gettext("Checklist item")

    datamodel = SafeLoopInterface(ChecklistItem)
    class_permission_name = "ChecklistTemplate"
    list_columns = ["section", "text", "determination_article", "may_be_major", "sort_order"]
    add_columns = [
        "template",
        "section",
        "text",
        "determination_article",
        "category",
        "may_be_major",
        "sort_order",
    ]
    edit_columns = add_columns
    base_order = ("sort_order", "asc")
    label_columns = {
        "template": lazy_gettext("Checklist"),
        "section": lazy_gettext("Section"),
        "text": lazy_gettext("Item"),
        "determination_article": lazy_gettext("Clause checked"),
        "category": lazy_gettext("Category of the hazard it opens"),
        "may_be_major": lazy_gettext("A failure may be a major hazard"),
        "sort_order": lazy_gettext("Order"),
    }

    # FAB marks a NOT NULL boolean required, which refuses an unticked box.
    add_form_extra_fields = {
        "may_be_major": BooleanField(lazy_gettext("A failure may be a major hazard"))
    }
    edit_form_extra_fields = add_form_extra_fields

    def prepare(self, item: ChecklistItem) -> None:
        # The form sets the relationship; template_id is still the stored one until the save:
        # neither the version the item leaves nor the one it joins may have been used.
        for template_id in {item.template_id, item.template.id if item.template else None}:
            _checked(refuse_change_of_used_template, template_id)


class ChecklistTemplateView(ReferenceDataView):
    """Checklist templates (检查表), one row per version."""

    noun = lazy_gettext("Checklist")

    datamodel = SafeLoopInterface(ChecklistTemplate)
    class_permission_name = "ChecklistTemplate"
    method_permission_name = {"new_version": "edit"}
    related_views = [ChecklistItemView]
    list_columns = ["code", "version", "name", "industry", "active"]
    add_columns = ["code", "name", "industry", "active"]
    edit_columns = ["name", "industry", "active"]
    show_columns = ["code", "version", "name", "industry", "active"]
    base_order = ("code", "asc")
    show_template = "checklist/template_show.html"
    add_form_extra_fields = {"active": BooleanField(lazy_gettext("Active"), default=True)}
    edit_form_extra_fields = add_form_extra_fields
    label_columns = {
        "code": lazy_gettext("Code"),
        "version": lazy_gettext("Version"),
        "name": lazy_gettext("Name"),
        "industry": lazy_gettext("Industry"),
        "active": lazy_gettext("Active"),
    }

    def pre_update(self, item: ChecklistTemplate) -> None:
        # A used version keeps its name and industry: its printed records show them.
        changed = [
            name
            for name in ("name", "industry")
            if sa.inspect(item).attrs[name].history.has_changes()
        ]
        if changed:
            _checked(refuse_change_of_used_template, item.id)
        super().pre_update(item)

    @expose("/new_version/<int:pk>", methods=["POST"])
    @has_access
    def new_version(self, pk: int) -> Any:
        try:
            copy = new_version(pk)
        except DomainError:
            abort(404)
        flash(gettext("Version %(version)s made; edit its items.", version=copy.version), "success")
        return redirect(url_for("ChecklistTemplateView.show", pk=copy.id))


class InspectionView(ScopedModelView):
    """Inspections within the user's scope; running a checklist on a phone."""

    noun = lazy_gettext("Inspection")

    route_base = "/inspection"
    datamodel = SafeLoopInterface(Inspection)
    class_permission_name = "Inspection"
    method_permission_name = {"list": "read", "show": "read", "record": "read", "run": "run"}
    base_permissions = ["can_read", "can_run"]
    list_title = lazy_gettext("Inspections")
    list_template = "checklist/inspection_list.html"
    list_columns = ["submitted_at", "enterprise", "template", "inspector_name", "source"]
    search_columns = ["enterprise", "template", "source", "submitted_at"]
    order_columns = ["submitted_at"]
    base_order = ("submitted_at", "desc")
    related_views: list[Any] = []
    label_columns = {
        "submitted_at": lazy_gettext("Inspected at"),
        "enterprise": lazy_gettext("Enterprise"),
        "template": lazy_gettext("Checklist"),
        "inspector_name": lazy_gettext("Inspector"),
        "source": lazy_gettext("Source"),
    }
    formatters_columns = {
        "submitted_at": lambda value: localtime(value),
        "source": lambda value: gettext(Source(value).label) if value else "",
    }

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == self.list_template:
            kwargs.setdefault("failures", failures_by_item(current_actor()))
        return super().render_template(template, **kwargs)

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk: int) -> Any:
        inspection = self._inspection(pk)
        return self.render_template(
            "checklist/inspection_show.html",
            inspection=inspection,
            outcome_labels=OUTCOME_LABELS,
            title=gettext("Inspection record"),
        )

    @expose("/record/<int:pk>")
    @has_access
    def record(self, pk: int) -> Any:
        """The inspection as a PDF (现场检查记录) with signature lines."""
        inspection = self._inspection(pk)
        out = io.BytesIO()
        write_record(out, _record(inspection), gettext)
        out.seek(0)
        return send_file(
            out,
            mimetype="application/pdf",
            download_name=f"inspection-{inspection.id}.pdf",
            as_attachment=False,
        )

    @expose("/run", methods=["GET", "POST"])
    @has_access
    def run(self) -> Any:
        actor = current_actor()
        enterprise_id = request.values.get("enterprise_id", type=int)
        template_id = request.values.get("template_id", type=int)
        template = session().get(ChecklistTemplate, template_id) if template_id else None
        errors: dict[str, str] = {}
        loose: list[str] = []
        posted = request.method == "POST" and template is not None and enterprise_id
        # The custom fields each failed item's ticket is asked for (by the item's category).
        item_specs = {
            item.id: category_specs(Action.REPORT.value, item.category_id)
            for item in (template.items if template else [])
            if item.category_id
        }
        if posted and template is not None and enterprise_id:
            answers = {
                item.id: (
                    request.form.get(item_key(item.id)),
                    request.form.get(f"{item_key(item.id)}-note"),
                )
                for item in template.items
            }
            photos = {
                item.id: _item_files(item.id, item_specs.get(item.id, []))
                for item in template.items
            }
            extra = {item_id: _item_extra(item_id, specs) for item_id, specs in item_specs.items()}
            try:
                inspection = submit_inspection(
                    actor,
                    template.id,
                    enterprise_id,
                    answers,
                    photos,
                    request.form.get("note", ""),
                    extra,
                )
            except InvalidError as refused:
                errors = refused.render_fields(gettext)
                loose = [refused.render(gettext)]
            except DomainError as refused:
                loose = [refused.render(gettext)]
            else:
                opened = sum(1 for r in inspection.results if r.hazard_id)
                flash(
                    gettext("Inspection saved; %(count)s hazards opened.", count=opened), "success"
                )
                return redirect(url_for("InspectionView.show", pk=inspection.id))
        item_forms = {
            item_id: fields_form(specs, request.form if posted else None, f"{item_key(item_id)}-")
            for item_id, specs in item_specs.items()
        }
        for form in item_forms.values():
            for field in form:
                if field.name in errors:
                    field.errors = [errors[field.name]]
        return self.render_template(
            "checklist/run.html",
            enterprises=choices.enterprises(actor),
            templates=templates_in_use(),
            enterprise_id=enterprise_id,
            checklist=template,
            outcomes=[(o.value, gettext(o.label)) for o in Outcome],
            errors=errors,
            loose_errors=loose,
            item_key=item_key,
            item_forms=item_forms,
            title=gettext("Run a checklist"),
        )

    def _inspection(self, pk: int) -> Inspection:
        try:
            return inspection_for(current_actor(), pk)
        except DomainError:
            abort(404)


def _item_files(item_id: int, specs: list[FieldSpec]) -> list[NewFile]:
    """The photos sent with an item, and those of its ticket's custom photo fields."""
    names = ["photo_ids", *(spec.name for spec in specs if spec.kind is Kind.IDS)]
    return request_files(request.files, names, prefix=f"{item_key(item_id)}-")


def _item_extra(item_id: int, specs: list[FieldSpec]) -> dict[str, Any]:
    """The custom values typed for the ticket an item's failure opens."""
    data = request_data(specs, request.form, prefix=f"{item_key(item_id)}-")
    return dict(data.get("extra", {}))


def _record(inspection: Inspection) -> InspectionRecord:
    enterprise = inspection.enterprise
    hazards = {
        h.id: h
        for h in session().scalars(
            sa.select(Hazard).where(Hazard.id.in_([r.hazard_id for r in inspection.results]))
        )
    }
    # The photos taken at the inspection: those its report of each ticket holds as evidence
    # (not what the ticket gathered later, so a printed record stays what it was).
    reported = [Action.REPORT.value, Action.REPORT_FIXED.value]
    photos: dict[int, list[Any]] = {}
    for attachment in session().scalars(
        sa.select(Attachment)
        .join(HazardEvent, HazardEvent.id == Attachment.evidence_event_id)
        .where(
            Attachment.hazard_id.in_(list(hazards)),
            HazardEvent.action.in_(reported),
            Attachment.deleted_at.is_(None),
            Attachment.content_type.startswith("image/"),
        )
        .order_by(Attachment.id)
    ):
        photos.setdefault(attachment.hazard_id, []).append(file_path(attachment))
    lines = []
    for result in inspection.results:
        item = result.item
        hazard = hazards.get(result.hazard_id) if result.hazard_id else None
        lines.append(
            RecordLine(
                section=item.section,
                text=item.text,
                clause=repr(item.determination_article) if item.determination_article else "",
                outcome=gettext(Outcome(result.outcome).label),
                note=result.note or "",
                ticket=hazard.code if hazard else "",
                photos=photos.get(hazard.id, []) if hazard else [],
            )
        )
    template = inspection.template
    facts = [
        (gettext("Enterprise"), enterprise.name),
        (gettext("Address"), enterprise.address or ""),
        (gettext("Checklist"), f"{template.name} v{template.version}"),
        (gettext("Inspector"), inspection.inspector_name),
        (gettext("Inspected at"), localtime(inspection.submitted_at)),
        (gettext("Source"), gettext(Source(inspection.source).label)),
        (gettext("Note"), inspection.note or ""),
    ]
    return InspectionRecord(gettext("On-site inspection record (现场检查记录)"), facts, lines)


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(
        InspectionView,
        "Inspections",
        label=lazy_gettext("Inspections"),
        icon="fa-check-square-o",
        category="Hazards",
        category_label=lazy_gettext("Hazards"),
        category_icon="fa-exclamation-triangle",
    )
    appbuilder.add_link(
        "Run a checklist",
        label=lazy_gettext("Run a checklist"),
        href="/inspection/run",
        icon="fa-mobile",
        category="Hazards",
    )
    appbuilder.add_view(
        ChecklistTemplateView,
        "Checklists",
        label=lazy_gettext("Checklists"),
        icon="fa-list-ol",
        category="Reference data",
        category_label=lazy_gettext("Reference data"),
        category_icon="fa-database",
    )
    appbuilder.add_view_no_menu(ChecklistItemView)
