"""Jinja filters that show stored UTC instants in the configured local zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app


def local_zone() -> ZoneInfo:
    """The zone times are shown in (``SAFELOOP_TIMEZONE``, default Asia/Shanghai)."""
    return ZoneInfo(current_app.config["SAFELOOP_TIMEZONE"])


def localtime(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format a UTC instant in the local zone; dates are shown as they are."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(local_zone()).strftime(fmt)
    return value.strftime("%Y-%m-%d")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime
