"""The inbox (list, unread count, mark read) and the e-mail digest of each sweep.

Notifications are written by the deadline sweep (``app.services.deadlines.notify``). Their text
is built when shown, in the reader's language, from the step and the ticket. E-mail goes out
only where SMTP is configured: one digest per recipient per sweep, listing all its tickets.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_appbuilder.security.sqla.models import User

from app.domain.exchange import WEBHOOK_PAUSED_STEP
from app.domain.lifecycle import ESCALATION_LABELS, DeadlineStep, Stage, deadline_step
from app.domain.messages import N_, Message, Translate
from app.models import Hazard, Notification
from app.services import clock
from app.services.transaction import atomic, session

# --------------------------------------------------------------------------- text


def notification_message(step: DeadlineStep, hazard: Hazard) -> Message:
    """What a notification says about ``hazard`` (code, title, which deadline, when, level)."""
    due = getattr(hazard, step.watch.column)
    params: dict[str, Any] = {
        "code": hazard.code,
        "title": hazard.title,
        "deadline": step.watch.label,
        "due": due.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M") if due else "",
        "level": ESCALATION_LABELS[step.number] if step.stage is Stage.ESCALATION else "",
    }
    translated = ("deadline", "level")
    if step.stage is Stage.REMINDER:
        return Message(N_("%(code)s %(title)s: %(deadline)s due by %(due)s"), params, translated)
    if step.number == 1:
        return Message(
            N_("%(code)s %(title)s: %(deadline)s overdue (deadline %(due)s)"), params, translated
        )
    return Message(
        N_("%(code)s %(title)s: %(deadline)s overdue (deadline %(due)s), escalated to %(level)s"),
        params,
        translated,
    )


def describe(notification: Notification, gettext: Translate) -> str:
    """The notification's text in the language of ``gettext``."""
    if notification.step == WEBHOOK_PAUSED_STEP:
        details = notification.details or {}
        if "subscriber" not in details:  # written before notices named the subscriber
            return Message(
                N_(
                    "An outgoing webhook was paused after repeated failed deliveries about "
                    "%(code)s; see the webhook delivery log."
                ),
                {"code": notification.hazard.code},
            ).render(gettext)
        return Message(
            N_(
                "The webhook subscriber %(subscriber)s was paused after repeated failed "
                "deliveries about %(code)s (last error: %(error)s); see the webhook delivery log."
            ),
            {
                "subscriber": details["subscriber"],
                "code": notification.hazard.code,
                "error": details.get("error") or "",
            },
        ).render(gettext)
    step = deadline_step(notification.step)
    if step is None:  # a step renamed since: still say which ticket
        return f"{notification.hazard.code} {notification.hazard.title}"
    return notification_message(step, notification.hazard).render(gettext)


# --------------------------------------------------------------------------- inbox


def unread_count(user_id: int) -> int:
    """How many notifications ``user_id`` has not read (the menu badge)."""
    query = sa.select(sa.func.count()).where(
        Notification.recipient_id == user_id, Notification.read_at.is_(None)
    )
    return int(session().execute(query).scalar_one())


def inbox(user_id: int, *, unread_only: bool = False, limit: int = 50, offset: int = 0) -> Any:
    """The user's notifications, newest first, with their tickets loaded."""
    query = (
        sa.select(Notification)
        .join(Hazard, Hazard.id == Notification.hazard_id)
        .where(Notification.recipient_id == user_id)
        .order_by(Notification.id.desc())  # ids grow with time
        .limit(limit)
        .offset(offset)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return session().execute(query).scalars().all()


def mark_read(user_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications ``ids`` (all when None) read; others' are never touched."""
    statement = (
        sa.update(Notification)
        .where(Notification.recipient_id == user_id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    if ids is not None:
        statement = statement.where(Notification.id.in_(list(ids)))
    with atomic() as current:
        return max(int(current.execute(statement).rowcount or 0), 0)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- e-mail digests


@dataclass(frozen=True)
class SmtpSettings:
    """``SAFELOOP_SMTP_*``: where digests are sent from. No host means no e-mail."""

    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    security: str = ""  # "" (plain, e.g. a local relay), "starttls" or "ssl"
    timeout: float = 30.0


def smtp_settings() -> SmtpSettings | None:
    """The configured SMTP server, or None when e-mail is not configured."""
    config = current_app.config
    host = config.get("SAFELOOP_SMTP_HOST") or ""
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=int(config.get("SAFELOOP_SMTP_PORT") or 25),
        sender=config.get("SAFELOOP_SMTP_SENDER") or "safeloop@localhost",
        username=config.get("SAFELOOP_SMTP_USERNAME") or "",
        password=config.get("SAFELOOP_SMTP_PASSWORD") or "",
        security=(config.get("SAFELOOP_SMTP_SECURITY") or "").lower(),
    )


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=ssl.create_default_context(),
        )
    server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.security == "starttls":
        server.starttls(context=ssl.create_default_context())
    return server


def digest_message(
    settings: SmtpSettings,
    recipient: Any,
    notifications: Sequence[Notification],
    gettext: Translate,
) -> EmailMessage:
    """One e-mail listing every notification of one sweep for one recipient."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = recipient.email
    message["Subject"] = Message(
        N_("SafeLoop: %(count)s deadline notices about %(tickets)s hazards"),
        {"count": len(notifications), "tickets": len({n.hazard_id for n in notifications})},
    ).render(gettext)
    lines = [f"- {describe(n, gettext)}" for n in notifications]
    message.set_content("\n".join([*lines, ""]))
    return message


def send_digests(sweep_id: str, gettext: Callable[[str], str]) -> int:
    """E-mail each recipient of sweep ``sweep_id`` one digest of their unsent notifications.

    Returns the number of e-mails sent. Each recipient's notifications are marked sent in the
    same step as their e-mail, so a retry after a failure sends to the others only.
    """
    settings = smtp_settings()
    if settings is None:
        return 0
    rows = session().execute(
        sa.select(Notification, User)
        .join(User, User.id == Notification.recipient_id)
        .where(
            Notification.sweep_id == sweep_id,
            Notification.emailed_at.is_(None),
            User.email.is_not(None),
            User.email != "",
        )
        .order_by(User.id, Notification.id)
    )
    by_recipient: dict[int, tuple[Any, list[Notification]]] = {}
    for notification, user in rows:
        by_recipient.setdefault(user.id, (user, []))[1].append(notification)
    sent = 0
    if not by_recipient:
        return 0
    with _connect(settings) as server:
        if settings.username:
            server.login(settings.username, settings.password)
        for user, notifications in by_recipient.values():
            server.send_message(digest_message(settings, user, notifications, gettext))
            with atomic() as current:
                current.execute(
                    sa.update(Notification)
                    .where(Notification.id.in_([n.id for n in notifications]))
                    .values(emailed_at=clock.now())
                )
            sent += 1
    return sent
