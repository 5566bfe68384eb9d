"""Screens registered with Flask-AppBuilder (the role screens come with their own issue)."""

from __future__ import annotations

from flask_appbuilder import AppBuilder


def register(appbuilder: AppBuilder) -> None:
    """Add SafeLoop's views and APIs to ``appbuilder``."""
