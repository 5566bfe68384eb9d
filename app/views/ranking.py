"""The monthly township ranking (乡镇风险管控指数排名) and the admin's weight sets.

Thin: runs come from ``app.services.risk_index``; every component links to the hazard list of
the tickets behind it (the list's township filter and its risk_component/risk_month arguments,
which apply ``risk_index.component_tickets``, the condition the month's figures counted).
"""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext
from openpyxl import Workbook
from wtforms import ValidationError

from app.domain.errors import DomainError, InvalidError
from app.domain.risk_index import (
    COMPONENT_LABELS,
    COMPONENT_UNITS,
    RAW_FIGURE_LABELS,
    Component,
    check_weights,
)
from app.models.oversight import RiskIndexRun, RiskWeightSet
from app.services import risk_index
from app.services.transaction import session
from app.views.dashboard import TOWNSHIP_IS
from app.views.filters import RISK_COMPONENT, RISK_MONTH, SafeLoopInterface
from app.views.reference import ReferenceDataView
from app.views.scoped import current_actor


def component_tickets_url(component: Component, month: str, township_id: int) -> str:
    """The hazard list of exactly the tickets behind one component of one township's month."""
    args: dict[str, Any] = {
        TOWNSHIP_IS: township_id,
        RISK_COMPONENT: component.value,
        RISK_MONTH: month,
    }
    return url_for("HazardView.list", **args)


def show_value(component: str, value: float | None) -> str:
    if value is None:
        return "/"
    unit = COMPONENT_UNITS[Component(component)]
    return f"{value:g} {gettext(unit) if unit and unit != '%' else unit}".strip()


def run_label(run: RiskIndexRun) -> str:
    return gettext(
        "%(month)s, version %(version)s (weights v%(weights)s)",
        month=run.month,
        version=run.version,
        weights=run.weight_set.version,
    )


class RankingView(BaseView):
    """乡镇风险管控指数: the monthly ranking, its drill-down and XLSX export."""

    route_base = "/ranking"
    default_view = "index"
    class_permission_name = "Ranking"
    method_permission_name = {
        "index": "read",
        "month": "read",
        "township": "read",
        "xlsx": "read",
        "compute": "compute",
    }
    base_permissions = ["can_read", "can_compute"]

    def _run(self, month: str | None) -> RiskIndexRun | None:
        try:
            return risk_index.ranking_for(
                current_actor(), month, request.args.get("version", type=int)
            )
        except DomainError:
            if month is not None:
                abort(404)
            return None

    @expose("/")
    @has_access
    def index(self) -> Any:
        return self._page(self._run(None))

    @expose("/<month>")
    @has_access
    def month(self, month: str) -> Any:
        return self._page(self._run(month))

    def _page(self, run: RiskIndexRun | None) -> Any:
        actor = current_actor()
        names = risk_index.township_names(run) if run else {}
        versions = []
        if run is not None:
            versions = list(session().scalars(risk_index.runs_of_month(run.district_id, run.month)))
        return self.render_template(
            "ranking/index.html",
            title=gettext("Township risk-control index"),
            run=run,
            run_label=run_label,
            names=names,
            versions=versions,
            months=risk_index.published_months(actor),
            components=list(Component),
            component_labels=COMPONENT_LABELS,
            raw_labels=RAW_FIGURE_LABELS,
            show_value=show_value,
            weights=risk_index.weights_of(run.weight_set) if run else {},
        )

    @expose("/<month>/township/<int:township_id>")
    @has_access
    def township(self, month: str, township_id: int) -> Any:
        run = self._run(month)
        assert run is not None
        line = next((s for s in run.scores if s.township_id == township_id), None)
        if line is None:
            abort(404)
        return self.render_template(
            "ranking/township.html",
            title=risk_index.township_names(run).get(township_id, line.township_code),
            run=run,
            run_label=run_label,
            line=line,
            components=list(Component),
            component_labels=COMPONENT_LABELS,
            raw_labels=RAW_FIGURE_LABELS,
            show_value=show_value,
            weights=risk_index.weights_of(run.weight_set),
            tickets_url=lambda c: component_tickets_url(c, run.month, township_id),
        )

    @expose("/<month>/xlsx")
    @has_access
    def xlsx(self, month: str) -> Any:
        run = self._run(month)
        assert run is not None
        names = risk_index.township_names(run)
        book = Workbook()
        sheet = book.active
        sheet.title = run.month
        sheet.append([gettext("Township risk-control index"), run_label(run), run.reason or ""])
        sheet.append(
            [
                gettext("Rank"),
                gettext("Township"),
                gettext("Index"),
                gettext("Change"),
                *(gettext(COMPONENT_LABELS[c]) for c in Component),
            ]
        )
        for line in run.scores:
            sheet.append(
                [
                    line.rank,
                    names.get(line.township_id, line.township_code),
                    "/" if line.score is None else line.score,
                    "/" if line.change is None else line.change,
                    *(
                        "/"
                        if line.components[c.value]["score"] is None
                        else line.components[c.value]["score"]
                        for c in Component
                    ),
                ]
            )
        sheet.freeze_panes = "A3"
        buffer = io.BytesIO()
        book.save(buffer)
        buffer.seek(0)
        return send_file(
            buffer,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            as_attachment=True,
            download_name=f"risk-index-{run.month}-v{run.version}.xlsx",
        )

    @expose("/compute", methods=["POST"])
    @has_access
    def compute(self) -> Any:
        actor = current_actor()
        month = (request.form.get("month") or "").strip()
        district_id = risk_index.district_of(actor)
        try:
            if district_id is None:
                abort(404)
            run = risk_index.compute_month(
                actor, district_id, month, request.form.get("reason") or ""
            )
        except DomainError as refused:
            details = [m.render(gettext) for m in getattr(refused, "field_errors", {}).values()]
            flash(" ".join([refused.render(gettext), *details]), "danger")
            return redirect(url_for("RankingView.index"))
        flash(gettext("Published: %(label)s.", label=run_label(run)), "success")
        return redirect(url_for("RankingView.month", month=run.month))


