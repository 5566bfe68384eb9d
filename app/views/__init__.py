"""Screens registered with Flask-AppBuilder. Each subject has its module and a ``register``."""

from __future__ import annotations

from flask_appbuilder import AppBuilder


def register(appbuilder: AppBuilder) -> None:
    """Add SafeLoop's screens to ``appbuilder``."""
    from app.views import custom_fields, hazards, inbox, jobs, reference, reports

    hazards.register(appbuilder)
    reports.register(appbuilder)
    reference.register(appbuilder)
    custom_fields.register(appbuilder)
    inbox.register(appbuilder)
    jobs.register(appbuilder)
