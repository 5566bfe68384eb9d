"""Exchange with other systems: webhook event names, signatures, retry back-off, code kinds.

Plain Python. The change feed and the webhooks (``app.services.exchange``,
``app.services.webhooks``) apply these rules to the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.lifecycle import Action
from app.domain.messages import N_
from app.domain.vocabulary import State

# The header a receiver checks: ``sha256=<hex HMAC-SHA256 of the raw body with the secret>``.
SIGNATURE_HEADER = "X-SafeLoop-Signature"
EVENT_HEADER = "X-SafeLoop-Event"
# The inbox notice (a notification's step) that a webhook subscriber was paused.
WEBHOOK_PAUSED_STEP = "webhook_paused"
DELIVERY_HEADER = "X-SafeLoop-Delivery"

# The event a subscriber names, for each lifecycle action (others are sent under their own
# name). A verification that passes is "closed"; one that fails is "sent_back".
_EVENT_OF_ACTION = {
    Action.REPORT: "reported",
    Action.REPORT_FIXED: "reported",
    Action.CONFIRM: "confirmed",
    Action.REJECT: "rejected",
    Action.CONTROL: "controlled",
    Action.PLAN: "planned",
    Action.SUBMIT: "submitted",
    Action.SEND_BACK: "sent_back",
    Action.REOPEN: "reopened",
    Action.SUPERVISE: "supervised",
    Action.OVERDUE: "overdue",
    Action.ESCALATE: "escalated",
    Action.MERGE: "merged",
    Action.DELETE: "deleted",
}
# Any other action (edit, progress, extension, attachments …) is a plain change.
CHANGED = "changed"
CLOSED = "closed"

WEBHOOK_EVENTS: tuple[str, ...] = (
    *dict.fromkeys(_EVENT_OF_ACTION.values()),
    CLOSED,
    CHANGED,
)


def event_name(action: str, to_state: str) -> str:
    """The webhook event a timeline entry (its action and the state it led to) stands for."""
    if to_state == State.CLOSED.value and action != Action.MERGED_IN.value:
        return CLOSED
    try:
        return _EVENT_OF_ACTION.get(Action(action), CHANGED)
    except ValueError:
        return CHANGED


def parse_events(text: str) -> tuple[list[str], list[str]]:
    """The event names a subscriber asked for (comma or space separated), and unknown ones."""
    names = [n.strip() for n in text.replace(",", " ").split() if n.strip()]
    unknown = [n for n in names if n not in WEBHOOK_EVENTS and n != "*"]
    return list(dict.fromkeys(names)), unknown


def wants(events: str, name: str) -> bool:
    """Whether a subscriber of ``events`` (its stored list) gets event ``name``."""
    chosen, _ = parse_events(events)
    return "*" in chosen or name in chosen


def sign_body(secret: str, body: bytes) -> str:
    """The signature header value for ``body``: HMAC-SHA256 with the subscriber's secret."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_valid(secret: str, body: bytes, header: str) -> bool:
    """What a receiver checks (constant-time comparison)."""
    return hmac.compare_digest(sign_body(secret, body), header or "")


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first attempt or its next retry
    SENDING = "sending"  # claimed by a worker
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up; an admin may send it again


DELIVERY_STATUS_LABELS = {
    DeliveryStatus.PENDING: N_("Pending"),
    DeliveryStatus.SENDING: N_("Sending"),
    DeliveryStatus.DELIVERED: N_("Delivered"),
    DeliveryStatus.FAILED: N_("Failed"),
}


def next_attempt_at(now: datetime, attempts: int, base_seconds: int, cap_seconds: int) -> datetime:
    """When to try again after ``attempts`` failed attempts: base · 2^(attempts-1), capped."""
    delay = base_seconds * (2 ** max(attempts - 1, 0))
    return now + timedelta(seconds=min(delay, cap_seconds))


class CodeKind(StrEnum):
    """What an exchange code translates: our value -> the national specification's code."""

    STATE = "state"
    GRADE = "grade"
    SOURCE = "source"
    CATEGORY = "category"  # by our category code (e.g. XC05)
    SUPERVISION_LEVEL = "supervision_level"


CODE_KIND_LABELS = {
    CodeKind.STATE: N_("State"),
    CodeKind.GRADE: N_("Grade"),
    CodeKind.SOURCE: N_("Source"),
    CodeKind.CATEGORY: N_("Category"),
    CodeKind.SUPERVISION_LEVEL: N_("Supervision level"),
}


# --------------------------------------------------------------------------- robots


def dingtalk_signed_url(webhook_url: str, secret: str, now_ms: int | None = None) -> str:
    """A DingTalk custom robot URL with ``timestamp`` and ``sign`` added, as DingTalk's robot
    documentation specifies: sign = urlencode(base64(HMAC-SHA256(secret, f"{ts}\\n{secret}")))."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    to_sign = f"{timestamp}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if "?" in webhook_url else "?"
    return f"{webhook_url}{separator}timestamp={timestamp}&sign={sign}"


# Default codes seeded for the exchange (an admin edits them to the province's code table).
# A value without a code is sent as it is.
DEFAULT_CODES: dict[CodeKind, dict[str, str]] = {
    CodeKind.GRADE: {"general": "1", "major": "2"},
    CodeKind.STATE: {
        "reported": "01",
        "confirmed": "02",
        "controlled": "03",
        "rectifying": "04",
        "pending_verification": "05",
        "closed": "06",
        "rejected": "07",
        "merged": "08",
    },
    CodeKind.SOURCE: {
        "self_check": "1",
        "grid_patrol": "2",
        "enforcement": "3",
        "department_spot_check": "4",
        "joint_inspection": "5",
        "third_party": "6",
        "public_report": "7",
        "iot_sensing": "8",
    },
    CodeKind.SUPERVISION_LEVEL: {"province": "1", "city": "2", "county": "3"},
}


# ---------------------------------------------------------------- change feed positions

Cursor = tuple[int, int]
"""A position in the feed: the last entry's (txid, id); (0, 0) is the start."""

START: Cursor = (0, 0)


def encode_cursor(cursor: Cursor) -> str:
    """The cursor as the API gives it out (clients pass it back as it is)."""
    return f"{cursor[0]}-{cursor[1]}"


def decode_cursor(raw: str) -> Cursor:
    """A cursor from :func:`encode_cursor`, or a plain entry id of the old API (which is the
    position (0, id): entries written before the txid column have txid 0).

    Raises ValueError for anything else.
    """
    raw = raw.strip()
    parts = raw.split("-")
    if not 1 <= len(parts) <= 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError(f"not a change feed cursor: {raw!r}")
    if len(parts) == 1:
        return (0, int(parts[0]))
    return (int(parts[0]), int(parts[1]))
