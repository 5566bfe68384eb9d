"""The ledger import screen: upload a ledger, see every row's problems, import the rest."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext

from app.api.imports import errors_download, template_download, user_locale
from app.domain.errors import DomainError, InvalidError, NotFoundError
from app.services.ledger_import import (
    check_ledger,
    import_for,
    import_status,
    imports_for,
    start_import,
    store_ledger,
    translators,
)
from app.services.transaction import session
from app.views.scoped import current_actor

# The screen lists this many problems; the error sheet has them all.
SHOWN_ERRORS = 500


class LedgerImportView(BaseView):
    """台账导入: check an Excel hazard ledger row by row, then import it in the background."""

    route_base = "/imports"
    default_view = "index"
    class_permission_name = "LedgerImport"
    method_permission_name = {
        "index": "read",
        "show": "read",
        "status": "read",
        "errors": "read",
        "template": "read",
        "check": "import",
        "run": "import",
    }
    base_permissions = ["can_read", "can_import"]

    @expose("/")
    @has_access
    def index(self) -> Any:
        imports = session().scalars(imports_for(current_actor()).limit(50)).all()
        return self.render_template(
            "imports/index.html", imports=imports, title=gettext("Import ledger")
        )

    @expose("/", methods=["POST"])
    @has_access
    def check(self) -> Any:
        upload = request.files.get("file")
        actor = current_actor()
        try:
            record = store_ledger(
                actor,
                (upload.filename or "") if upload else "",
                upload.read() if upload else b"",
                user_locale(),
            )
            check_ledger(actor, record, translators(user_locale()))
        except InvalidError as refused:
            for message in refused.render_fields(gettext).values():
                flash(message, "danger")
            return redirect(url_for("LedgerImportView.index"))
        return redirect(url_for("LedgerImportView.show", import_id=record.id))

    @expose("/<int:import_id>")
    @has_access
    def show(self, import_id: int) -> Any:
        try:
            record = import_for(current_actor(), import_id)
        except DomainError:
            abort(404)
        return self.render_template(
            "imports/show.html",
            record=record,
            errors=(record.errors or [])[:SHOWN_ERRORS],
            title=gettext("Import ledger"),
        )

    @expose("/<int:import_id>/run", methods=["POST"])
    @has_access
    def run(self, import_id: int) -> Any:
        try:
            record = start_import(current_actor(), import_id, request.form.get("mode", ""))
        except NotFoundError:
            abort(404)
        except DomainError as refused:
            flash(refused.render(gettext), "warning")
            return redirect(url_for("LedgerImportView.show", import_id=import_id))
        from app.jobs import queue_import

        if queue_import(record.id):
            flash(gettext("The import is running; this page shows its progress."), "info")
        else:
            flash(
                gettext(
                    "The import could not be queued: the job service is not reachable. "
                    "Queue it again from this page once the service is back."
                ),
                "warning",
            )
        return redirect(url_for("LedgerImportView.show", import_id=record.id))

    @expose("/<int:import_id>/status")
    @has_access
    def status(self, import_id: int) -> Any:
        try:
            return jsonify(import_status(import_for(current_actor(), import_id)))
        except DomainError:
            abort(404)

    @expose("/<int:import_id>/errors")
    @has_access
    def errors(self, import_id: int) -> Any:
        try:
            return errors_download(import_id)
        except DomainError:
            abort(404)

    @expose("/template")
    @has_access
    def template(self) -> Any:
        return template_download()


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(
        LedgerImportView,
        "Import ledger",
        label=lazy_gettext("Import ledger"),
        icon="fa-upload",
        category="Hazards",
    )
