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


def may(permission: str, view_menu: str) -> bool:
    """Whether the signed-in user holds ``permission`` on ``view_menu`` (for buttons).

    A function, not a filter: Jinja folds filters over constant arguments at compile time,
    which would bake the first user's answer into the template.
    """
    return bool(current_app.appbuilder.sm.has_access(permission, view_menu))  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals["may"] = may
