"""All models, imported here so that Alembic and FAB see every table."""

from app.models.attachment import Attachment
from app.models.hazard import (
    ControlMeasure,
    ExtensionRequest,
    Hazard,
    HazardEvent,
    RectificationPlan,
    TicketSequence,
)
from app.models.reference import Category, DeterminationArticle, DeterminationStandard, SlaPolicy
from app.models.report import Report, Responsibility
from app.models.territory import Enterprise, Region
from app.models.user_scope import UserScope

__all__ = [
    "Attachment",
    "Category",
    "ControlMeasure",
    "DeterminationArticle",
    "DeterminationStandard",
    "Enterprise",
    "ExtensionRequest",
    "Hazard",
    "HazardEvent",
    "RectificationPlan",
    "Region",
    "Report",
    "Responsibility",
    "SlaPolicy",
    "TicketSequence",
    "UserScope",
]
