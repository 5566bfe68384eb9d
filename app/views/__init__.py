"""Screens registered with Flask-AppBuilder. Each subject has its module and a ``register``."""

from __future__ import annotations

from flask_appbuilder import AppBuilder


def register(appbuilder: AppBuilder) -> None:
    """Add SafeLoop's screens to ``appbuilder``."""
    from app.views import checklists, custom_fields, hazards, inbox, jobs, reference, reports

    hazards.register(appbuilder)
    reports.register(appbuilder)
    # The enterprise page lists the enterprise's inspections (a FAB related view).
    reference.EnterpriseView.related_views = [checklists.InspectionView]
    reference.register(appbuilder)
    custom_fields.register(appbuilder)
    checklists.register(appbuilder)
    inbox.register(appbuilder)
    jobs.register(appbuilder)
