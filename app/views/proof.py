"""Proof for auditors (Admin, Auditor): run the check of every chain as a job and follow it;
check an uploaded register against the files SafeLoop produced."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext, lazy_gettext

from app.domain.errors import DomainError
from app.domain.messages import Message
from app.reports.columns import TITLES
from app.reports.queries import FILTER_FIELDS
from app.services.actors import display_name
from app.services.transaction import session
from app.services.verification import (
    RegisterCheck,
    check_register,
    request_verification,
    run_for,
    run_status,
    runs_for,
    visible_findings,
)
from app.views.scoped import current_actor

MAX_REGISTER_MB = 200


class ProofView(BaseView):
    """``/proof/``: the check of the timeline and of register files."""

    route_base = "/proof"
    default_view = "index"
    class_permission_name = "Proof"
    method_permission_name = {
        "index": "read",
        "status": "read",
        "check_file": "read",
        "run": "verify",
    }
    base_permissions = ["can_read", "can_verify"]

    @expose("/")
    @has_access
    def index(self) -> Any:
        return self._page()

    def _page(self, checked: RegisterCheck | None = None) -> Any:
        actor = current_actor()
        runs = session().scalars(runs_for(actor).limit(20)).all()
        latest = next((r for r in runs if r.status == "finished"), None)
        findings = []
        if latest is not None:
            findings = [
                {**f, "text": Message(f["msgid"], f.get("params") or {}).render(gettext)}
                for f in visible_findings(actor, latest)
            ]
        return self.render_template(
            "proof/index.html",
            title=gettext("Proof for auditors"),
            runs=runs,
            latest=latest,
            findings=findings,
            checked=checked,
            checked_report=_described(checked),
        )

    @expose("/run", methods=["POST"])
    @has_access
    def run(self) -> Any:
        from app.jobs import verification_job
        from app.services.background import enqueue

        run = request_verification(current_actor())
        if enqueue(verification_job, run.id) is None:
            flash(
                gettext(
                    "The check could not be queued: the job service is not reachable. "
                    "It stays queued and runs when the service is back."
                ),
                "warning",
            )
        else:
            flash(gettext("The check is running; its result appears below."), "info")
        return redirect(url_for("ProofView.index"))

    @expose("/run/<int:run_id>/status")
    @has_access
    def status(self, run_id: int) -> Any:
        actor = current_actor()
        try:
            return jsonify(run_status(actor, run_for(actor, run_id)))
        except DomainError:
            abort(404)

    @expose("/file", methods=["POST"])
    @has_access
    def check_file(self) -> Any:
        upload = request.files.get("register")
        content = upload.read(MAX_REGISTER_MB * 1024 * 1024 + 1) if upload else b""
        if not content:
            flash(gettext("Choose a register file (PDF, XLSX or CSV) to check."), "danger")
            return redirect(url_for("ProofView.index"))
        if len(content) > MAX_REGISTER_MB * 1024 * 1024:
            flash(gettext("The file is larger than %(mb)s MB.", mb=MAX_REGISTER_MB), "danger")
            return redirect(url_for("ProofView.index"))
        return self._page(check_register(current_actor(), content))


def _described(checked: RegisterCheck | None) -> dict[str, Any] | None:
    """What the page says about a recognised register: which, when, for whom, which filters."""
    if checked is None or checked.report is None:
        return None
    report = checked.report
    requester = session().get(User, report.requested_by_id) if report.requested_by_id else None
    return {
        "id": report.id,
        "list": gettext(TITLES[report.list_name]),
        "format": report.format.upper(),
        "requested_at": report.requested_at,
        "finished_at": report.finished_at,
        "requested_by": display_name(requester) if requester else "",
        "filters": [
            (gettext(spec.label), (report.filters or {})[spec.name])
            for spec in FILTER_FIELDS
            if (report.filters or {}).get(spec.name) not in (None, "")
        ],
        "monthly_period": report.monthly_period,
        "rows": report.row_count,
        "rows_sha256": report.rows_sha256,
        "anchor": f"{report.anchor_day or ''} {report.anchor_hash or ''}".strip(),
    }


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(
        ProofView,
        "Proof for auditors",
        label=lazy_gettext("Proof for auditors"),
        icon="fa-check-square-o",
        category="Hazards",
    )
