"""The hazard lifecycle: 发现 → 确认 → 管控 → 整改 → 核销.

This module is the single place that knows the states, the transitions, who may fire each,
what data each requires and what it changes. It is plain Python: :func:`decide` takes the actor,
the ticket (any object with the ticket's attributes), the action, the submitted data, the
version the client saw and the facts the service looked up, and returns a :class:`Decision`
listing every change to make — or raises a typed refusal. ``app.services.lifecycle`` applies
the decision in one database transaction; screens, the REST API and jobs all go through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Protocol

from app.domain import roles
from app.domain.custom_fields import PREFIX, CustomFieldDef, decide_extra, photo_fields
from app.domain.deadlines import (
    SlaTerms,
    add_working_days,
    end_of_local_day,
    local_date,
    overdue_days,
)
from app.domain.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
)
from app.domain.fields import FieldSpec, Kind, field_error, parse_fields, to_json
from app.domain.messages import N_, Message
from app.domain.scope import Actor, Scope, scope_of, ticket_in_scope
from app.domain.vocabulary import (
    FINAL_STATES,
    OPEN_STATES,
    AttachmentKind,
    ControlMeasureKind,
    EvaluationMode,
    ExtensionStatus,
    Grade,
    Nature,
    ProductionStop,
    SendBackReason,
    Source,
    State,
    SupervisionLevel,
)


class Action(StrEnum):
    """Everything that can happen to a ticket; each writes one event."""

    REPORT = "report"
    REPORT_FIXED = "report_fixed"
    CONFIRM = "confirm"
    REJECT = "reject"
    CONTROL = "control"
    PLAN = "plan"
    PROGRESS = "progress"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    SUBMIT = "submit"
    VERIFY = "verify"
    SEND_BACK = "send_back"
    REOPEN = "reopen"
    MERGE = "merge"
    SUPERVISE = "supervise"
    EDIT = "edit"
    DELETE = "delete"
    ADD_ATTACHMENT = "add_attachment"
    REMOVE_ATTACHMENT = "remove_attachment"
    # Written on the original ticket when a duplicate is merged into it.
    MERGED_IN = "merged_in"
    # A ticket brought in from an office's Excel ledger (台账), in the state the ledger gives.
    IMPORT = "import"
    # Written by the deadline sweep (as the system user), never fired by a person.
    OVERDUE = "overdue"
    ESCALATE = "escalate"


ACTION_LABELS = {
    Action.REPORT: N_("Report"),
    Action.REPORT_FIXED: N_("Report fixed on the spot"),
    Action.CONFIRM: N_("Confirm"),
    Action.REJECT: N_("Reject"),
    Action.CONTROL: N_("Record control measures"),
    Action.PLAN: N_("File rectification plan"),
    Action.PROGRESS: N_("Report progress"),
    Action.REQUEST_EXTENSION: N_("Request extension"),
    Action.DECIDE_EXTENSION: N_("Decide extension"),
    Action.SUBMIT: N_("Submit for verification"),
    Action.VERIFY: N_("Verify and close"),
    Action.SEND_BACK: N_("Send back"),
    Action.REOPEN: N_("Reopen"),
    Action.MERGE: N_("Merge into original"),
    Action.SUPERVISE: N_("Put under supervision"),
    Action.EDIT: N_("Edit"),
    Action.DELETE: N_("Delete"),
    Action.ADD_ATTACHMENT: N_("Add photos or documents"),
    Action.REMOVE_ATTACHMENT: N_("Remove attachment"),
    Action.MERGED_IN: N_("Duplicate merged in"),
    Action.IMPORT: N_("Imported from a ledger"),
    Action.OVERDUE: N_("Marked overdue"),
    Action.ESCALATE: N_("Escalated"),
}

# Actions only the system writes; nobody can ask for them.
SYSTEM_ACTIONS = frozenset({Action.MERGED_IN, Action.OVERDUE, Action.ESCALATE, Action.IMPORT})

CREATING_ACTIONS = frozenset({Action.REPORT, Action.REPORT_FIXED})
REPORTING_ROLES = (
    roles.GRID_MEMBER,
    roles.ENTERPRISE_OFFICER,
    roles.TOWNSHIP_INSPECTOR,
    roles.DISTRICT_SUPERVISOR,
    roles.SYSTEM,
)


class Ticket(Protocol):
    """The attributes of a hazard ticket the rules read (the ORM model has them all)."""

    id: int | None
    state: str
    grade: str
    source: str
    version: int
    enterprise_id: int | None
    district_id: int | None
    township_id: int | None
    village_id: int | None
    grid_id: int | None
    reported_by_id: int | None
    submitted_by_id: int | None
    supervision_level: str | None
    deadline: datetime | None
    original_deadline: datetime | None
    extension_count: int
    rework_count: int
    deleted_at: datetime | None


@dataclass(frozen=True)
class AttachmentFacts:
    """What the rules need to know of an attachment a request refers to."""

    id: int
    hazard_id: int | None  # None: arriving with this very request
    kind: str
    deleted: bool = False
    evidence: bool = False
    uploaded_by_id: int | None = None


@dataclass(frozen=True)
class ExtensionFacts:
    """The pending extension request of a ticket."""

    id: int
    requested_by_id: int
    requested_deadline: date


@dataclass(frozen=True)
class Facts:
    """Everything besides the ticket that the service looked up for one decision."""

    now: datetime
    zone: tzinfo
    sla_for: Callable[[str], SlaTerms]
    attachments: Mapping[int, AttachmentFacts] = field(default_factory=dict)
    pending_extension: ExtensionFacts | None = None
    control_measure_count: int = 0
    merge_target: Ticket | None = None
    major_max_rectify_days: int = 90
    # Responsible unit suggested for a new ticket (the enterprise's name).
    default_responsible_unit: str | None = None
    # The administrator's custom fields, and each category's id with its ancestors' ids.
    custom_fields: Sequence[CustomFieldDef] = ()
    category_chains: Mapping[int, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Record:
    """A row to create (``id`` None) or update, named by its subject."""

    subject: str  # control_measure | rectification_plan | extension_request
    values: Mapping[str, Any]
    id: int | None = None


@dataclass(frozen=True)
class SideEvent:
    """An event to write on another ticket (the original of a merged duplicate)."""

    hazard_id: int
    action: Action
    data: Mapping[str, Any]
    comment: str = ""


@dataclass(frozen=True)
class Decision:
    """What a transition changes; the service applies it in one transaction."""

    action: Action
    from_state: State | None
    to_state: State
    changes: Mapping[str, Any]
    data: Mapping[str, Any]
    comment: str = ""
    records: Sequence[Record] = ()
    evidence_ids: Sequence[int] = ()
    side_events: Sequence[SideEvent] = ()

    @property
    def event_data(self) -> dict[str, Any]:
        """The event's JSON data: the clean input of the transition."""
        return dict(to_json(dict(self.data)))


# --------------------------------------------------------------------------- field specs


def _f(name: str, kind: Kind, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, kind, label, **kw)


COMMENT = _f("comment", Kind.LONG_TEXT, N_("Comment"), required=False)

REPORT_FIELDS = (
    _f("title", Kind.TEXT, N_("Title"), max_length=200),
    _f("description", Kind.LONG_TEXT, N_("Description")),
    _f("enterprise_id", Kind.ID, N_("Enterprise"), required=False),
    _f("region_id", Kind.ID, N_("Region"), required=False),
    _f("address", Kind.TEXT, N_("Address"), required=False, max_length=300),
    _f("latitude", Kind.DECIMAL, N_("Latitude"), required=False),
    _f("longitude", Kind.DECIMAL, N_("Longitude"), required=False),
    _f("location_part", Kind.TEXT, N_("Location within the site"), required=False),
    _f("risk_point", Kind.TEXT, N_("Risk point"), required=False),
    _f("category_id", Kind.ID, N_("Category"), required=False),
    _f("domain_tag_id", Kind.ID, N_("Domain tag"), required=False),
    _f("grade", Kind.CHOICE, N_("Grade"), required=False, choices=Grade.values()),
    _f("nature", Kind.CHOICE, N_("Nature"), required=False, choices=Nature.values()),
    _f("source", Kind.CHOICE, N_("Source"), required=False, choices=Source.values()),
    _f("discovered_at", Kind.DATE, N_("Discovered on"), required=False),
    _f("enforcement_document", Kind.TEXT, N_("Enforcement document"), required=False),
)

# A fix on the spot (即查即改) also says what was done; its before- and after-photos arrive
# as files with the report (see ``Facts.attachments``).
REPORT_FIXED_FIELDS = (
    *[s for s in REPORT_FIELDS if s.name not in {"category_id", "grade"}],
    _f("category_id", Kind.ID, N_("Category")),
    _f("what_was_done", Kind.LONG_TEXT, N_("What was done")),
)

