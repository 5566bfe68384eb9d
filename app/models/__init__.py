"""All models, imported here so that Alembic and FAB see every table."""

from app.models import sql_functions  # noqa: F401 - registers SQL functions on connections
from app.models.attachment import Attachment
from app.models.deadline import AppliedDeadlineStep, DeadlineSweep
from app.models.exchange import (
    ExchangeCode,
    RobotChannel,
    RobotDigest,
    WebhookDelivery,
    WebhookSubscriber,
)
from app.models.hazard import (
    ControlMeasure,
    ExtensionRequest,
    Hazard,
    HazardEvent,
    RectificationPlan,
    TicketSequence,
)
from app.models.ledger_import import LedgerImport
from app.models.notification import Notification
from app.models.oversight import RiskIndexRun, RiskIndexScore, RiskWeightSet
from app.models.proof import ChainAnchor, VerificationRun
from app.models.public_report import PublicReply, PublicReport
from app.models.reference import Category, DeterminationArticle, DeterminationStandard, SlaPolicy
from app.models.report import Report, Responsibility
from app.models.territory import Enterprise, Region
from app.models.user_scope import UserScope

__all__ = [
    "AppliedDeadlineStep",
    "Attachment",
    "Category",
    "ChainAnchor",
    "ControlMeasure",
    "DeadlineSweep",
    "DeterminationArticle",
    "DeterminationStandard",
    "Enterprise",
    "ExchangeCode",
    "ExtensionRequest",
    "Hazard",
    "HazardEvent",
    "LedgerImport",
    "Notification",
    "PublicReply",
    "PublicReport",
    "RectificationPlan",
    "Region",
    "Report",
    "Responsibility",
    "RiskIndexRun",
    "RiskIndexScore",
    "RiskWeightSet",
    "RobotChannel",
    "RobotDigest",
    "SlaPolicy",
    "TicketSequence",
    "UserScope",
    "VerificationRun",
    "WebhookDelivery",
    "WebhookSubscriber",
]
