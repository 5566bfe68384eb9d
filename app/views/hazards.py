"""The hazard screens: the register (list), the detail page, reporting and transition forms.

Thin: each endpoint turns a request into a call of ``app.services.lifecycle`` and its typed
refusals into a page; scope comes from ``ScopeFilter`` and ``app.services.scoping``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import AppBuilder, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext
from markupsafe import Markup
from wtforms import BooleanField, MultipleFileField, SelectField

from app.domain.errors import ConflictError, DomainError, InvalidError
from app.domain.fields import FieldSpec, Kind
from app.domain.lifecycle import (
    ACTION_LABELS,
    FIELDS,
    Action,
    available_actions,
    fields_for,
    parse_action,
    refusal,
)
from app.domain.vocabulary import OPEN_STATES, Grade, Nature, Source, State
from app.models import Attachment, Hazard, HazardEvent
from app.services import clock
from app.services.attachments import thumbnail_path
from app.services.inspections import inspection_of
from app.services.lifecycle import fire_transition, report_hazard
from app.services.public_reports import public_panel, served_photo
from app.services.scoping import attachment_for, hazard_for, hazards_for
from app.services.transaction import session
from app.templating import localtime
from app.views import choices
from app.views.extra_fields import extra_form, filter_inputs, prefill_extra, shown_values
from app.views.filters import ARGUMENT_FILTER, SafeLoopInterface, argument_notes
from app.views.forms import (
    FILE_FIELDS,
    build_form,
    measure_kinds,
    measure_rows,
    request_data,
    request_files,
    show_errors,
)
from app.views.hazard_map import map_config
from app.views.scoped import SCOPE_FILTERS, ScopedModelView, current_actor

# The report form asks three things first (title, description, place) plus a photo;
# the rest is optional and folded away on a phone.
REPORT_MAIN = ("title", "description", "enterprise_id", "region_id", "address")


def _label(value: Any, vocabulary: Any) -> str:
    try:
        return gettext(vocabulary(value).label)
    except ValueError:
        return str(value or "")


def _overdue_badge(days: int | None) -> Markup:
    if not days:
        return Markup("")
    return Markup('<span class="label label-danger sl-overdue">%s</span>') % gettext(
        "%(days)s days overdue", days=days
    )


def _state_badge(state: str) -> Markup:
    css = {
        State.CLOSED: "success",
        State.REJECTED: "default",
        State.MERGED: "default",
        State.PENDING_VERIFICATION: "info",
        State.REPORTED: "warning",
    }.get(State(state), "primary")
    return Markup('<span class="label label-%s">%s</span>') % (css, _label(state, State))


def _enum_select(label: str, vocabulary: Any) -> SelectField:
    options = [("", "—")] + [(m.value, lazy_gettext(m.label)) for m in vocabulary]
    return SelectField(lazy_gettext(label), choices=options, validate_choice=False)


class HazardView(ScopedModelView):
    """The hazard register (隐患台账) and everything done to one ticket."""

    noun = lazy_gettext("Hazard")

    route_base = "/hazard"
    datamodel = SafeLoopInterface(Hazard)
    class_permission_name = "Hazard"
    method_permission_name = {
        "list": "read",
        "show": "read",
        "attachment": "read",
        "report": "report",
        "duplicates": "report",
        "transition": "transition",
    }
    base_permissions = ["can_read", "can_report", "can_transition"]
    base_filters = [*SCOPE_FILTERS, ARGUMENT_FILTER]

    list_title = lazy_gettext("Hazard register")
    list_template = "hazard/list.html"
    list_columns = [
        "code",
        "title",
        "enterprise",
        "township",
        "category",
        "grade",
        "state",
        "deadline",
        "overdue_days",
    ]
    search_columns = [
        "code",
        "title",
        "enterprise",
        "township",
        "category",
        "grade",
        "state",
        "source",
        "deadline",
        "overdue_days",
        "discovered_at",
        "reported_at",
        "confirmed_at",
        "closed_at",
    ]
    order_columns = ["code", "title", "grade", "state", "deadline", "overdue_days", "discovered_at"]
    base_order = ("reported_at", "desc")
    page_size = 25
    label_columns = {
        "code": lazy_gettext("Code"),
        "title": lazy_gettext("Title"),
        "enterprise": lazy_gettext("Enterprise"),
        "township": lazy_gettext("Township"),
        "category": lazy_gettext("Category"),
        "grade": lazy_gettext("Grade"),
        "state": lazy_gettext("State"),
        "deadline": lazy_gettext("Deadline"),
        "overdue_days": lazy_gettext("Days overdue"),
        "source": lazy_gettext("Source"),
        "discovered_at": lazy_gettext("Discovered on"),
        "reported_at": lazy_gettext("Reported on"),
        "confirmed_at": lazy_gettext("Confirmed on"),
        "closed_at": lazy_gettext("Closed on"),
    }
    formatters_columns = {
        "grade": lambda value: _label(value, Grade),
        "state": _state_badge,
        "source": lambda value: _label(value, Source),
        "nature": lambda value: _label(value, Nature),
        "deadline": lambda value: localtime(value, "%Y-%m-%d"),
        "overdue_days": _overdue_badge,
        "enterprise": lambda value: value or "",
        "category": lambda value: value or "",
    }
    search_form_extra_fields = {
        "state": _enum_select("State", State),
        "grade": _enum_select("Grade", Grade),
        "source": _enum_select("Source", Source),
    }
    # Dropdowns of the search form list only what the user may see.
    search_form_query_rel_fields = {"enterprise": SCOPE_FILTERS, "township": SCOPE_FILTERS}

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == self.list_template:
            kwargs.setdefault("extra_filters", filter_inputs(request.args))
        return super().render_template(template, **kwargs)

    # ------------------------------------------------------------------ detail

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk: int) -> Any:
        hazard = self._ticket(pk)
        actor = current_actor()
        events = (
            session()
            .scalars(
                sa.select(HazardEvent)
                .where(HazardEvent.hazard_id == hazard.id)
                .order_by(HazardEvent.seq)
            )
            .all()
        )
        attachments = (
            session()
            .scalars(
                sa.select(Attachment)
                .where(Attachment.hazard_id == hazard.id, Attachment.deleted_at.is_(None))
                .order_by(Attachment.id)
            )
            .all()
        )
        return self.render_template(
            "hazard/show.html",
            hazard=hazard,
            events=events,
            attachments=attachments,
            actions=available_actions(actor, hazard),
            public=public_panel(actor, hazard),
            extra_values=shown_values(hazard),
            opened_by=inspection_of(hazard),
            action_labels=ACTION_LABELS,
            state_badge=_state_badge,
            label=_label,
            vocab={"grade": Grade, "source": Source, "nature": Nature, "state": State},
            title=f"{hazard.code} {hazard.title}",
        )

    @expose("/attachment/<int:attachment_id>")
    @has_access
    def attachment(self, attachment_id: int) -> Any:
        try:
            found = attachment_for(current_actor(), attachment_id)
        except DomainError:
            abort(404)
        if request.args.get("thumb") and found.content_type.startswith("image/"):
            return send_file(thumbnail_path(found), mimetype="image/jpeg", max_age=3600)
        return send_file(
            served_photo(current_actor(), found),
            mimetype=found.content_type,
            download_name=found.original_name,
            as_attachment=not found.content_type.startswith("image/"),
            max_age=3600,
        )

    # ------------------------------------------------------------------ report

    @expose("/report", methods=["GET", "POST"])
    @has_access
    def report(self) -> Any:
        actor = current_actor()
        specs = [s for s in FIELDS[Action.REPORT] if s.name not in {"photo_ids"}]
        fixed_specs = [s for s in FIELDS[Action.REPORT_FIXED] if s.name == "what_was_done"]
        extra = extra_form(Action.REPORT.value, None)
        form = build_form(
            [*specs, *fixed_specs, *extra.specs],
            {
                "enterprise_id": choices.enterprises(actor),
                "region_id": choices.report_regions(actor),
                "category_id": choices.categories(actor),
                "domain_tag_id": choices.categories(actor, domain_tags=True),
            },
            formdata=request.form if request.method == "POST" else None,
            extra={
                "photo_ids": MultipleFileField(gettext("Photos"), render_kw={"accept": "image/*"}),
                "fixed_on_spot": BooleanField(gettext("Fixed on the spot (即查即改)")),
                "after_photo_ids": MultipleFileField(
                    gettext("After photos"), render_kw={"accept": "image/*"}
                ),
            },
        )
        loose: list[str] = []
        if request.method == "POST" and form.validate():
            fixed = bool(form.fixed_on_spot.data)
            action = Action.REPORT_FIXED if fixed else Action.REPORT
            data = request_data([*FIELDS[action], *extra.specs], request.form)
            photo_specs = [s.name for s in extra.specs if s.kind is Kind.IDS]
            files = request_files(
                request.files, [*(["after_photo_ids"] if fixed else []), *photo_specs]
            )
            photo_kind = FILE_FIELDS["before_photo_ids" if fixed else "photo_ids"]
            files += [
                type(f)(f.name, f.content, photo_kind)
                for f in request_files(request.files, ["photo_ids"])
            ]
            try:
                hazard = report_hazard(actor, data, files, fixed_on_spot=fixed)
            except InvalidError as refused:
                if fixed and "before_photo_ids" in refused.field_errors:
                    refused.field_errors["photo_ids"] = refused.field_errors.pop("before_photo_ids")
                loose = show_errors(form, refused, gettext)
            except DomainError as refused:
                loose = [refused.render(gettext)]
            else:
                flash(gettext("Hazard %(code)s reported.", code=hazard.code), "success")
                return redirect(url_for("HazardView.show", pk=hazard.id))
        return self.render_template(
            "hazard/report.html",
            form=form,
            main_fields=REPORT_MAIN,
            extra_covers=extra.covers,
            loose_errors=loose,
            title=gettext("Report a hazard"),
            map_config=map_config(),
        )

    @expose("/duplicates")
    @has_access
    def duplicates(self) -> Any:
        """Likely duplicates of a report being typed: same enterprise or place, open, recent."""
        enterprise_id = request.args.get("enterprise_id", type=int)
        region_id = request.args.get("region_id", type=int)
        category_id = request.args.get("category_id", type=int)
        if not enterprise_id and not region_id:
            return jsonify([])
        query = hazards_for(current_actor()).where(
            Hazard.state.in_([s.value for s in OPEN_STATES]),
            Hazard.reported_at >= clock.now() - timedelta(days=30),
        )
        if enterprise_id:
            query = query.where(Hazard.enterprise_id == enterprise_id)
        else:
            query = query.where(
                sa.or_(Hazard.grid_id == region_id, Hazard.village_id == region_id),
                Hazard.enterprise_id.is_(None),
            )
        if category_id:
            query = query.where(
                sa.or_(Hazard.category_id == category_id, Hazard.category_id.is_(None))
            )
        rows = session().scalars(query.order_by(Hazard.reported_at.desc()).limit(10))
        return jsonify(
            [
                {
                    "code": h.code,
                    "title": h.title,
                    "state": _label(h.state, State),
                    "url": url_for("HazardView.show", pk=h.id),
                }
                for h in rows
            ]
        )

    # ------------------------------------------------------------------ transitions

    @expose("/<int:pk>/transition/<name>", methods=["GET", "POST"])
    @has_access
    def transition(self, pk: int, name: str) -> Any:
        hazard = self._ticket(pk)
        actor = current_actor()
        try:
            action = parse_action(name)
        except DomainError:
            abort(404)
        version = request.form.get("version", type=int) if request.method == "POST" else None
        refused = refusal(actor, hazard, action, version)
        if refused is not None:
            message = (
                self._conflict_message(refused)
                if isinstance(refused, ConflictError)
                else refused.render(gettext)
            )
            flash(message, "danger")
            return redirect(url_for("HazardView.show", pk=hazard.id))
        extra = extra_form(action.value, hazard)
        specs = [*fields_for(action, hazard), *extra.specs]
        form = build_form(
            specs,
            self._choices(specs, hazard),
            formdata=request.form if request.method == "POST" else None,
        )
        loose: list[str] = []
        if request.method == "GET":
            form.version.data = str(hazard.version)
            self._prefill(form, action, hazard)
            prefill_extra(form, hazard)
        elif form.validate():
            data = request_data(specs, request.form)
            files = request_files(request.files, [s.name for s in specs])
            try:
                fire_transition(actor, hazard.id, action, data, version, files)
            except ConflictError as conflict:
                flash(self._conflict_message(conflict), "danger")
                return redirect(url_for("HazardView.show", pk=hazard.id))
            except InvalidError as invalid:
                loose = show_errors(form, invalid, gettext)
            except DomainError as other:
                flash(other.render(gettext), "danger")
                return redirect(url_for("HazardView.show", pk=hazard.id))
            else:
                flash(
                    gettext("%(action)s: done.", action=gettext(ACTION_LABELS[action])), "success"
                )
                return redirect(url_for("HazardView.show", pk=hazard.id))
        return self.render_template(
            "hazard/transition.html",
            form=form,
            hazard=hazard,
            action=action,
            action_label=gettext(ACTION_LABELS[action]),
            measure_rows=measure_rows(request.form if request.method == "POST" else None),
            measure_kinds=measure_kinds(),
            extra_covers=extra.covers,
            loose_errors=loose,
            title=gettext(ACTION_LABELS[action]),
        )

    # ------------------------------------------------------------------ helpers

    def _ticket(self, pk: int) -> Hazard:
        try:
            return hazard_for(current_actor(), pk)
        except DomainError:
            abort(404)

    def _choices(
        self, specs: list[FieldSpec] | tuple[FieldSpec, ...], hazard: Hazard
    ) -> dict[str, Any]:
        names = {s.name for s in specs}
        actor = current_actor()
        found: dict[str, Any] = {}
        if "category_id" in names:
            found["category_id"] = choices.categories(actor)
        if "domain_tag_id" in names:
            found["domain_tag_id"] = choices.categories(actor, domain_tags=True)
        if "determination_article_id" in names:
            found["determination_article_id"] = choices.determination_articles(actor)
        if "original_id" in names:
            found["original_id"] = choices.merge_targets(actor, hazard)
        if "attachment_id" in names:
            found["attachment_id"] = choices.removable_attachments(hazard)
        return found

    @staticmethod
    def _prefill(form: Any, action: Action, hazard: Hazard) -> None:
        """Start the form from what the ticket already says."""
        if action is Action.CONFIRM:
            form.grade.data = hazard.grade
            form.category_id.data = str(hazard.category_id or "")
            form.nature.data = hazard.nature or ""
            form.responsible_unit.data = hazard.responsible_unit or ""
            # Opened by a checklist item: the clause it checks is the likely basis.
            opened_by = inspection_of(hazard)
            if opened_by is not None and opened_by.item.determination_article_id:
                form.determination_article_id.data = str(opened_by.item.determination_article_id)
        elif action is Action.EDIT:
            for name in (
                "title",
                "description",
                "address",
                "location_part",
                "risk_point",
                "responsible_unit",
                "responsible_person",
                "responsible_phone",
            ):
                getattr(form, name).data = getattr(hazard, name) or ""
            form.nature.data = hazard.nature or ""
        elif action is Action.VERIFY:
            form.review_date.data = clock.now().astimezone(clock.zone()).date().isoformat()
            form.reviewer_name.data = current_actor().name
        elif action is Action.PLAN and hazard.deadline is not None:
            form.deadline.data = localtime(hazard.deadline, "%Y-%m-%d")

    @staticmethod
    def _conflict_message(conflict: ConflictError) -> str:
        message = conflict.render(gettext)
        if conflict.current_state:
            message += " " + gettext(
                "The hazard is now %(state)s (version %(version)s).",
                state=_label(conflict.current_state, State),
                version=conflict.current_version,
            )
        return message


def register(appbuilder: AppBuilder) -> None:
    # The list says what its argument filters (checklist item, index component) keep.
    current_app.jinja_env.globals["argument_notes"] = argument_notes
    appbuilder.add_view(
        HazardView,
        "Hazard register",
        label=lazy_gettext("Hazard register"),
        icon="fa-list",
        category="Hazards",
        category_label=lazy_gettext("Hazards"),
        category_icon="fa-exclamation-triangle",
    )
    appbuilder.add_link(
        "Report a hazard",
        label=lazy_gettext("Report a hazard"),
        href="/hazard/report",
        icon="fa-plus",
        category="Hazards",
    )


__all__ = ["HazardView", "register"]