CONFIRM_FIELDS = (
    _f("grade", Kind.CHOICE, N_("Grade"), choices=Grade.values()),
    _f("sub_grade", Kind.TEXT, N_("Sub-grade"), required=False, max_length=40),
    _f("category_id", Kind.ID, N_("Category")),
    _f("nature", Kind.CHOICE, N_("Nature"), required=False, choices=Nature.values()),
    _f("responsible_unit", Kind.TEXT, N_("Responsible unit")),
    _f("responsible_person", Kind.TEXT, N_("Responsible person"), max_length=80),
    _f(
        "responsible_phone",
        Kind.TEXT,
        N_("Responsible person's phone"),
        required=False,
        max_length=40,
    ),
    _f(
        "deadline",
        Kind.DATE,
        N_("Deadline"),
        required=False,
        help=N_("Empty: the default period of the SLA policy."),
    ),
    _f("determination_article_id", Kind.ID, N_("Determination basis"), required=False),
    _f(
        "determination_basis_text",
        Kind.LONG_TEXT,
        N_("Determination basis (free text)"),
        required=False,
    ),
    _f("status_and_cause", Kind.LONG_TEXT, N_("Current state and cause"), required=False),
    _f("harm_analysis", Kind.LONG_TEXT, N_("Harm and difficulty analysis"), required=False),
    _f(
        "production_stop",
        Kind.CHOICE,
        N_("Production stop"),
        required=False,
        choices=ProductionStop.values(),
    ),
    _f("reported_to_regulator_on", Kind.DATE, N_("Reported to the regulator on"), required=False),
    COMMENT,
)

REJECT_FIELDS = (
    _f(
        "reason",
        Kind.LONG_TEXT,
        N_("Reason"),
        help=N_("A public reporter reads this reason on the tracking page."),
    ),
)

CONTROL_FIELDS = (
    _f("measures", Kind.MEASURES, N_("Control measures"), choices=ControlMeasureKind.values()),
    COMMENT,
)

GENERAL_PLAN_FIELDS = (
    _f("measures", Kind.LONG_TEXT, N_("Rectification measures")),
    _f("responsible_person", Kind.TEXT, N_("Responsible person"), max_length=80),
    _f("deadline", Kind.DATE, N_("Deadline")),
    _f("funds_amount", Kind.DECIMAL, N_("Funds (10,000 yuan)"), required=False),
    COMMENT,
)

# The six elements of a major hazard's treatment plan (16号令 Art. 15).
MAJOR_PLAN_FIELDS = (
    _f("target_task", Kind.LONG_TEXT, N_("Target and task")),
    _f("measures", Kind.LONG_TEXT, N_("Methods and measures")),
    _f("funds_materials", Kind.LONG_TEXT, N_("Funds and materials")),
    _f("funds_amount", Kind.DECIMAL, N_("Funds (10,000 yuan)")),
    _f("responsible_org", Kind.TEXT, N_("Responsible organisation")),
    _f("responsible_person", Kind.TEXT, N_("Responsible persons"), max_length=200),
    _f("responsible_leader", Kind.TEXT, N_("Responsible leader"), max_length=80),
    _f("time_limit_requirements", Kind.LONG_TEXT, N_("Time limit and requirements")),
    _f("deadline", Kind.DATE, N_("Deadline")),
    _f("safety_emergency_plan", Kind.LONG_TEXT, N_("Safety measures and emergency plan")),
    _f("target_done_on", Kind.DATE, N_("Target in place on"), required=False),
    _f("responsibility_done_on", Kind.DATE, N_("Responsibility in place on"), required=False),
    _f("measures_done_on", Kind.DATE, N_("Measures in place on"), required=False),
    _f("funds_done_on", Kind.DATE, N_("Funds in place on"), required=False),
    _f("time_limit_done_on", Kind.DATE, N_("Time limit in place on"), required=False),
    _f("emergency_plan_done_on", Kind.DATE, N_("Emergency plan in place on"), required=False),
    COMMENT,
)

PROGRESS_FIELDS = (
    _f("note", Kind.LONG_TEXT, N_("Progress note")),
    _f("photo_ids", Kind.IDS, N_("Photos"), required=False),
)

REQUEST_EXTENSION_FIELDS = (
    _f("reason", Kind.LONG_TEXT, N_("Reason")),
    _f("requested_deadline", Kind.DATE, N_("New deadline")),
    _f("interim_measures", Kind.LONG_TEXT, N_("Interim measures")),
)

DECIDE_EXTENSION_FIELDS = (
    _f("approve", Kind.BOOL, N_("Approve")),
    _f("comment", Kind.LONG_TEXT, N_("Opinion")),
)

SUBMIT_FIELDS = (
    _f("completion_description", Kind.LONG_TEXT, N_("Completion description")),
    _f("after_photo_ids", Kind.IDS, N_("After photos")),
    _f("finished_on", Kind.DATE, N_("Finished on"), required=False),
    _f("funds_spent", Kind.DECIMAL, N_("Funds spent (10,000 yuan)"), required=False),
)

VERIFY_FIELDS = (
    _f("review_opinion", Kind.LONG_TEXT, N_("Review opinion")),
    _f("review_date", Kind.DATE, N_("Review date")),
    _f("reviewer_name", Kind.TEXT, N_("Reviewer"), max_length=80),
    _f(
        "evaluation_mode",
        Kind.CHOICE,
        N_("Evaluation mode"),
        required=False,
        choices=EvaluationMode.values(),
    ),
)

SEND_BACK_FIELDS = (
    _f("reason_code", Kind.CHOICE, N_("Reason"), choices=SendBackReason.values()),
    _f("opinion", Kind.LONG_TEXT, N_("Opinion")),
)

REOPEN_FIELDS = (
    _f("reason", Kind.LONG_TEXT, N_("Reason")),
    _f("deadline", Kind.DATE, N_("Deadline"), required=False),
)

MERGE_FIELDS = (
    _f("original_id", Kind.ID, N_("Original ticket")),
    COMMENT,
)

SUPERVISE_FIELDS = (
    _f(
        "supervision_level", Kind.CHOICE, N_("Supervision level"), choices=SupervisionLevel.values()
    ),
    _f("supervising_org", Kind.TEXT, N_("Supervising organisation")),
    _f("supervision_doc_no", Kind.TEXT, N_("Notice number")),
    _f("supervision_listed_on", Kind.DATE, N_("Listed on")),
    _f("supervision_deadline", Kind.DATE, N_("Supervision deadline")),
)

# Fields an edit may change (state, grade and deadlines only move through transitions).
EDITABLE_FIELDS = (
    _f("title", Kind.TEXT, N_("Title"), required=False, max_length=200),
    _f("description", Kind.LONG_TEXT, N_("Description"), required=False),
    _f("address", Kind.TEXT, N_("Address"), required=False, max_length=300),
    _f("latitude", Kind.DECIMAL, N_("Latitude"), required=False),
    _f("longitude", Kind.DECIMAL, N_("Longitude"), required=False),
    _f("location_part", Kind.TEXT, N_("Location within the site"), required=False),
    _f("risk_point", Kind.TEXT, N_("Risk point"), required=False),
    _f("nature", Kind.CHOICE, N_("Nature"), required=False, choices=Nature.values()),
    _f("domain_tag_id", Kind.ID, N_("Domain tag"), required=False),
    _f("enforcement_document", Kind.TEXT, N_("Enforcement document"), required=False),
    _f("responsible_unit", Kind.TEXT, N_("Responsible unit"), required=False),
    _f("responsible_person", Kind.TEXT, N_("Responsible person"), required=False, max_length=80),
    _f(
        "responsible_phone",
        Kind.TEXT,
        N_("Responsible person's phone"),
        required=False,
        max_length=40,
    ),
    COMMENT,
)

DELETE_FIELDS = (_f("reason", Kind.LONG_TEXT, N_("Reason")),)

ADD_ATTACHMENT_FIELDS = (
    _f("photo_ids", Kind.IDS, N_("Photos"), required=False),
    _f("document_ids", Kind.IDS, N_("Documents"), required=False),
    COMMENT,
)

REMOVE_ATTACHMENT_FIELDS = (
    _f("attachment_id", Kind.ID, N_("Attachment")),
    _f("reason", Kind.LONG_TEXT, N_("Reason")),
)


# --------------------------------------------------------------------------- who may fire


def _is_inspector(actor: Actor, ticket: Ticket) -> bool:
    return actor.has_role(roles.TOWNSHIP_INSPECTOR)


def _is_responsible_party(actor: Actor, ticket: Ticket) -> bool:
    """The responsible enterprise's officer; the township inspector when there is none."""
    if ticket.enterprise_id is not None:
        return (
            actor.has_role(roles.ENTERPRISE_OFFICER) and actor.enterprise_id == ticket.enterprise_id
        )
    return actor.has_role(roles.TOWNSHIP_INSPECTOR)


