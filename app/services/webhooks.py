"""Outgoing webhooks: each subscriber follows the change feed; each event becomes one signed
delivery, sent by a background job, retried with back-off, logged.

Two steps, both run by the ``deliver_webhooks`` job (never by a transition, so a slow
subscriber cannot slow anyone's work):

1. :func:`dispatch` turns the timeline entries after a subscriber's cursor into deliveries
   (one per entry the subscriber asked for, with its body fixed and signed once), and moves
   the cursor, in one transaction. The feed's order (app.services.exchange: entries are
   taken only once every transaction below the snapshot's horizon has finished) means no
   entry slips by.
2. :func:`deliver_due` posts the due deliveries, oldest first. A delivery waits while an
   earlier one of the same ticket (a lower entry id: a ticket's chain) is not delivered
   (order per ticket), is claimed before it is sent (one sender only) and is never sent
   again once delivered. A failure is retried after
   base · 2^(attempts-1) seconds; after the last attempt the delivery fails and the
   subscriber is paused, with a notice in the admins' inbox.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from sqlalchemy.orm import aliased

from app.domain import roles
from app.domain.exchange import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    WEBHOOK_PAUSED_STEP,
    Cursor,
    DeliveryStatus,
    event_name,
    next_attempt_at,
    sign_body,
    wants,
)
from app.domain.scope import EVERYTHING, RegionRule, Scope
from app.domain.vocabulary import RegionLevel
from app.models import Notification, WebhookDelivery, WebhookSubscriber
from app.services import clock
from app.services.exchange import (
    Change,
    CodeMap,
    code_map,
    entries_after,
    event_json,
    exchange_record,
    feed_head,
    feed_horizon,
)
from app.services.transaction import atomic, session

DISPATCH_BATCH = 500
# Failures in a row after which a run stops trying a subscriber (it is clearly down).
GIVE_UP_RUN_AFTER = 3


@dataclass(frozen=True)
class Settings:
    """``SAFELOOP_WEBHOOK_*``: time-out, retries and back-off of deliveries."""

    timeout: float
    max_attempts: int
    backoff_base: int
    backoff_cap: int


def settings() -> Settings:
    config = current_app.config
    return Settings(
        timeout=float(config["SAFELOOP_WEBHOOK_TIMEOUT"]),
        max_attempts=int(config["SAFELOOP_WEBHOOK_MAX_ATTEMPTS"]),
        backoff_base=int(config["SAFELOOP_WEBHOOK_BACKOFF_SECONDS"]),
        backoff_cap=int(config["SAFELOOP_WEBHOOK_BACKOFF_CAP_SECONDS"]),
    )


def region_scope(region: Any) -> Scope:
    """The tickets of ``region`` (any level); all of them without one."""
    if region is None:
        return EVERYTHING
    return Scope(rules=(RegionRule(RegionLevel(region.level), region.id),))


def start_from_now(subscriber: WebhookSubscriber) -> None:
    """Place the subscriber's cursor after the feed's newest entry: it hears of what comes next."""
    subscriber.last_event_txid, subscriber.last_event_id = feed_head()


def cursor_of(subscriber: WebhookSubscriber) -> Cursor:
    return (subscriber.last_event_txid, subscriber.last_event_id)


# --------------------------------------------------------------------------- 1. dispatch


def delivery_body(change: Change, name: str, codes: CodeMap, now: datetime) -> str:
    """The JSON a subscriber receives for one event (fixed once; every attempt sends it).

    ``event`` describes the event itself: the state and version the ticket reached by it.
    ``ticket`` is the ticket as it was when the delivery was prepared, like the change feed's:
    a later change may already be in it (its ``version`` is then above ``event.version``), and
    that change comes as an event of its own, afterwards.
    """
    return json.dumps(
        {
            "event": event_json(change.event, name, codes),
            "ticket": exchange_record(change.hazard, codes),
            "timestamp": now.isoformat(),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def dispatch(subscriber_id: int) -> int:
    """Turn the subscriber's new timeline entries into deliveries; return how many."""
    created = 0
    codes = code_map()
    while True:
        with atomic() as current:
            # Read before the row lock gives this transaction an id of its own (which would
            # hold the horizon back to it).
            horizon = feed_horizon()
            # The row lock makes a second dispatcher wait, then start from the moved cursor.
            subscriber = current.execute(
                sa.select(WebhookSubscriber)
                .where(WebhookSubscriber.id == subscriber_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).scalar_one()
            if not subscriber.active or subscriber.paused_at is not None:
                return created
            since = cursor_of(subscriber)
            changes, end = entries_after(
                region_scope(subscriber.region), since, DISPATCH_BATCH, horizon=horizon
            )
            now = clock.now()
            for change in changes:
                name = event_name(change.event.action, change.event.to_state)
                if not wants(subscriber.events, name):
                    continue
                current.add(
                    WebhookDelivery(
                        subscriber_id=subscriber.id,
                        event_id=change.event.id,
                        hazard_id=change.hazard.id,
                        event=name,
                        body=delivery_body(change, name, codes, now),
                        status=DeliveryStatus.PENDING.value,
                        next_attempt_at=now,
                    )
                )
                created += 1
            subscriber.last_event_txid, subscriber.last_event_id = end
        if end == since:
            return created


# --------------------------------------------------------------------------- 2. deliver


def _due_ids(subscriber_id: int, now: datetime, stale_before: datetime, limit: int) -> list[int]:
    delivery = WebhookDelivery
    earlier = aliased(WebhookDelivery)
    blocked = (
        sa.select(earlier.id)
        .where(
            earlier.subscriber_id == delivery.subscriber_id,
            earlier.hazard_id == delivery.hazard_id,
            earlier.event_id < delivery.event_id,
            earlier.status != DeliveryStatus.DELIVERED.value,
        )
        .exists()
    )
    query = (
        sa.select(delivery.id)
        .where(
            delivery.subscriber_id == subscriber_id,
            _claimable(now, stale_before),
            ~blocked,
        )
        .order_by(delivery.id)
        .limit(limit)
    )
    return list(session().execute(query).scalars())


def _claimable(now: datetime, stale_before: datetime) -> sa.ColumnElement[bool]:
    """Due and not being sent (a claim older than ``stale_before`` was a worker that died)."""
    delivery = WebhookDelivery
    return sa.or_(
        sa.and_(delivery.status == DeliveryStatus.PENDING.value, delivery.next_attempt_at <= now),
        sa.and_(
            delivery.status == DeliveryStatus.SENDING.value, delivery.claimed_at < stale_before
        ),
    )


def _claim(delivery_id: int, now: datetime, stale_before: datetime) -> bool:
    with atomic() as current:
        result = current.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, _claimable(now, stale_before))
            .values(status=DeliveryStatus.SENDING.value, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1


@dataclass(frozen=True)
class Outcome:
    ok: bool
    response_code: int | None = None
    error: str | None = None
    body: str = ""


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST ``body``; any 2xx answer is a success, everything else (incl. time-outs) is not."""
    if not url.lower().startswith(("http://", "https://")):
        return Outcome(False, None, "only http:// and https:// URLs are posted to")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = response.read(4096).decode("utf-8", "replace")
            return Outcome(200 <= response.status < 300, response.status, body=answer)
    except urllib.error.HTTPError as exc:
        return Outcome(False, exc.code, f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(False, None, f"{type(exc).__name__}: {reason}"[:500])


def _send(delivery: WebhookDelivery, timeout: float) -> Outcome:
    subscriber = delivery.subscriber
    body = delivery.body.encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "SafeLoop-Webhook/1",
        SIGNATURE_HEADER: sign_body(subscriber.secret, body),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.event_id),
    }
    return post(subscriber.url, body, headers, timeout)


def _record(delivery_id: int, outcome: Outcome, config: Settings) -> bool:
    """Write one attempt's outcome; returns True when the subscriber was paused by it."""
    now = clock.now()
    with atomic() as current:
        delivery = current.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.response_code = outcome.response_code
        delivery.claimed_at = None
        if outcome.ok:
            delivery.status = DeliveryStatus.DELIVERED.value
            delivery.delivered_at = now
            delivery.last_error = None
            return False
        delivery.last_error = outcome.error or f"HTTP {outcome.response_code}"
        if delivery.attempts < config.max_attempts:
            delivery.status = DeliveryStatus.PENDING.value
            delivery.next_attempt_at = next_attempt_at(
                now, delivery.attempts, config.backoff_base, config.backoff_cap
            )
            return False
        delivery.status = DeliveryStatus.FAILED.value
        subscriber = delivery.subscriber
        subscriber.paused_at = now
        subscriber.pause_reason = delivery.last_error
        _notify_admins(delivery, now)
        return True


def _notify_admins(delivery: WebhookDelivery, now: datetime) -> None:
    """A notice in every admin's inbox naming the paused subscriber, its last error and the
    ticket whose delivery failed (kept as they are now: a resume clears the pause reason)."""
    details = {"subscriber": delivery.subscriber.name, "error": delivery.last_error}
    admins = session().execute(
        sa.select(User.id)
        .join(assoc_user_role, assoc_user_role.c.user_id == User.id)
        .join(Role, Role.id == assoc_user_role.c.role_id)
        .where(Role.name == roles.ADMIN, User.active.is_(True))
    )
    sweep_id = str(uuid.uuid4())
    for (admin_id,) in admins:
        session().add(
            Notification(
                recipient_id=admin_id,
                hazard_id=delivery.hazard_id,
                step=WEBHOOK_PAUSED_STEP,
                due_at=now,
                created_at=now,
                sweep_id=sweep_id,
                details=details,
            )
        )


def deliver_due(subscriber_id: int, limit: int = 500) -> int:
    """Send the subscriber's due deliveries, oldest first; return how many succeeded.

    A ticket's next event becomes due once the one before it is delivered, so the due ones
    are looked up again after each round that delivered something.
    """
    config = settings()
    now = clock.now()
    stale_before = now - timedelta(seconds=config.timeout * 3 + 60)
    delivered = failures_in_a_row = 0
    failed_tickets: set[int] = set()
    while delivered < limit:
        ids = _due_ids(subscriber_id, now, stale_before, limit - delivered)
        progress = False
        for delivery_id in ids:
            delivery = session().get(WebhookDelivery, delivery_id)
            if delivery is None or delivery.hazard_id in failed_tickets:
                continue
            subscriber = delivery.subscriber
            if subscriber.paused_at is not None or not subscriber.active:
                return delivered
            if not _claim(delivery_id, now, stale_before):
                continue
            session().refresh(delivery)
            outcome = _send(delivery, config.timeout)
            if _record(delivery_id, outcome, config):
                return delivered
            if outcome.ok:
                delivered += 1
                failures_in_a_row = 0
                progress = True
                continue
            failed_tickets.add(delivery.hazard_id)
            failures_in_a_row += 1
            if failures_in_a_row >= GIVE_UP_RUN_AFTER:
                return delivered
        if not progress:
            return delivered
    return delivered


def active_subscriber_ids() -> list[int]:
    return list(
        session()
        .execute(
            sa.select(WebhookSubscriber.id).where(
                WebhookSubscriber.active.is_(True), WebhookSubscriber.paused_at.is_(None)
            )
        )
        .scalars()
    )


# --------------------------------------------------------------------------- admin actions


def resend(delivery_ids: list[int]) -> int:
    """Send failed deliveries again (from the log); delivered ones are never sent twice.

    Their subscriber is resumed, and the attempts start afresh.
    """
    now = clock.now()
    with atomic() as current:
        failed = current.execute(
            sa.select(WebhookDelivery).where(
                WebhookDelivery.id.in_(delivery_ids),
                WebhookDelivery.status == DeliveryStatus.FAILED.value,
            )
        ).scalars()
        count = 0
        for delivery in failed:
            delivery.status = DeliveryStatus.PENDING.value
            delivery.attempts = 0
            delivery.next_attempt_at = now
            resume(delivery.subscriber)
            count += 1
    return count


def resume_with_failed(subscriber: WebhookSubscriber) -> int:
    """Take a paused subscriber back into service with its failed deliveries due again: each
    holds back its ticket's later events, which would otherwise wait for a "send again"."""
    resume(subscriber)
    failed = session().scalars(
        sa.select(WebhookDelivery.id).where(
            WebhookDelivery.subscriber_id == subscriber.id,
            WebhookDelivery.status == DeliveryStatus.FAILED.value,
        )
    )
    return resend(list(failed))


def resume(subscriber: WebhookSubscriber) -> None:
    """Take a paused subscriber back into service."""
    subscriber.paused_at = None
    subscriber.pause_reason = None
