"""All models, imported here so that Alembic and FAB see every table."""

from app.models import sql_functions  # noqa: F401 - registers SQL functions on connections
from app.models.attachment import Attachment
from app.models.checklist import ChecklistItem, ChecklistTemplate, Inspection, InspectionResult
from app.models.custom_field import CustomField
from app.models.deadline import AppliedDeadlineStep, DeadlineSweep
from app.models.hazard import (
    ControlMeasure,
    ExtensionRequest,
    Hazard,
    HazardEvent,
    RectificationPlan,
    TicketSequence,
)
from app.models.notification import Notification
from app.models.reference import Category, DeterminationArticle, DeterminationStandard, SlaPolicy
from app.models.report import Report, Responsibility
from app.models.territory import Enterprise, Region
from app.models.user_scope import UserScope

__all__ = [
    "AppliedDeadlineStep",
    "Attachment",
    "Category",
    "ChecklistItem",
    "ChecklistTemplate",
    "ControlMeasure",
    "CustomField",
    "DeadlineSweep",
    "DeterminationArticle",
    "DeterminationStandard",
    "Enterprise",
    "ExtensionRequest",
    "Hazard",
    "HazardEvent",
    "Inspection",
    "InspectionResult",
    "Notification",
    "RectificationPlan",
    "Region",
    "Report",
    "Responsibility",
    "SlaPolicy",
    "TicketSequence",
    "UserScope",
]
