"""The closed vocabularies of a hazard ticket, each value with its translatable label.

Values are stable English identifiers stored in the database and used by the API; labels are
msgids translated for display (zh by default). Open-ended lists (categories, standards, SLA
policies) are data in the database instead.
"""

from __future__ import annotations

from enum import StrEnum

from app.domain.messages import N_


class LabelledEnum(StrEnum):
    """A string enum whose members carry a translatable label."""

    @property
    def label(self) -> str:
        return LABELS[self]

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)


class State(LabelledEnum):
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    CONTROLLED = "controlled"
    RECTIFYING = "rectifying"
    PENDING_VERIFICATION = "pending_verification"
    CLOSED = "closed"
    REJECTED = "rejected"
    MERGED = "merged"


OPEN_STATES = frozenset(
    {
        State.REPORTED,
        State.CONFIRMED,
        State.CONTROLLED,
        State.RECTIFYING,
        State.PENDING_VERIFICATION,
    }
)
FINAL_STATES = frozenset({State.CLOSED, State.REJECTED, State.MERGED})


class Grade(LabelledEnum):
    GENERAL = "general"
    MAJOR = "major"


class Source(LabelledEnum):
    SELF_CHECK = "self_check"
    GRID_PATROL = "grid_patrol"
    ENFORCEMENT = "enforcement"
    DEPARTMENT_SPOT_CHECK = "department_spot_check"
    JOINT_INSPECTION = "joint_inspection"
    THIRD_PARTY = "third_party"
    PUBLIC_REPORT = "public_report"
    IOT_SENSING = "iot_sensing"


class Nature(LabelledEnum):
    UNSAFE_CONDITION = "unsafe_condition"
    UNSAFE_BEHAVIOUR = "unsafe_behaviour"
    MANAGEMENT_DEFECT = "management_defect"
    ENVIRONMENT = "environment"


class RegionLevel(LabelledEnum):
    DISTRICT = "district"
    TOWNSHIP = "township"
    VILLAGE = "village"
    GRID = "grid"


REGION_LEVEL_ORDER = (
    RegionLevel.DISTRICT,
    RegionLevel.TOWNSHIP,
    RegionLevel.VILLAGE,
    RegionLevel.GRID,
)


class ProductionStop(LabelledEnum):
    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class SupervisionLevel(LabelledEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class EvaluationMode(LabelledEnum):
    SELF = "self"
    EXPERT = "expert"
    GOVERNMENT = "government"


class SendBackReason(LabelledEnum):
    NOT_RECTIFIED = "not_rectified"
    PAPER_ONLY = "paper_only"
    FALSE_RECTIFICATION = "false_rectification"
    INCOMPLETE_RECORDS = "incomplete_records"
    OTHER = "other"


class ControlMeasureKind(LabelledEnum):
    CORDON = "cordon"
    EVACUATION = "evacuation"
    SUSPENSION = "suspension"
    MONITORING = "monitoring"
    OTHER = "other"


class AttachmentKind(LabelledEnum):
    PHOTO = "photo"
    BEFORE_PHOTO = "before_photo"
    AFTER_PHOTO = "after_photo"
    DOCUMENT = "document"


class ExtensionStatus(LabelledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class CategoryKind(LabelledEnum):
    BASIC = "basic"
    SITE = "site"
    DOMAIN = "domain"


LABELS: dict[LabelledEnum, str] = {
    State.REPORTED: N_("Reported"),
    State.CONFIRMED: N_("Confirmed"),
    State.CONTROLLED: N_("Controlled"),
    State.RECTIFYING: N_("Rectifying"),
    State.PENDING_VERIFICATION: N_("Pending verification"),
    State.CLOSED: N_("Closed"),
    State.REJECTED: N_("Rejected"),
    State.MERGED: N_("Merged"),
    Grade.GENERAL: N_("General"),
    Grade.MAJOR: N_("Major"),
    Source.SELF_CHECK: N_("Enterprise self-check"),
    Source.GRID_PATROL: N_("Grid patrol"),
    Source.ENFORCEMENT: N_("Law-enforcement inspection"),
    Source.DEPARTMENT_SPOT_CHECK: N_("Department spot check"),
    Source.JOINT_INSPECTION: N_("Joint inspection"),
    Source.THIRD_PARTY: N_("Third-party service"),
    Source.PUBLIC_REPORT: N_("Public report"),
    Source.IOT_SENSING: N_("IoT sensing"),
    Nature.UNSAFE_CONDITION: N_("Unsafe condition of things"),
    Nature.UNSAFE_BEHAVIOUR: N_("Unsafe behaviour of people"),
    Nature.MANAGEMENT_DEFECT: N_("Management defect"),
    Nature.ENVIRONMENT: N_("Environmental factor"),
    RegionLevel.DISTRICT: N_("District"),
    RegionLevel.TOWNSHIP: N_("Township"),
    RegionLevel.VILLAGE: N_("Village"),
    RegionLevel.GRID: N_("Grid"),
    ProductionStop.NONE: N_("No stop"),
    ProductionStop.PARTIAL: N_("Partial stop"),
    ProductionStop.FULL: N_("Full stop"),
    SupervisionLevel.PROVINCE: N_("Province"),
    SupervisionLevel.CITY: N_("City"),
    SupervisionLevel.COUNTY: N_("County"),
    EvaluationMode.SELF: N_("Self-evaluation"),
    EvaluationMode.EXPERT: N_("Expert evaluation"),
    EvaluationMode.GOVERNMENT: N_("Government acceptance"),
    SendBackReason.NOT_RECTIFIED: N_("Not rectified properly"),
    SendBackReason.PAPER_ONLY: N_("Rectified on paper only"),
    SendBackReason.FALSE_RECTIFICATION: N_("False rectification"),
    SendBackReason.INCOMPLETE_RECORDS: N_("Incomplete records"),
    SendBackReason.OTHER: N_("Other"),
    ControlMeasureKind.CORDON: N_("Cordon off"),
    ControlMeasureKind.EVACUATION: N_("Evacuate people"),
    ControlMeasureKind.SUSPENSION: N_("Stop production or use"),
    ControlMeasureKind.MONITORING: N_("Monitoring"),
    ControlMeasureKind.OTHER: N_("Other"),
    AttachmentKind.PHOTO: N_("Photo"),
    AttachmentKind.BEFORE_PHOTO: N_("Before photo"),
    AttachmentKind.AFTER_PHOTO: N_("After photo"),
    AttachmentKind.DOCUMENT: N_("Document"),
    ExtensionStatus.PENDING: N_("Pending"),
    ExtensionStatus.APPROVED: N_("Approved"),
    ExtensionStatus.REFUSED: N_("Refused"),
    CategoryKind.BASIC: N_("Basic management"),
    CategoryKind.SITE: N_("Site management"),
    CategoryKind.DOMAIN: N_("Domain tag"),
}