def _is_controller(actor: Actor, ticket: Ticket) -> bool:
    return _is_responsible_party(actor, ticket) or _is_inspector(actor, ticket)


def under_district_supervision(ticket: Ticket) -> bool:
    """A major hazard listed for supervision (挂牌督办) is verified by the district."""
    return ticket.grade == Grade.MAJOR and bool(ticket.supervision_level)


def _is_verifier(actor: Actor, ticket: Ticket) -> bool:
    if under_district_supervision(ticket):
        return actor.has_role(roles.DISTRICT_SUPERVISOR)
    return actor.has_role(roles.TOWNSHIP_INSPECTOR)


def _is_confirmer(actor: Actor, ticket: Ticket) -> bool:
    if actor.has_role(roles.TOWNSHIP_INSPECTOR):
        return True
    # An enterprise may confirm its own self-reported hazards (general only: checked on data).
    return (
        actor.has_role(roles.ENTERPRISE_OFFICER)
        and ticket.source == Source.SELF_CHECK
        and ticket.enterprise_id is not None
        and actor.enterprise_id == ticket.enterprise_id
    )


def _is_district(actor: Actor, ticket: Ticket) -> bool:
    return actor.has_role(roles.DISTRICT_SUPERVISOR)


def _is_editor(actor: Actor, ticket: Ticket) -> bool:
    if actor.has_role(roles.TOWNSHIP_INSPECTOR, roles.DISTRICT_SUPERVISOR):
        return True
    return ticket.state == State.REPORTED and ticket.reported_by_id == actor.user_id


def _is_deleter(actor: Actor, ticket: Ticket) -> bool:
    return actor.has_role(roles.TOWNSHIP_INSPECTOR, roles.ADMIN)


def _works_on_tickets(actor: Actor, ticket: Ticket) -> bool:
    # Whether this attachment is theirs to remove is decided on the attachment itself.
    return actor.has_role(
        roles.TOWNSHIP_INSPECTOR,
        roles.DISTRICT_SUPERVISOR,
        roles.GRID_MEMBER,
        roles.ENTERPRISE_OFFICER,
    )


@dataclass(frozen=True)
class Transition:
    """One row of the lifecycle table."""

    action: Action
    sources: frozenset[State]
    target: State | None  # None: the state does not change
    may_fire: Callable[[Actor, Ticket], bool]
    who: str  # msgid naming who may fire it, for the refusal message
    # A major hazard may be held to fewer source states (it cannot skip control).
    major_sources: frozenset[State] | None = None
    major_refusal: str = ""

    def sources_for(self, ticket: Ticket) -> frozenset[State]:
        """The states this transition may start from for ``ticket``."""
        if self.major_sources is not None and ticket.grade == Grade.MAJOR:
            return self.major_sources
        return self.sources


_OPEN_AFTER_REPORT = frozenset(OPEN_STATES - {State.REPORTED})

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(
            Action.CONFIRM,
            frozenset({State.REPORTED}),
            State.CONFIRMED,
            _is_confirmer,
            N_(
                "a township inspector (or the enterprise, for its own general self-reported"
                " hazards)"
            ),
        ),
        Transition(
            Action.REJECT,
            frozenset({State.REPORTED}),
            State.REJECTED,
            _is_inspector,
            N_("a township inspector"),
        ),
        Transition(
            Action.CONTROL,
            frozenset({State.CONFIRMED, State.CONTROLLED, State.RECTIFYING}),
            State.CONTROLLED,
            _is_controller,
            N_("the responsible enterprise or a township inspector"),
        ),
        Transition(
            Action.PLAN,
            frozenset({State.CONFIRMED, State.CONTROLLED}),
            State.RECTIFYING,
            _is_responsible_party,
            N_("the responsible enterprise"),
            major_sources=frozenset({State.CONTROLLED}),
            major_refusal=N_(
                "A major hazard must be under control measures before its plan is filed."
            ),
        ),
        Transition(
            Action.PROGRESS,
            frozenset({State.CONFIRMED, State.CONTROLLED, State.RECTIFYING}),
            None,
            _is_responsible_party,
            N_("the responsible enterprise"),
        ),
        Transition(
            Action.REQUEST_EXTENSION,
            frozenset({State.RECTIFYING}),
            None,
            _is_responsible_party,
            N_("the responsible enterprise"),
        ),
        Transition(
            Action.DECIDE_EXTENSION,
            frozenset({State.RECTIFYING}),
            None,
            _is_verifier,
            N_("the verifier (township inspector; the district for a supervised major hazard)"),
        ),
        Transition(
            Action.SUBMIT,
            frozenset({State.RECTIFYING}),
            State.PENDING_VERIFICATION,
            _is_responsible_party,
            N_("the responsible enterprise"),
        ),
        Transition(
            Action.VERIFY,
            frozenset({State.PENDING_VERIFICATION}),
            State.CLOSED,
            _is_verifier,
            N_("the verifier (township inspector; the district for a supervised major hazard)"),
        ),
        Transition(
            Action.SEND_BACK,
            frozenset({State.PENDING_VERIFICATION}),
            State.RECTIFYING,
            _is_verifier,
            N_("the verifier (township inspector; the district for a supervised major hazard)"),
        ),
        Transition(
            Action.REOPEN,
            frozenset({State.CLOSED}),
            State.RECTIFYING,
            _is_district,
            N_("a district supervisor"),
        ),
        Transition(
            Action.MERGE,
            frozenset({State.REPORTED, State.CONFIRMED}),
            State.MERGED,
            _is_inspector,
            N_("a township inspector"),
        ),
        Transition(
            Action.SUPERVISE, _OPEN_AFTER_REPORT, None, _is_district, N_("a district supervisor")
        ),
        Transition(
            Action.EDIT,
            frozenset(OPEN_STATES),
            None,
            _is_editor,
            N_("a township inspector, or the reporter before confirmation"),
        ),
        Transition(
            Action.DELETE,
            frozenset(State),
            None,
            _is_deleter,
            N_("a township inspector or an administrator"),
        ),
        Transition(
            Action.ADD_ATTACHMENT,
            frozenset(OPEN_STATES),
            None,
            _works_on_tickets,
            N_("someone working on the hazard"),
        ),
        Transition(
            Action.REMOVE_ATTACHMENT,
            frozenset(OPEN_STATES),
            None,
            _works_on_tickets,
            N_("the uploader or a township inspector"),
        ),
    )
}

FIELDS: dict[Action, tuple[FieldSpec, ...]] = {
    Action.REPORT: REPORT_FIELDS,
    Action.REPORT_FIXED: REPORT_FIXED_FIELDS,
    Action.CONFIRM: CONFIRM_FIELDS,
    Action.REJECT: REJECT_FIELDS,
    Action.CONTROL: CONTROL_FIELDS,
    Action.PROGRESS: PROGRESS_FIELDS,
    Action.REQUEST_EXTENSION: REQUEST_EXTENSION_FIELDS,
    Action.DECIDE_EXTENSION: DECIDE_EXTENSION_FIELDS,
    Action.SUBMIT: SUBMIT_FIELDS,
    Action.VERIFY: VERIFY_FIELDS,
    Action.SEND_BACK: SEND_BACK_FIELDS,
    Action.REOPEN: REOPEN_FIELDS,
    Action.MERGE: MERGE_FIELDS,
    Action.SUPERVISE: SUPERVISE_FIELDS,
    Action.EDIT: EDITABLE_FIELDS,
    Action.DELETE: DELETE_FIELDS,
    Action.ADD_ATTACHMENT: ADD_ATTACHMENT_FIELDS,
    Action.REMOVE_ATTACHMENT: REMOVE_ATTACHMENT_FIELDS,
}


def fields_for(action: Action, ticket: Ticket | None) -> tuple[FieldSpec, ...]:
    """The data ``action`` asks for on ``ticket`` (a major hazard's plan asks six elements)."""
    if action is Action.PLAN:
        is_major = ticket is not None and ticket.grade == Grade.MAJOR
        return MAJOR_PLAN_FIELDS if is_major else GENERAL_PLAN_FIELDS
    return FIELDS[action]


# --------------------------------------------------------------------------- refusals


def _not_found() -> NotFoundError:
    return NotFoundError(Message(N_("Hazard not found.")))


def _stale(ticket: Ticket) -> ConflictError:
    return _conflict(
        ticket,
        Message(N_("This hazard was changed by someone else; please refresh and try again.")),
    )


def _wrong_state(action: Action, ticket: Ticket) -> ConflictError:
    return _conflict(
        ticket,
        Message(
            N_("%(action)s is not possible while the hazard is %(state)s."),
            {"action": ACTION_LABELS[action], "state": State(ticket.state).label},
            ("action", "state"),
        ),
    )


