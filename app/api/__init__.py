"""REST API (FAB ModelRestApi / BaseApi). Each subject has its module and a ``register``."""

from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder

from app.api import errors
from app.api.dashboard import DashboardApi
from app.api.exchange import ExchangeApi
from app.api.hazard_map import MapApi
from app.api.hazards import HazardApi
from app.api.imports import LedgerImportApi
from app.api.ranking import RankingApi
from app.api.reference import CategoryApi, DeterminationArticleApi, EnterpriseApi, RegionApi
from app.api.reports import ReportApi

API_CLASSES = (
    HazardApi,
    RegionApi,
    EnterpriseApi,
    CategoryApi,
    DeterminationArticleApi,
    ReportApi,
    LedgerImportApi,
    DashboardApi,
    RankingApi,
    MapApi,
    ExchangeApi,
)


def register(appbuilder: AppBuilder) -> None:
    """Add SafeLoop's REST APIs to ``appbuilder``, with JSON errors for all of /api/."""
    for api_class in API_CLASSES:
        appbuilder.add_api(api_class)
    errors.init_app(current_app, appbuilder.sm.jwt_manager)