def _weights_are_valid(form: Any, field: Any) -> None:
    values = {c.value: float(getattr(form, f"w_{c.value}").data or 0) for c in Component}
    problems = check_weights(values)
    if problems:
        raise ValidationError(gettext(problems[0]))


class RiskWeightSetView(ReferenceDataView):
    """Versioned weight sets: added, never edited (a month keeps the version it used)."""

    noun = lazy_gettext("Index weight set")

    route_base = "/riskweights"
    datamodel = SafeLoopInterface(RiskWeightSet)
    class_permission_name = "RiskWeightSet"
    base_permissions = ["can_list", "can_show", "can_add"]
    list_title = lazy_gettext("Index weights")
    weight_columns = [f"w_{c.value}" for c in Component]
    list_columns = ["version", "effective_from", *weight_columns, "note"]
    show_columns = [*list_columns, "created_at"]
    add_columns = ["effective_from", *weight_columns, "note"]
    base_order = ("version", "desc")
    label_columns = {
        "version": lazy_gettext("Version"),
        "effective_from": lazy_gettext("In force from (month)"),
        "note": lazy_gettext("Note"),
        "created_at": lazy_gettext("Created at"),
        **{f"w_{c.value}": lazy_gettext(COMPONENT_LABELS[c]) for c in Component},
    }
    validators_columns = {"w_on_time": [_weights_are_valid]}

    def pre_add(self, item: RiskWeightSet) -> None:
        try:
            risk_index.refuse_back_dating(item.effective_from)
        except DomainError as refused:
            details = refused.render_fields(gettext) if isinstance(refused, InvalidError) else {}
            raise ValidationError(
                " ".join(details.values()) or refused.render(gettext)
            ) from refused
        latest = session().query(RiskWeightSet.version).order_by(RiskWeightSet.version.desc())
        item.version = (latest.limit(1).scalar() or 0) + 1
        item.effective_from = item.effective_from.replace(day=1)
        item.created_by_id = g.user.id


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(
        RankingView,
        "Township ranking",
        label=lazy_gettext("Township ranking"),
        icon="fa-trophy",
        category="Oversight",
    )
    appbuilder.add_view(
        RiskWeightSetView,
        "Index weights",
        label=lazy_gettext("Index weights"),
        icon="fa-balance-scale",
        category="Oversight",
    )


__all__ = ["RankingView", "RiskWeightSetView", "component_tickets_url", "register"]