def _conflict(ticket: Ticket, message: Message) -> ConflictError:
    """A refusal that tells the client what the ticket is now."""
    return ConflictError(message, current_state=ticket.state, current_version=ticket.version)


def _forbidden(msgid: str, **params: Any) -> ForbiddenError:
    return ForbiddenError(
        Message(msgid, params, tuple(k for k in params if k in {"who", "action"}))
    )


def _invalid(name: str, msgid: str, **params: Any) -> InvalidError:
    return field_error(name, Message(msgid, params))


# --------------------------------------------------------------------------- questions


def parse_action(name: str) -> Action:
    """The action called ``name``, or a 404-style refusal naming it."""
    try:
        action = Action(name)
    except ValueError:
        action = None
    if action is None or action in SYSTEM_ACTIONS:
        raise NotFoundError(Message(N_("Unknown transition: %(action)s."), {"action": name}))
    return action


def refusal(
    actor: Actor, ticket: Ticket, action: Action, expected_version: int | None = None
) -> DomainError | None:
    """Why ``actor`` cannot fire ``action`` on ``ticket`` now, or None.

    Checks, in this order: scope (404), role (403), the version the client saw when one is
    given (409), state (409). Data is not looked at: this is what decides which buttons a
    screen shows, and the first half of :func:`decide`.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        return NotFoundError(
            Message(N_("Unknown transition: %(action)s."), {"action": action.value})
        )
    if ticket.deleted_at is not None or not ticket_in_scope(scope_of(actor), ticket):
        return _not_found()
    if not transition.may_fire(actor, ticket):
        return _forbidden(
            N_("%(action)s may only be done by %(who)s."),
            action=ACTION_LABELS[action],
            who=transition.who,
        )
    if expected_version is not None and expected_version != ticket.version:
        return _stale(ticket)
    if State(ticket.state) not in transition.sources_for(ticket):
        if State(ticket.state) in transition.sources and transition.major_refusal:
            return _conflict(
                ticket,
                Message(transition.major_refusal),
            )
        return _wrong_state(action, ticket)
    return None


def available_actions(actor: Actor, ticket: Ticket) -> list[Action]:
    """The transitions ``actor`` may fire on ``ticket`` right now, in table order."""
    return [action for action in TRANSITIONS if refusal(actor, ticket, action) is None]


# --------------------------------------------------------------------------- decide


def decide(
    actor: Actor,
    ticket: Ticket,
    action: Action,
    data: Mapping[str, Any],
    expected_version: int | None,
    facts: Facts,
) -> Decision:
    """Check everything about firing ``action`` on an existing ticket and say what changes.

    Order of checks: scope (404), role (403), version (409), state (409), data (422) and the
    action's own rules. Raises on the first failing stage; returns a :class:`Decision` otherwise.
    """
    refused = refusal(actor, ticket, action, expected_version)
    if refused is not None:
        raise refused
    if expected_version is None:
        raise field_error("version", Message(N_("The version of the hazard you saw is required.")))
    clean = parse_fields(fields_for(action, ticket), data)
    decision = _RULES[action](actor, ticket, clean, facts, TRANSITIONS[action])
    return with_extra(decision, ticket, data.get("extra"), facts)


def with_extra(decision: Decision, ticket: Ticket | None, raw: Any, facts: Facts) -> Decision:
    """``decision`` plus the custom-field values sent with it, checked for its category.

    The category is the one the ticket has after the decision (a confirmation may change it).
    A transition that sends none changes nothing of ``extra``; a new ticket always gets one.
    """
    category_id = decision.changes.get("category_id", getattr(ticket, "category_id", None))
    chain = facts.category_chains.get(category_id, ()) if category_id else ()
    current = getattr(ticket, "extra", None)
    extra, sent = decide_extra(
        facts.custom_fields, decision.action.value, _today(facts), chain, current, raw
    )
    before = current or {}
    for name in photo_fields(facts.custom_fields) & set(sent):
        new = [i for i in sent[name] if i not in (before.get(name) or [])]
        _evidence(
            PREFIX + name,
            new,
            facts,
            getattr(ticket, "id", None),
            _IMAGE_KINDS,
            minimum=0,
            label=N_("photo"),
        )
    if not sent and ticket is not None:
        return decision
    return replace(
        decision,
        changes={**decision.changes, "extra": extra},
        data={**decision.data, "extra": sent} if sent else decision.data,
    )


def _target(transition: Transition, ticket: Ticket) -> State:
    return transition.target or State(ticket.state)


def _decision(
    t: Transition, ticket: Ticket, changes: Mapping[str, Any], data: Mapping[str, Any], **kw: Any
) -> Decision:
    """The decision of transition ``t`` on ``ticket``: from its state to the table's target."""
    return Decision(t.action, State(ticket.state), _target(t, ticket), changes, data, **kw)


def _today(facts: Facts) -> date:
    return local_date(facts.now, facts.zone)


def _deadline_instant(day: date, facts: Facts) -> datetime:
    return end_of_local_day(day, facts.zone)


def _check_future(name: str, day: date, facts: Facts) -> None:
    if day < _today(facts):
        raise _invalid(name, N_("The deadline cannot be in the past."))


def _check_not_future(name: str, day: date, facts: Facts) -> None:
    if day > _today(facts):
        raise _invalid(name, N_("This date cannot be in the future."))


def _evidence(
    name: str,
    ids: Sequence[int],
    facts: Facts,
    ticket_id: int | None,
    kinds: frozenset[str],
    *,
    minimum: int,
    label: str,
) -> list[int]:
    """Check the attachments a transition uses as evidence: the ticket's own, live, right kind."""
    for attachment_id in ids:
        found = facts.attachments.get(attachment_id)
        if found is None or found.deleted or found.hazard_id not in (None, ticket_id):
            raise _invalid(
                name, N_("Attachment %(id)s does not belong to this hazard."), id=attachment_id
            )
        if found.kind not in kinds:
            raise _invalid(
                name, N_("Attachment %(id)s is not a photo of the right kind."), id=attachment_id
            )
    if len(set(ids)) < minimum:
        raise InvalidError(
            Message(N_("Some data is missing or invalid.")),
            {name: Message(N_("At least one %(what)s is required."), {"what": label}, ("what",))},
        )
    return list(dict.fromkeys(ids))


_IMAGE_KINDS = frozenset(
    {AttachmentKind.PHOTO, AttachmentKind.BEFORE_PHOTO, AttachmentKind.AFTER_PHOTO}
)
_ANY_KIND = frozenset(AttachmentKind)


