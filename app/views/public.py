"""The public pages (no login): report a hazard, follow it with a tracking code; and the
staff side of a public report (reply to the reporter, record the reward decision).

This is the product's one unauthenticated write path, so besides CSRF it has rate limits per
address and per tracking code (FAB's Flask-Limiter, counters in the app's Redis), an image
captcha drawn here (no third-party service), a honeypot field, and look-ups that answer an
unknown and a malformed code alike.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any

from captcha.image import ImageCaptcha
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.utils.limit import Limit
from flask_babel import gettext, lazy_gettext
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response
from wtforms import BooleanField, MultipleFileField

from app.domain.errors import DomainError, InvalidError
from app.domain.fields import FieldSpec
from app.domain.public import (
    PUBLIC_REPLY_FIELDS,
    PUBLIC_REPORT_FIELDS,
    REPLY,
    REWARD,
    REWARD_FIELDS,
    TRACKING_ALPHABET,
    format_tracking_code,
    new_tracking_code,
)
from app.services.public_reports import (
    record_reward,
    staff_ticket,
    submit_public_report,
    track,
    write_public_reply,
)
from app.services.scoping import public_townships
from app.services.transaction import session as db_session
from app.views.forms import build_form, request_data, request_files, show_errors
from app.views.scoped import current_actor

CAPTCHA_LENGTH = 5
CAPTCHA_SECONDS = 600
HONEYPOT = "website"
CONSENT = lazy_gettext(
    "I confirm that what I report is true to my knowledge. My name and phone, if I give them, "
    "are seen only by the inspectors and district supervisors handling this report, and are "
    "used only to ask about it and for a reward decision."
)


def captcha_text() -> str:
    """The characters of a new captcha (tests replace this to know the answer)."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(CAPTCHA_LENGTH))


def _captcha_digest(text: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"captcha:" + text.strip().upper().encode(), hashlib.sha256).hexdigest()


def _captcha_solved(answer: str | None) -> bool:
    """One try per captcha: the stored digest is removed whatever the answer."""
    digest = session.pop("public_captcha", None)
    issued = session.pop("public_captcha_at", 0)
    if not digest or not answer or time.time() - float(issued) > CAPTCHA_SECONDS:
        return False
    return hmac.compare_digest(digest, _captcha_digest(answer))


def page(template: str, **context: Any) -> str:
    """A public page in FAB's layout (rendered outside a view method, e.g. on a breach)."""
    appbuilder = current_app.appbuilder  # type: ignore[attr-defined]
    return render_template(
        template, base_template=appbuilder.base_template, appbuilder=appbuilder, **context
    )


def _too_many(limit: RequestLimit) -> Response:
    response = make_response(
        page(
            "public/message.html",
            title=gettext("Too many requests"),
            message=gettext(
                "Too many requests from your network. Please wait a while and try again, "
                "or call the hotline 12350."
            ),
        ),
        429,
    )
    return response


def _limit_value(name: str) -> Any:
    return lambda: current_app.config[name]


def _code_key() -> str:
    # One bucket per code however it is typed (case, spaces, dashes).
    raw = str((request.view_args or {}).get("code", ""))
    return "public-code:" + "".join(raw.split()).replace("-", "").upper()


class PublicReportView(BaseView):
    """``/public/report``: the report form, its captcha image and the confirmation."""

    route_base = "/public"
    default_view = "report"
    limits = [
        Limit(
            _limit_value("SAFELOOP_PUBLIC_REPORT_LIMIT"),
            key_func=get_remote_address,
            methods=("POST",),
            on_breach=_too_many,
        ),
        Limit(
            _limit_value("SAFELOOP_PUBLIC_TRACK_LIMIT"),
            key_func=get_remote_address,
            methods=("GET",),
            on_breach=_too_many,
        ),
    ]

    @expose("/report", methods=["GET", "POST"])
    def report(self) -> Any:
        townships = [
            (str(r.id), r.name) for r in db_session().scalars(public_townships().order_by("code"))
        ]
        form = build_form(
            PUBLIC_REPORT_FIELDS,
            {"township_id": townships},
            formdata=request.form if request.method == "POST" else None,
            extra={
                "consent": BooleanField(CONSENT),
                "photo_ids": MultipleFileField(
                    gettext("Photos"), render_kw={"accept": "image/*", "data-required": "1"}
                ),
            },
        )
        loose: list[str] = []
        captcha_error = ""
        if request.method == "POST":
            if request.form.get(HONEYPOT):
                # A robot filled the invisible field: it gets a code that tracks nothing.
                return self._submitted(format_tracking_code(new_tracking_code()))
            if not _captcha_solved(request.form.get("captcha")):
                captcha_error = gettext("The characters in the picture did not match; try again.")
            else:
                photos = request_files(request.files, ["photo_ids"])
                try:
                    row = submit_public_report(
                        request_data(PUBLIC_REPORT_FIELDS, request.form), photos, str(CONSENT)
                    )
                except InvalidError as refused:
                    loose = show_errors(form, refused, gettext)
                else:
                    return self._submitted(format_tracking_code(row.tracking_code))
        return page(
            "public/report.html",
            form=form,
            loose_errors=loose,
            captcha_error=captcha_error,
            consent=CONSENT,
            max_photos=current_app.config["SAFELOOP_PUBLIC_MAX_PHOTOS"],
            honeypot=HONEYPOT,
            title=gettext("Report a safety hazard"),
        )

    def _submitted(self, code: str) -> Any:
        return page("public/submitted.html", code=code, title=gettext("Report received"))

    @expose("/captcha.png")
    def captcha(self) -> Any:
        text = captcha_text()
        session["public_captcha"] = _captcha_digest(text)
        session["public_captcha_at"] = time.time()
        image = ImageCaptcha(width=180, height=60).generate(text)
        response = make_response(image.getvalue())
        response.headers["Content-Type"] = "image/png"
        response.headers["Cache-Control"] = "no-store"
        return response


