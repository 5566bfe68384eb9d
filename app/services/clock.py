"""The current time and the configured zone, in one place.

``travel_to`` lets the demo seed write a realistic past (a ticket reported three weeks ago
really has its events three weeks back) through the same lifecycle service as everyone else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app

_travelled: ContextVar[datetime | None] = ContextVar("safeloop_clock", default=None)


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return _travelled.get() or datetime.now(UTC)


def zone() -> ZoneInfo:
    """The zone deadlines are read and shown in."""
    return ZoneInfo(current_app.config["SAFELOOP_TIMEZONE"])


@contextlib.contextmanager
def travel_to(instant: datetime) -> Iterator[None]:
    """Make :func:`now` return ``instant`` inside the block (aware datetimes only)."""
    if instant.tzinfo is None:
        raise ValueError("travel_to needs an aware datetime")
    token = _travelled.set(instant.astimezone(UTC))
    try:
        yield
    finally:
        _travelled.reset(token)
