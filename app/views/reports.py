"""The Reports screen: ask for one of the three lists, follow its job, download the file."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext
from wtforms import SelectField

from app.domain.errors import DomainError, InvalidError
from app.reports.columns import TITLES
from app.reports.queries import FILTER_FIELDS
from app.services.reports import (
    FORMATS,
    LISTS,
    download_name,
    report_file,
    report_for,
    report_status,
    reports_for,
    request_report,
)
from app.services.scoping import regions_for
from app.services.transaction import session
from app.views import choices
from app.views.forms import build_form, request_data, show_errors
from app.views.scoped import current_actor


class ReportView(BaseView):
    """报表: the three lists in PDF, XLSX or CSV, made by background jobs."""

    route_base = "/reports"
    default_view = "index"
    class_permission_name = "Report"
    method_permission_name = {
        "index": "read",
        "status": "read",
        "download": "read",
        "request_list": "generate",
    }
    base_permissions = ["can_read", "can_generate"]

    def _form(self, formdata: Any = None) -> Any:
        actor = current_actor()
        list_field = SelectField(
            lazy_gettext("List"), choices=[(name, gettext(TITLES[name])) for name in LISTS]
        )
        format_field = SelectField(
            lazy_gettext("Format"), choices=[(fmt, fmt.upper()) for fmt in FORMATS]
        )
        return build_form(
            FILTER_FIELDS,
            {
                "region_id": [(str(r.id), r.name) for r in session().scalars(regions_for(actor))],
                "enterprise_id": choices.enterprises(actor),
                "category_id": choices.categories(actor),
            },
            formdata=formdata,
            extra={"list": list_field, "format": format_field},
        )

    @expose("/")
    @has_access
    def index(self) -> Any:
        return self._page(self._form())

    def _page(self, form: Any, loose: list[str] | None = None) -> Any:
        reports = session().scalars(reports_for(current_actor()).limit(100)).all()
        return self.render_template(
            "reports/index.html",
            form=form,
            reports=reports,
            titles=TITLES,
            loose_errors=loose or [],
            title=gettext("Reports"),
        )

    @expose("/", methods=["POST"])
    @has_access
    def request_list(self) -> Any:
        form = self._form(request.form)
        if not form.validate():
            return self._page(form)
        try:
            report = request_report(
                current_actor(),
                request.form.get("list", ""),
                request.form.get("format", ""),
                request_data(FILTER_FIELDS, request.form),
            )
        except InvalidError as refused:
            return self._page(form, show_errors(form, refused, gettext))
        from app.jobs import queue_report

        if queue_report(report.id):
            flash(gettext("The report is being made; it appears below when ready."), "info")
        else:
            flash(
                gettext(
                    "The report could not be queued: the job service is not reachable. "
                    "It stays queued and is made when the service is back."
                ),
                "warning",
            )
        return redirect(url_for("ReportView.index"))

    @expose("/<int:report_id>/status")
    @has_access
    def status(self, report_id: int) -> Any:
        try:
            return jsonify(report_status(report_for(current_actor(), report_id)))
        except DomainError:
            abort(404)

    @expose("/<int:report_id>/download")
    @has_access
    def download(self, report_id: int) -> Any:
        try:
            report, path = report_file(current_actor(), report_id)
        except DomainError:
            abort(404)
        return send_file(path, as_attachment=True, download_name=download_name(report))


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(
        ReportView,
        "Reports",
        label=lazy_gettext("Reports"),
        icon="fa-file-text-o",
        category="Hazards",
    )