class PublicTrackView(BaseView):
    """``/public/track/<code>``: the state of a public report in plain words."""

    route_base = "/public/track"
    default_view = "lookup"
    limits = [
        Limit(
            _limit_value("SAFELOOP_PUBLIC_TRACK_LIMIT"),
            key_func=get_remote_address,
            on_breach=_too_many,
        ),
        Limit(
            _limit_value("SAFELOOP_PUBLIC_TRACK_CODE_LIMIT"),
            key_func=_code_key,
            exempt_when=lambda: not (request.view_args or {}).get("code"),
            on_breach=_too_many,
        ),
    ]

    @expose("/")
    def lookup(self) -> Any:
        code = request.args.get("code", "").strip()
        if code:
            return redirect(url_for("PublicTrackView.status", code=code))
        return page("public/lookup.html", title=gettext("Follow your report"))

    @expose("/<code>")
    def status(self, code: str) -> Any:
        found = track(code)
        if found is None:
            return (
                page(
                    "public/lookup.html",
                    title=gettext("Follow your report"),
                    not_found=True,
                ),
                404,
            )
        return page("public/track.html", tracking=found, title=gettext("Follow your report"))


class PublicReportStaffView(BaseView):
    """The staff side of a public report, reached from the ticket page."""

    route_base = "/publicreport"
    class_permission_name = "PublicReport"
    method_permission_name = {"reply": "reply", "reward": "reward"}
    base_permissions = ["can_reply", "can_reward"]

    @expose("/<int:pk>/reply", methods=["GET", "POST"])
    @has_access
    def reply(self, pk: int) -> Any:
        return self._staff_form(
            pk,
            REPLY,
            PUBLIC_REPLY_FIELDS,
            lambda data: write_public_reply(current_actor(), pk, data),
            gettext("Reply published on the tracking page."),
            gettext("Reply to the reporter"),
        )

    @expose("/<int:pk>/reward/<int:report_id>", methods=["GET", "POST"])
    @has_access
    def reward(self, pk: int, report_id: int) -> Any:
        return self._staff_form(
            pk,
            REWARD,
            REWARD_FIELDS,
            lambda data: record_reward(current_actor(), pk, report_id, data),
            gettext("Reward decision recorded."),
            gettext("Record the reward decision"),
            report_id,
        )

    def _staff_form(
        self,
        pk: int,
        purpose: str,
        specs: tuple[FieldSpec, ...],
        command: Callable[[dict[str, Any]], object],
        done: str,
        title: str,
        report_id: int | None = None,
    ) -> Any:
        """Show the form of ``specs``; on POST run ``command`` and go back to the ticket."""
        self._check(pk, purpose, report_id)
        form = build_form(specs, formdata=request.form if request.method == "POST" else None)
        loose: list[str] = []
        if request.method == "POST":
            try:
                command(request_data(specs, request.form))
            except InvalidError as refused:
                loose = show_errors(form, refused, gettext)
            except DomainError as refused:
                return self._refused(pk, refused)
            else:
                flash(done, "success")
                return redirect(url_for("HazardView.show", pk=pk))
        return self._form(pk, form, loose, title)

    def _form(self, pk: int, form: Any, loose: list[str], title: str) -> Any:
        return self.render_template(
            "public/staff_form.html", form=form, loose_errors=loose, hazard_id=pk, title=title
        )

    def _check(self, pk: int, purpose: str, report_id: int | None = None) -> None:
        try:
            staff_ticket(current_actor(), pk, purpose, report_id)
        except DomainError as refused:
            self._refused(pk, refused)

    @staticmethod
    def _refused(pk: int, refused: DomainError) -> Any:
        if refused.http_status in (403, 404):
            abort(refused.http_status)
        flash(refused.render(gettext), "danger")
        return redirect(url_for("HazardView.show", pk=pk))


def _csrf_refused(refused: CSRFError) -> Any:
    """A public form sent without its token (e.g. the page sat open across a restart)."""
    if not (request.blueprint or "").startswith("Public"):
        return refused
    message = gettext("This form has expired. Please reload the page and send it again.")
    return page(
        "public/message.html", title=gettext("Report a safety hazard"), message=message
    ), 400


def register(appbuilder: AppBuilder) -> None:
    current_app.register_error_handler(CSRFError, _csrf_refused)
    appbuilder.add_view_no_menu(PublicReportView)
    appbuilder.add_view_no_menu(PublicTrackView)
    appbuilder.add_view_no_menu(PublicReportStaffView)