def _confirm(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    grade = Grade(clean["grade"])
    if not actor.has_role(roles.TOWNSHIP_INSPECTOR) and grade is not Grade.GENERAL:
        raise _forbidden(N_("An enterprise may confirm only general hazards it reported itself."))
    terms = facts.sla_for(grade)
    changes: dict[str, Any] = {
        "grade": grade.value,
        "category_id": clean["category_id"],
        "responsible_unit": clean["responsible_unit"],
        "responsible_person": clean["responsible_person"],
        "confirmed_at": facts.now,
        "confirmed_by_id": actor.user_id,
        "confirm_due_at": None,
        # A late confirmation is late no more: the next deadline is what counts now.
        "overdue": False,
        "overdue_days": 0,
    }
    for optional in ("sub_grade", "nature", "responsible_phone"):
        if clean[optional] is not None:
            changes[optional] = clean[optional]
    deadline_day = clean["deadline"]
    if grade is Grade.MAJOR:
        if not clean["determination_article_id"] and not clean["determination_basis_text"]:
            raise _invalid(
                "determination_article_id",
                N_(
                    "A major hazard needs its determination basis: a standard's article and item, "
                    "or a free text where no standard applies."
                ),
            )
        changes.update(
            determination_article_id=clean["determination_article_id"],
            determination_basis_text=clean["determination_basis_text"],
            status_and_cause=clean["status_and_cause"],
            harm_analysis=clean["harm_analysis"],
            production_stop=clean["production_stop"],
            reported_to_regulator_on=clean["reported_to_regulator_on"],
            control_due_at=facts.now + timedelta(hours=terms.control_hours or 24),
        )
        # A major hazard's rectification deadline usually comes with its plan.
        if deadline_day is not None:
            _check_major_limit("deadline", deadline_day, facts)
    elif deadline_day is None:
        deadline_day = _today(facts) + timedelta(days=terms.rectify_days)
    if deadline_day is not None:
        _check_future("deadline", deadline_day, facts)
        changes["deadline"] = _deadline_instant(deadline_day, facts)
        changes["original_deadline"] = changes["deadline"]
        clean["deadline"] = deadline_day
    return _decision(
        t,
        ticket,
        changes,
        clean,
        comment=clean.get("comment") or "",
    )


def _check_major_limit(name: str, day: date, facts: Facts) -> None:
    if day > _today(facts) + timedelta(days=facts.major_max_rectify_days):
        raise _invalid(
            name,
            N_("A major hazard's rectification period is at most %(days)s days."),
            days=facts.major_max_rectify_days,
        )


def _reject(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    return _decision(
        t,
        ticket,
        {"confirm_due_at": None, "closed_at": None},
        clean,
        comment=clean["reason"],
    )


def _control(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    if not clean["measures"]:
        raise _invalid("measures", N_("At least one interim control measure is required."))
    target = State.CONTROLLED if ticket.state == State.CONFIRMED else State(ticket.state)
    records = [
        Record(
            "control_measure",
            {**measure, "recorded_by_id": actor.user_id, "recorded_at": facts.now},
        )
        for measure in clean["measures"]
    ]
    changes: dict[str, Any] = {"control_due_at": None}
    if ticket.state == State.CONFIRMED:
        changes["controlled_at"] = facts.now
        # The control deadline is met (late or not); a rectification deadline still counts.
        if ticket.deadline is None or ticket.deadline > facts.now:
            changes.update(overdue=False, overdue_days=0)
    return Decision(
        Action.CONTROL,
        State(ticket.state),
        target,
        changes,
        clean,
        comment=clean.get("comment") or "",
        records=records,
    )


def _plan(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    major = ticket.grade == Grade.MAJOR
    if major and facts.control_measure_count == 0:
        # The state says controlled; the measures themselves must exist too.
        raise _conflict(
            ticket,
            Message(TRANSITIONS[Action.PLAN].major_refusal),
        )
    day: date = clean["deadline"]
    _check_future("deadline", day, facts)
    instant = _deadline_instant(day, facts)
    changes: dict[str, Any] = {"planned_at": facts.now}
    if ticket.deadline is not None and instant > ticket.deadline:
        raise _invalid(
            "deadline",
            N_(
                "The plan cannot end after the hazard's deadline (%(deadline)s); request an"
                " extension instead."
            ),
            deadline=local_date(ticket.deadline, facts.zone).isoformat(),
        )
    if major:
        _check_major_limit("deadline", day, facts)
    if ticket.deadline is None:
        changes["deadline"] = instant
        changes["original_deadline"] = instant
    plan_values = {k: v for k, v in clean.items() if k != "comment"}
    plan_values.update(filed_by_id=actor.user_id, filed_at=facts.now, deadline=day)
    return _decision(
        t,
        ticket,
        changes,
        clean,
        comment=clean.get("comment") or "",
        records=[Record("rectification_plan", plan_values)],
    )


def _optional_photos(clean: dict[str, Any], facts: Facts, ticket: Ticket) -> list[int]:
    """The ticket's own photos a request names, none required."""
    return _evidence(
        "photo_ids",
        clean["photo_ids"],
        facts,
        ticket.id,
        _IMAGE_KINDS,
        minimum=0,
        label=N_("photo"),
    )


def _progress(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    photos = _optional_photos(clean, facts, ticket)
    return _decision(
        t,
        ticket,
        {},
        clean,
        comment=clean["note"],
        evidence_ids=photos,
    )


def _request_extension(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    if facts.pending_extension is not None:
        raise _conflict(
            ticket,
            Message(N_("An extension request is already waiting for a decision.")),
        )
    terms = facts.sla_for(ticket.grade)
    if ticket.extension_count >= terms.max_extensions:
        raise _conflict(
            ticket,
            Message(
                N_("No more extensions: at most %(count)s for this grade."),
                {"count": terms.max_extensions},
            ),
        )
    day: date = clean["requested_deadline"]
    if ticket.deadline is not None and _deadline_instant(day, facts) <= ticket.deadline:
        raise _invalid(
            "requested_deadline", N_("The new deadline must be later than the current one.")
        )
    _check_future("requested_deadline", day, facts)
    if (
        ticket.deadline is not None
        and terms.extension_lead_working_days
        and ticket.supervision_level
    ):
        cutoff = add_working_days(
            local_date(ticket.deadline, facts.zone), -terms.extension_lead_working_days
        )
        if _today(facts) > cutoff:
            raise _conflict(
                ticket,
                Message(
                    N_(
                        "A supervised major hazard's extension must be requested at least"
                        " %(days)s working days before its deadline (by %(date)s)."
                    ),
                    {"days": terms.extension_lead_working_days, "date": cutoff.isoformat()},
                ),
            )
    record = Record(
        "extension_request",
        {
            "reason": clean["reason"],
            "requested_deadline": day,
            "interim_measures": clean["interim_measures"],
            "requested_by_id": actor.user_id,
            "requested_at": facts.now,
            "previous_deadline": ticket.deadline,
            "status": ExtensionStatus.PENDING.value,
        },
    )
    return _decision(
        t,
        ticket,
        {},
        clean,
        comment=clean["reason"],
        records=[record],
    )


def _decide_extension(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    pending = facts.pending_extension
    if pending is None:
        raise _conflict(
            ticket,
            Message(N_("There is no extension request waiting for a decision.")),
        )
    if pending.requested_by_id == actor.user_id:
        raise _forbidden(N_("An extension cannot be decided by the person who requested it."))
    approve: bool = clean["approve"]
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    changes: dict[str, Any] = {}
    if approve:
        changes["deadline"] = _deadline_instant(pending.requested_deadline, facts)
        changes["extension_count"] = ticket.extension_count + 1
        # The current deadline moves; the original one stays for the on-time rate.
        changes["overdue"] = False
        changes["overdue_days"] = 0
    record = Record(
        "extension_request",
        {
            "status": status.value,
            "decided_by_id": actor.user_id,
            "decided_at": facts.now,
            "decision_comment": clean["comment"],
        },
        id=pending.id,
    )
    data = {**clean, "extension_id": pending.id, "requested_deadline": pending.requested_deadline}
    return _decision(
        t,
        ticket,
        changes,
        data,
        comment=clean["comment"],
        records=[record],
    )


def _submit(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    photos = _evidence(
        "after_photo_ids",
        clean["after_photo_ids"],
        facts,
        ticket.id,
        frozenset({AttachmentKind.AFTER_PHOTO}),
        minimum=1,
        label=N_("after photo"),
    )
    finished_on: date = clean["finished_on"] or _today(facts)
    _check_not_future("finished_on", finished_on, facts)
    clean["finished_on"] = finished_on
    terms = facts.sla_for(ticket.grade)
    changes = {
        "submitted_by_id": actor.user_id,
        "submitted_at": facts.now,
        "finished_on": finished_on,
        "completion_description": clean["completion_description"],
        "review_due_at": facts.now + timedelta(days=terms.review_days),
    }
    if clean["funds_spent"] is not None:
        changes["funds_spent"] = clean["funds_spent"]
    return _decision(
        t,
        ticket,
        changes,
        clean,
        comment=clean["completion_description"],
        evidence_ids=photos,
    )


def _check_not_submitter(actor: Actor, ticket: Ticket) -> None:
    if ticket.submitted_by_id == actor.user_id:
        raise _forbidden(N_("The person who submitted the rectification cannot verify it."))


def _verify(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    _check_not_submitter(actor, ticket)
    if ticket.grade == Grade.MAJOR and not clean["evaluation_mode"]:
        raise _invalid("evaluation_mode", N_("A major hazard needs its evaluation mode."))
    _check_not_future("review_date", clean["review_date"], facts)
    changes = {
        "closed_at": facts.now,
        "reviewed_by_id": actor.user_id,
        "review_opinion": clean["review_opinion"],
        "review_date": clean["review_date"],
        "reviewer_name": clean["reviewer_name"],
        "evaluation_mode": clean["evaluation_mode"],
        "review_result": "pass",
        "review_due_at": None,
        "overdue": False,
    }
    return _decision(
        t,
        ticket,
        changes,
        clean,
        comment=clean["review_opinion"],
    )


def _send_back(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    _check_not_submitter(actor, ticket)
    changes = {
        "rework_count": ticket.rework_count + 1,
        "review_due_at": None,
        "reviewed_by_id": actor.user_id,
        "review_result": "sent_back",
        "review_opinion": clean["opinion"],
    }
    return _decision(
        t,
        ticket,
        changes,
        clean,
        comment=clean["opinion"],
    )


def _reopen(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    day: date | None = clean["deadline"]
    if day is None:
        day = _today(facts) + timedelta(days=facts.sla_for(ticket.grade).rectify_days)
    _check_future("deadline", day, facts)
    clean["deadline"] = day
    changes = {
        "closed_at": None,
        "deadline": _deadline_instant(day, facts),
        "review_result": None,
        "overdue": False,
        "overdue_days": 0,
    }
    return _decision(
        t,
        ticket,
        changes,
        clean,
        comment=clean["reason"],
    )


def _merge(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    original = facts.merge_target
    if (
        original is None
        or original.deleted_at is not None
        or not ticket_in_scope(scope_of(actor), original)
    ):
        raise _invalid("original_id", N_("The original ticket was not found."))
    if original.id == ticket.id:
        raise _invalid("original_id", N_("A ticket cannot be merged into itself."))
    if original.state in {State.MERGED, State.REJECTED}:
        raise _invalid("original_id", N_("The original ticket is itself merged or rejected."))
    side = SideEvent(
        hazard_id=original.id or 0,
        action=Action.MERGED_IN,
        data={
            "duplicate_id": ticket.id,
            "duplicate_reported_by_id": ticket.reported_by_id,
            "evidence_ids": sorted(
                a.id for a in facts.attachments.values() if a.hazard_id == ticket.id
            ),
        },
        comment=clean.get("comment") or "",
    )
    changes = {"merged_into_id": original.id, "confirm_due_at": None}
    return _decision(
        t,
        ticket,
        changes,
        clean,
        comment=clean.get("comment") or "",
        side_events=[side],
    )


def _supervise(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    if ticket.grade != Grade.MAJOR:
        raise _conflict(
            ticket,
            Message(N_("Only a major hazard can be put under supervision.")),
        )
    return Decision(Action.SUPERVISE, State(ticket.state), _target(t, ticket), dict(clean), clean)


def _edit(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    changes = {
        name: value
        for name, value in clean.items()
        if name != "comment" and value is not None and getattr(ticket, name, None) != value
    }
    if not changes:
        raise InvalidError(Message(N_("Nothing was changed.")))
    data = {
        name: {"old": to_json(getattr(ticket, name, None)), "new": to_json(value)}
        for name, value in changes.items()
    }
    return _decision(
        t,
        ticket,
        changes,
        data,
        comment=clean.get("comment") or "",
    )


def _delete(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    changes = {
        "deleted_at": facts.now,
        "deleted_by_id": actor.user_id,
        "delete_reason": clean["reason"],
    }
    return _decision(
        t,
        ticket,
        changes,
        clean,
        comment=clean["reason"],
    )


def _add_attachment(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    # Added files are not evidence: their uploader may still remove them.
    photos = _optional_photos(clean, facts, ticket)
    documents = _evidence(
        "document_ids",
        clean["document_ids"],
        facts,
        ticket.id,
        _ANY_KIND,
        minimum=0,
        label=N_("document"),
    )
    if not photos and not documents:
        raise _invalid("photo_ids", N_("Choose at least one photo or document."))
    return _decision(
        t,
        ticket,
        {},
        clean,
        comment=clean.get("comment") or "",
    )


def _remove_attachment(
    actor: Actor, ticket: Ticket, clean: dict[str, Any], facts: Facts, t: Transition
) -> Decision:
    found = facts.attachments.get(clean["attachment_id"])
    if found is None or found.deleted or found.hazard_id != ticket.id:
        raise _invalid(
            "attachment_id",
            N_("Attachment %(id)s does not belong to this hazard."),
            id=clean["attachment_id"],
        )
    if found.evidence:
        raise _conflict(
            ticket,
            Message(
                N_(
                    "This attachment is evidence of a transition and can no longer be deleted"
                    " or replaced."
                )
            ),
        )
    if found.uploaded_by_id != actor.user_id and not actor.has_role(roles.TOWNSHIP_INSPECTOR):
        raise _forbidden(N_("Only the uploader or an inspector may delete this attachment."))
    record = Record(
        "attachment",
        {"deleted_at": facts.now, "deleted_by_id": actor.user_id, "delete_reason": clean["reason"]},
        id=found.id,
    )
    return _decision(
        t,
        ticket,
        {},
        clean,
        comment=clean["reason"],
        records=[record],
    )


_Rule = Callable[[Actor, Ticket, dict[str, Any], Facts, Transition], Decision]
_RULES: dict[Action, _Rule] = {
    Action.CONFIRM: _confirm,
    Action.REJECT: _reject,
    Action.CONTROL: _control,
    Action.PLAN: _plan,
    Action.PROGRESS: _progress,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.DECIDE_EXTENSION: _decide_extension,
    Action.SUBMIT: _submit,
    Action.VERIFY: _verify,
    Action.SEND_BACK: _send_back,
    Action.REOPEN: _reopen,
    Action.MERGE: _merge,
    Action.SUPERVISE: _supervise,
    Action.EDIT: _edit,
    Action.DELETE: _delete,
    Action.ADD_ATTACHMENT: _add_attachment,
    Action.REMOVE_ATTACHMENT: _remove_attachment,
}


# --------------------------------------------------------------------------- report (create)


@dataclass(frozen=True)
class Placement:
    """Where a new ticket lies, resolved by the service from its enterprise or region."""

    district_id: int | None
    township_id: int | None
    village_id: int | None
    grid_id: int | None
    enterprise_id: int | None
    reported_by_id: int | None = None

    @classmethod
    def of(cls, place: Any, enterprise_id: int | None) -> Placement:
        """The placement of anything located in the region tree (an enterprise, a region)."""
        return cls(
            district_id=place.district_id,
            township_id=place.township_id,
            village_id=place.village_id,
            grid_id=place.grid_id,
            enterprise_id=enterprise_id,
        )


def _new_ticket(
    actor: Actor, placement: Placement, facts: Facts, discovered_at: datetime
) -> dict[str, Any]:
    """What every new ticket holds besides its substance: place, reporter, fresh counters."""
    return {
        "district_id": placement.district_id,
        "township_id": placement.township_id,
        "village_id": placement.village_id,
        "grid_id": placement.grid_id,
        "enterprise_id": placement.enterprise_id,
        "reported_by_id": actor.user_id,
        "discovered_at": discovered_at,
        "reported_at": facts.now,
        "responsible_unit": facts.default_responsible_unit,
        "rework_count": 0,
        "extension_count": 0,
        "escalation_level": 0,
        "overdue": False,
        "overdue_days": 0,
    }


DEFAULT_SOURCE = {
    roles.GRID_MEMBER: Source.GRID_PATROL,
    roles.ENTERPRISE_OFFICER: Source.SELF_CHECK,
    roles.TOWNSHIP_INSPECTOR: Source.ENFORCEMENT,
    roles.DISTRICT_SUPERVISOR: Source.DEPARTMENT_SPOT_CHECK,
}

# Sources whose reports must carry at least one photo.
PHOTO_REQUIRED_SOURCES = frozenset({Source.GRID_PATROL, Source.PUBLIC_REPORT})


def parse_report(action: Action, data: Mapping[str, Any]) -> dict[str, Any]:
    """Parse a report's data (first step, so the service can resolve places and ids)."""
    if action not in CREATING_ACTIONS:
        raise NotFoundError(
            Message(N_("Unknown transition: %(action)s."), {"action": action.value})
        )
    return parse_fields(FIELDS[action], data)


def decide_report(
    actor: Actor,
    action: Action,
    clean: dict[str, Any],
    placement: Placement | None,
    facts: Facts,
    extra: Any = None,
) -> Decision:
    """Check a new report (or a fix on the spot) and say what the new ticket holds.

    ``extra`` holds the values of the administrator's custom fields, keyed by field name.
    """
    return with_extra(
        _decide_new_ticket(actor, action, clean, placement, facts), None, extra, facts
    )


def _decide_new_ticket(
    actor: Actor, action: Action, clean: dict[str, Any], placement: Placement | None, facts: Facts
) -> Decision:
    if not actor.has_role(*REPORTING_ROLES):
        raise _forbidden(N_("Your role cannot report hazards."))
    if placement is None or placement.township_id is None:
        raise _invalid(
            "region_id",
            N_("Say where the hazard is: choose the enterprise or the village/grid."),
        )
    if not ticket_in_scope(scope_of(actor), placement) and not actor.has_role(roles.SYSTEM):
        raise _invalid(
            "enterprise_id", N_("You can only report hazards within your own area or enterprise.")
        )
    source = Source(clean["source"]) if clean.get("source") else _default_source(actor)
    if actor.has_role(roles.ENTERPRISE_OFFICER) and not actor.has_role(
        roles.TOWNSHIP_INSPECTOR, roles.DISTRICT_SUPERVISOR, roles.SYSTEM
    ):
        source = Source.SELF_CHECK
    has_place = bool(clean.get("address")) or (
        clean.get("latitude") is not None and clean.get("longitude") is not None
    )
    if not has_place and placement.enterprise_id is None:
        raise _invalid("address", N_("Give the address or the location, or choose the enterprise."))
    discovered_on: date | None = clean.get("discovered_at")
    if discovered_on is not None:
        _check_not_future("discovered_at", discovered_on, facts)
    discovered_at = (
        end_of_local_day(discovered_on, facts.zone)
        if discovered_on and discovered_on < _today(facts)
        else facts.now
    )
    common = {
        "title": clean["title"],
        "description": clean["description"],
        "address": clean.get("address"),
        "latitude": clean.get("latitude"),
        "longitude": clean.get("longitude"),
        "location_part": clean.get("location_part"),
        "risk_point": clean.get("risk_point"),
        "category_id": clean.get("category_id"),
        "domain_tag_id": clean.get("domain_tag_id"),
        "nature": clean.get("nature"),
        "enforcement_document": clean.get("enforcement_document"),
        "source": source.value,
        "discoverer_name": actor.name,
        **_new_ticket(actor, placement, facts, discovered_at),
    }
    if action is Action.REPORT_FIXED:
        return _decide_fixed(actor, clean, common, facts)
    grade = Grade(clean["grade"]) if clean.get("grade") else Grade.GENERAL
    photos = _evidence(
        "photo_ids",
        _arriving(facts, _IMAGE_KINDS),
        facts,
        None,
        _IMAGE_KINDS,
        minimum=1 if source in PHOTO_REQUIRED_SOURCES else 0,
        label=N_("photo"),
    )
    terms = facts.sla_for(grade)
    changes = {
        **common,
        "state": State.REPORTED.value,
        "grade": grade.value,
        "confirm_due_at": facts.now + timedelta(hours=terms.confirm_hours),
        "fixed_on_spot": False,
    }
    return Decision(
        Action.REPORT,
        None,
        State.REPORTED,
        changes,
        clean,
        comment=clean["description"],
        evidence_ids=photos,
    )


def _decide_fixed(
    actor: Actor, clean: dict[str, Any], common: dict[str, Any], facts: Facts
) -> Decision:
    if clean.get("grade") not in (None, Grade.GENERAL):
        raise _invalid("grade", N_("Only a general hazard can be fixed on the spot."))
    before_kind = frozenset({AttachmentKind.BEFORE_PHOTO})
    after_kind = frozenset({AttachmentKind.AFTER_PHOTO})
    before = _evidence(
        "before_photo_ids",
        _arriving(facts, before_kind),
        facts,
        None,
        before_kind,
        minimum=1,
        label=N_("before photo"),
    )
    after = _evidence(
        "after_photo_ids",
        _arriving(facts, after_kind),
        facts,
        None,
        after_kind,
        minimum=1,
        label=N_("after photo"),
    )
    terms = facts.sla_for(Grade.GENERAL)
    today = _today(facts)
    changes = {
        **common,
        "state": State.PENDING_VERIFICATION.value,
        "grade": Grade.GENERAL.value,
        "fixed_on_spot": True,
        "confirmed_at": facts.now,
        "deadline": end_of_local_day(today, facts.zone),
        "original_deadline": end_of_local_day(today, facts.zone),
        "submitted_by_id": actor.user_id,
        "submitted_at": facts.now,
        "finished_on": today,
        "completion_description": clean["what_was_done"],
        "review_due_at": facts.now + timedelta(days=terms.review_days),
    }
    return Decision(
        Action.REPORT_FIXED,
        None,
        State.PENDING_VERIFICATION,
        changes,
        clean,
        comment=clean["what_was_done"],
        evidence_ids=[*before, *after],
    )


def _arriving(facts: Facts, kinds: frozenset[str]) -> list[int]:
    """Ids of the files of ``kinds`` that arrive with a report (not stored on a ticket yet)."""
    return [a.id for a in facts.attachments.values() if a.hazard_id is None and a.kind in kinds]


def _default_source(actor: Actor) -> Source:
    for role, source in DEFAULT_SOURCE.items():
        if actor.has_role(role):
            return source
    return Source.GRID_PATROL


# --------------------------------------------------------------------------- import (create)

# Who may bring in a ledger: those who confirm and close tickets in their area.
IMPORTING_ROLES = (roles.TOWNSHIP_INSPECTOR, roles.DISTRICT_SUPERVISOR, roles.ADMIN)
_CONFIRMED_STATES = frozenset(
    {
        State.CONFIRMED,
        State.CONTROLLED,
        State.RECTIFYING,
        State.PENDING_VERIFICATION,
        State.CLOSED,
    }
)
_CONTROLLED_STATES = _CONFIRMED_STATES - {State.CONFIRMED}
_PLANNED_STATES = _CONTROLLED_STATES - {State.CONTROLLED}


def may_import(actor: Actor) -> bool:
    """Whether ``actor``'s role may import hazard ledgers (within their own scope)."""
    return actor.has_role(*IMPORTING_ROLES)


def decide_import(
    actor: Actor,
    row: Mapping[str, Any],
    placement: Placement,
    facts: Facts,
    provenance: Mapping[str, Any],
    comment: str = "",
) -> Decision:
    """Check one ledger row and say what the imported ticket holds, in the ledger's state.

    ``row`` holds the row's clean values (names already resolved to ids); the problems are
    raised together as one InvalidError keyed by ledger column (``closed_on``, ``deadline`` …).
    ``provenance`` (file, checksum, row) goes on the ticket's one "imported" event.
    """
    if not may_import(actor):
        raise _forbidden(N_("Your role cannot import hazard ledgers."))
    errors: dict[str, Message] = {}
    if not ticket_in_scope(scope_of(actor), placement):
        errors["region"] = Message(N_("This township is outside your area."))
    state = State(row["state"])
    grade = Grade(row.get("grade") or Grade.GENERAL)
    discovered: date = row["discovered_at"]
    deadline: date | None = row.get("deadline")
    closed_on: date | None = row.get("closed_on")
    today = _today(facts)
    if discovered > today:
        errors["discovered_at"] = Message(N_("The date cannot be in the future."))
    if state in _CONFIRMED_STATES and state is not State.CLOSED and deadline is None:
        errors["deadline"] = Message(
            N_("A hazard in state %(state)s needs its rectification deadline."),
            {"state": state.label},
            ("state",),
        )
    if deadline is not None and deadline < discovered:
        errors["deadline"] = Message(N_("The deadline is before the discovery date."))
    if state in _CONFIRMED_STATES and not row.get("category_id"):
        errors["category"] = Message(
            N_("A hazard in state %(state)s needs its category."),
            {"state": state.label},
            ("state",),
        )
    if state is State.CLOSED:
        if closed_on is None:
            errors["closed_on"] = Message(N_("A closed hazard needs its close date."))
        elif closed_on < discovered:
            errors["closed_on"] = Message(N_("The close date is before the discovery date."))
        elif closed_on > today:
            errors["closed_on"] = Message(N_("The date cannot be in the future."))
    if grade is Grade.MAJOR and state in _CONTROLLED_STATES and not row.get("control_measures"):
        errors["control_measures"] = Message(
            N_("A major hazard in state %(state)s needs its control measures."),
            {"state": state.label},
            ("state",),
        )
    if errors:
        raise InvalidError(Message(N_("Some data is missing or invalid.")), errors)
    discovered_at = end_of_local_day(discovered, facts.zone) if discovered < today else facts.now
    terms = facts.sla_for(grade)
    changes: dict[str, Any] = {
        "state": state.value,
        "grade": grade.value,
        "title": row["title"],
        "description": row["description"],
        "address": row.get("address"),
        "category_id": row.get("category_id"),
        "nature": row.get("nature"),
        "source": row.get("source") or _default_source(actor).value,
        "ledger_no": row.get("ledger_no"),
        "discoverer_name": row.get("discoverer") or actor.name,
        "fixed_on_spot": False,
        **_new_ticket(actor, placement, facts, discovered_at),
    }
    if state is State.REPORTED:
        changes["confirm_due_at"] = facts.now + timedelta(hours=terms.confirm_hours)
    if state in _CONFIRMED_STATES:
        changes["confirmed_at"] = discovered_at
        if deadline is not None:
            changes["deadline"] = changes["original_deadline"] = end_of_local_day(
                deadline, facts.zone
            )
    if state in _CONTROLLED_STATES:
        changes["controlled_at"] = discovered_at
    if state in _PLANNED_STATES:
        changes["planned_at"] = discovered_at
    if state is State.PENDING_VERIFICATION:
        changes["submitted_at"] = facts.now
        changes["review_due_at"] = facts.now + timedelta(days=terms.review_days)
    if state is State.CLOSED and closed_on is not None:
        changes["closed_at"] = end_of_local_day(closed_on, facts.zone)
        changes["finished_on"] = closed_on
        changes["review_date"] = closed_on
        changes["review_result"] = "pass"
    records = [
        Record(
            "control_measure",
            {
                "kind": ControlMeasureKind.OTHER.value,
                "description": measure,
                "recorded_by_id": actor.user_id,
                "recorded_at": facts.now,
            },
        )
        for measure in row.get("control_measures") or ()
    ]
    return Decision(
        Action.IMPORT, None, state, changes, dict(provenance), comment=comment, records=records
    )


def is_open(state: str) -> bool:
    """Whether a ticket in ``state`` still needs work."""
    return state not in FINAL_STATES


# --------------------------------------------------------------------------- deadline steps
#
# The deadline sweep's rules, as data. A *watch* says which deadline column counts in which
# states and who answers for it; a *step* is one thing that happens relative to that deadline:
# a reminder before it (notify only) or an escalation level after it (the ticket changes and
# gets an event). The service turns each step into set-based SQL (one UPDATE for the tickets,
# one INSERT … SELECT for their events); :func:`decide_deadline_step` is the same rule for one
# ticket, so both paths write the same changes and the same event.


class DeadlineKind(StrEnum):
    """The deadlines of DOMAIN.md that the sweep watches."""

    CONFIRM = "confirm"
    CONTROL = "control"
    RECTIFY = "rectify"
    REVIEW = "review"


class Audience(StrEnum):
    """Who is told: the responsible enterprise's officers, the township's inspectors, the
    district's supervisors. A ticket without an enterprise is answered for by its township."""

    ENTERPRISE = "enterprise"
    TOWNSHIP = "township"
    DISTRICT = "district"


class Stage(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"


@dataclass(frozen=True)
class DeadlineWatch:
    """One deadline column, the open states in which it counts, and who answers for it."""

    kind: DeadlineKind
    column: str
    states: frozenset[State]
    responsible: Audience
    label: str


DEADLINE_WATCHES: tuple[DeadlineWatch, ...] = (
    DeadlineWatch(
        DeadlineKind.CONFIRM,
        "confirm_due_at",
        frozenset({State.REPORTED}),
        Audience.TOWNSHIP,
        N_("confirmation"),
    ),
    DeadlineWatch(
        DeadlineKind.CONTROL,
        "control_due_at",
        frozenset({State.CONFIRMED}),
        Audience.ENTERPRISE,
        N_("interim control"),
    ),
    DeadlineWatch(
        DeadlineKind.RECTIFY,
        "deadline",
        frozenset({State.CONFIRMED, State.CONTROLLED, State.RECTIFYING}),
        Audience.ENTERPRISE,
        N_("rectification"),
    ),
    DeadlineWatch(
        DeadlineKind.REVIEW,
        "review_due_at",
        frozenset({State.PENDING_VERIFICATION}),
        Audience.TOWNSHIP,
        N_("verification"),
    ),
)

# Escalation level -> who is told besides the party responsible for the deadline. Level 1 is
# the responsible party itself (the enterprise, for its own deadlines).
ESCALATION_AUDIENCES: dict[int, tuple[Audience, ...]] = {
    1: (),
    2: (Audience.TOWNSHIP,),
    3: (Audience.TOWNSHIP, Audience.DISTRICT),
}
ESCALATION_LABELS = {
    0: N_("not escalated"),
    1: N_("enterprise"),
    2: N_("township"),
    3: N_("district"),
}


@dataclass(frozen=True)
class RaiseTo:
    """A change that raises an integer column to ``level`` and never lowers it."""

    level: int


@dataclass(frozen=True)
class DaysPast:
    """A change to the whole local days past the deadline in ``column`` (at least 1)."""

    column: str


@dataclass(frozen=True)
class DeadlineStep:
    """The ``number``-th reminder before, or escalation level ``number`` after, a deadline."""

    watch: DeadlineWatch
    stage: Stage
    number: int
    action: Action | None  # the event it writes; None: it only notifies
    changes: Mapping[str, Any]  # column -> plain value, RaiseTo or DaysPast
    audiences: tuple[Audience, ...]

    @property
    def key(self) -> str:
        """Stable name of the step, e.g. ``rectify:escalation2``; applied once per deadline."""
        return f"{self.watch.kind.value}:{self.stage.value}{self.number}"

    @property
    def event_data(self) -> dict[str, Any]:
        """The event's JSON data (the same on the set-based and the per-ticket path)."""
        return {"deadline": self.watch.kind.value, "step": self.key, "level": self.number}

    def window(self, terms: SlaTerms) -> tuple[timedelta, timedelta | None] | None:
        """When the step is due, relative to the deadline: ``[start, end)``; None if the policy
        has no such step. A reminder stops being due when the next one (or the deadline) comes,
        so a sweep that missed runs sends the latest reminder only; an escalation stays due
        until it is applied, so every level is reached, in order."""
        if self.stage is Stage.REMINDER:
            offsets = sorted(terms.reminder_offsets_hours, reverse=True)
            if self.number > len(offsets):
                return None
            later = offsets[self.number] if self.number < len(offsets) else 0
            return timedelta(hours=-offsets[self.number - 1]), timedelta(hours=-later)
        escalations = terms.escalation_offsets_hours
        if self.number > len(escalations):
            return None
        return timedelta(hours=escalations[self.number - 1]), None


def _reminder(watch: DeadlineWatch, number: int) -> DeadlineStep:
    return DeadlineStep(watch, Stage.REMINDER, number, None, {}, (watch.responsible,))


def _escalation(watch: DeadlineWatch, level: int) -> DeadlineStep:
    audiences = tuple(dict.fromkeys((watch.responsible, *ESCALATION_AUDIENCES[level])))
    return DeadlineStep(
        watch,
        Stage.ESCALATION,
        level,
        Action.OVERDUE if level == 1 else Action.ESCALATE,
        {
            "overdue": True,
            "overdue_days": DaysPast(watch.column),
            "escalation_level": RaiseTo(level),
        },
        audiences,
    )


def deadline_steps(reminder_count: int) -> list[DeadlineStep]:
    """Every deadline step, in the order a sweep applies them (``reminder_count``: the most
    reminders any policy has)."""
    steps: list[DeadlineStep] = []
    for watch in DEADLINE_WATCHES:
        steps += [_reminder(watch, n) for n in range(1, reminder_count + 1)]
        steps += [_escalation(watch, level) for level in sorted(ESCALATION_AUDIENCES)]
    return steps


def deadline_step(key: str) -> DeadlineStep | None:
    """The step stored as ``key`` (e.g. ``rectify:escalation2``), or None if there is none."""
    kind, _, rest = key.partition(":")
    watch = next((w for w in DEADLINE_WATCHES if w.kind.value == kind), None)
    for stage in Stage:
        number = rest.removeprefix(stage.value)
        if watch is None or number == rest or not number.isdigit():
            continue
        if stage is Stage.REMINDER and int(number) >= 1:
            return _reminder(watch, int(number))
        if stage is Stage.ESCALATION and int(number) in ESCALATION_AUDIENCES:
            return _escalation(watch, int(number))
    return None


def step_is_due(
    step: DeadlineStep, due_at: datetime | None, terms: SlaTerms, now: datetime
) -> bool:
    """Whether ``step`` is due at ``now`` for a deadline at ``due_at`` under ``terms``."""
    window = step.window(terms)
    if due_at is None or window is None:
        return False
    start, end = window
    return due_at + start <= now and (end is None or now < due_at + end)


def ticket_step_is_due(ticket: Ticket, step: DeadlineStep, facts: Facts) -> bool:
    """Whether ``step`` is due for ``ticket`` now: open in a watched state, not deleted, and
    inside the step's window of its current deadline (an extension moves the window)."""
    return (
        ticket.deleted_at is None
        and State(ticket.state) in step.watch.states
        and step_is_due(
            step, getattr(ticket, step.watch.column), facts.sla_for(ticket.grade), facts.now
        )
    )


def decide_deadline_step(
    actor: Actor, ticket: Ticket, step: DeadlineStep, facts: Facts
) -> Decision | None:
    """The per-ticket form of an escalation step: the Decision to apply, or None when the step
    is not due for ``ticket`` or only notifies (a reminder)."""
    if not actor.has_role(roles.SYSTEM):
        raise _forbidden(N_("Only the system applies deadline steps."))
    if step.action is None or not ticket_step_is_due(ticket, step, facts):
        return None
    changes = {
        name: _step_value(ticket, name, value, facts) for name, value in step.changes.items()
    }
    state = State(ticket.state)
    return Decision(step.action, state, state, changes, step.event_data)


def _step_value(ticket: Ticket, name: str, value: Any, facts: Facts) -> Any:
    if isinstance(value, RaiseTo):
        return max(int(getattr(ticket, name) or 0), value.level)
    if isinstance(value, DaysPast):
        return max(overdue_days(getattr(ticket, value.column), facts.now, facts.zone), 1)
    return value


__all__ = [
    "ACTION_LABELS",
    "DEADLINE_WATCHES",
    "TRANSITIONS",
    "Action",
    "AttachmentFacts",
    "DeadlineStep",
    "DeadlineWatch",
    "Decision",
    "ExtensionFacts",
    "Facts",
    "Placement",
    "Record",
    "Scope",
    "SideEvent",
    "Ticket",
    "Transition",
    "available_actions",
    "deadline_step",
    "deadline_steps",
    "decide",
    "decide_deadline_step",
    "decide_report",
    "fields_for",
    "is_open",
    "parse_action",
    "parse_report",
    "refusal",
    "ticket_step_is_due",
]
