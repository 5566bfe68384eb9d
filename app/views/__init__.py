"""Screens registered with Flask-AppBuilder. Each subject has its module and a ``register``."""

from __future__ import annotations

from flask_appbuilder import AppBuilder


def register(appbuilder: AppBuilder) -> None:
    """Add SafeLoop's screens to ``appbuilder``."""
    from app.views import (
        dashboard,
        exchange,
        hazard_map,
        hazards,
        imports,
        inbox,
        jobs,
        proof,
        public,
        ranking,
        reference,
        reports,
    )

    dashboard.register(appbuilder)
    ranking.register(appbuilder)
    hazard_map.register(appbuilder)

    hazards.register(appbuilder)
    reports.register(appbuilder)
    imports.register(appbuilder)
    reference.register(appbuilder)
    inbox.register(appbuilder)
    jobs.register(appbuilder)
    public.register(appbuilder)
    exchange.register(appbuilder)
    proof.register(appbuilder)
