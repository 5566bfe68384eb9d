"""Apply the lifecycle to the database: report a hazard, fire a transition.

These two commands are the only code that creates tickets or changes their state. Each one
validates everything through ``app.domain.lifecycle`` and then, in one transaction, changes the
ticket, writes its event, bumps its version and marks the evidence it used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from app.domain.chain import GENESIS, as_stored, event_hash
from app.domain.custom_fields import PREFIX
from app.domain.errors import InvalidError
from app.domain.fields import MAX_ID, field_error
from app.domain.lifecycle import (
    Action,
    AttachmentFacts,
    Decision,
    ExtensionFacts,
    Facts,
    Placement,
    Record,
    decide,
    decide_report,
    parse_action,
    parse_report,
    refusal,
)
from app.domain.messages import N_, Message
from app.domain.scope import Actor
from app.domain.vocabulary import AttachmentKind, CategoryKind, ExtensionStatus
from app.models import (
    Attachment,
    Category,
    ControlMeasure,
    DeterminationArticle,
    Enterprise,
    ExtensionRequest,
    Hazard,
    HazardEvent,
    RectificationPlan,
    Region,
)
from app.services import clock, custom_fields
from app.services.attachments import NewFile, check_file, store_file
from app.services.chain import advance_head, event_content
from app.services.scoping import hazard_for
from app.services.sla import terms_lookup
from app.services.ticket_codes import allocate_ticket_code
from app.services.transaction import atomic, is_unique_violation, session

# Which data field lists the attachments of each kind a request brings along.
PHOTO_FIELDS = {
    AttachmentKind.PHOTO: "photo_ids",
    AttachmentKind.BEFORE_PHOTO: "before_photo_ids",
    AttachmentKind.AFTER_PHOTO: "after_photo_ids",
    AttachmentKind.DOCUMENT: "document_ids",
}

_RECORD_MODELS: dict[str, type[Any]] = {
    "control_measure": ControlMeasure,
    "rectification_plan": RectificationPlan,
    "extension_request": ExtensionRequest,
    "attachment": Attachment,
}

_CODE_ATTEMPTS = 5


def _with_files(
    data: Mapping[str, Any], ids_by_kind: Mapping[AttachmentKind, list[int]], action: Action
) -> dict[str, Any]:
    merged = dict(data)
    for kind, ids in ids_by_kind.items():
        field = PHOTO_FIELDS[kind]
        if action is Action.ADD_ATTACHMENT and kind is not AttachmentKind.DOCUMENT:
            # Any photo may be added (it keeps its kind); the action lists them all as photos.
            field = "photo_ids"
        existing = merged.get(field) or []
        if isinstance(existing, str):
            existing = [item for item in existing.split(",") if item.strip()]
        merged[field] = [*existing, *ids]
    return merged


def _file_field(new_file: NewFile) -> str:
    """The form or API field a file's problems are reported under."""
    return PREFIX + new_file.field if new_file.field else PHOTO_FIELDS[new_file.kind]


def _with_extra_files(
    data: Mapping[str, Any], ids_and_files: Iterable[tuple[int, NewFile]]
) -> dict[str, Any]:
    """``data`` with the ids of files uploaded for custom photo fields added to ``extra``."""
    merged = dict(data)
    raw = merged.get("extra")
    extra = dict(raw) if isinstance(raw, Mapping) else raw
    for file_id, new_file in ids_and_files:
        if not new_file.field:
            continue
        if extra is None:
            extra = {}
        if not isinstance(extra, dict):
            break  # decide_extra refuses it
        existing = extra.get(new_file.field) or []
        if isinstance(existing, str):
            existing = [item for item in existing.split(",") if item.strip()]
        if not isinstance(existing, list):
            existing = [existing]
        extra[new_file.field] = [*existing, file_id]
    if extra is not None:
        merged["extra"] = extra
    return merged


def _stored_ids(values: Mapping[str, Any], stored: Mapping[int, int]) -> dict[str, Any]:
    """Custom values with provisional attachment ids replaced by the stored ones."""
    return {
        name: [stored.get(v, v) for v in value] if isinstance(value, list) else value
        for name, value in values.items()
    }


# --------------------------------------------------------------------------- report


def report_hazard(
    actor: Actor,
    data: Mapping[str, Any],
    files: Sequence[NewFile] = (),
    *,
    fixed_on_spot: bool = False,
    on_created: Callable[[Hazard], None] | None = None,
) -> Hazard:
    """Report a new hazard (or one fixed on the spot) and return the saved ticket.

    ``files`` are the photos sent with the report; their kind says which requirement they
    meet (a fix on the spot needs a before- and an after-photo). ``on_created`` runs inside
    the same transaction with the new ticket (e.g. to record a public report beside it).
    """
    with atomic():
        hazard = report_in_transaction(actor, data, files, fixed_on_spot=fixed_on_spot)
        if on_created is not None:
            on_created(hazard)
    return hazard


def report_in_transaction(
    actor: Actor,
    data: Mapping[str, Any],
    files: Sequence[NewFile] = (),
    *,
    fixed_on_spot: bool = False,
) -> Hazard:
    """:func:`report_hazard` inside the caller's transaction (an inspection opens several)."""
    action = Action.REPORT_FIXED if fixed_on_spot else Action.REPORT
    for new_file in files:
        check_file(new_file, _file_field(new_file))
    # Files arriving with the report are known by provisional ids (-1, -2 …) until stored.
    provisional = {
        -(n + 1): AttachmentFacts(id=-(n + 1), hazard_id=None, kind=f.kind.value)
        for n, f in enumerate(files)
    }
    data = _with_extra_files(data, zip(provisional, files, strict=True))
    clean = parse_report(action, data)
    current = session()
    _check_references(clean)
    placement, enterprise, township = _placement(clean)
    facts = Facts(
        now=clock.now(),
        zone=clock.zone(),
        sla_for=terms_lookup(clean.get("category_id")),
        attachments=provisional,
        default_responsible_unit=enterprise.name if enterprise else None,
        custom_fields=custom_fields.definitions(),
        category_chains=custom_fields.category_chains(),
    )
    decision = decide_report(actor, action, clean, placement, facts, data.get("extra"))
    assert township is not None  # decide_report refuses a report without a township
    hazard = _insert_ticket(decision, township, facts)
    stored = {
        provisional_id: store_file(hazard.id, f, actor, _file_field(f)).id
        for provisional_id, f in zip(provisional, files, strict=True)
    }
    evidence = [stored[i] for i in decision.evidence_ids]
    event_data = {**decision.event_data, "attachment_ids": evidence}
    if any(f.field for f in files):
        hazard.extra = _stored_ids(hazard.extra or {}, stored)
        if isinstance(event_data.get("extra"), Mapping):
            event_data["extra"] = _stored_ids(event_data["extra"], stored)
    _write_event(actor, hazard, decision, event_data, evidence)
    current.flush()
    return hazard


def import_ticket(actor: Actor, decision: Decision, township: Region, facts: Facts) -> Hazard:
    """Insert a ticket decided by ``decide_import`` with its records and its "imported" event,
    inside the caller's transaction (an import writes a batch of rows per transaction)."""
    hazard = _insert_ticket(decision, township, facts)
    for record in decision.records:
        _write_record(hazard, record)
    _write_event(actor, hazard, decision, decision.event_data)
    return hazard


def _insert_ticket(decision: Decision, township: Region, facts: Facts) -> Hazard:
    """Insert the ticket under a fresh code; a code already taken (imports) is skipped."""
    year = facts.now.astimezone(facts.zone).year
    current = session()
    for _ in range(_CODE_ATTEMPTS):
        code = allocate_ticket_code(township, year)
        hazard = Hazard(code=code, last_event_at=facts.now, **decision.changes)
        try:
            with current.begin_nested():
                current.add(hazard)
                current.flush()
        except IntegrityError as exc:
            if not is_unique_violation(exc, "code"):
                raise
            continue
        return hazard
    raise field_error("code", Message(N_("Could not find a free ticket code; please try again.")))


def _placement(
    clean: Mapping[str, Any],
) -> tuple[Placement | None, Enterprise | None, Region | None]:
    """Where a report lies: its enterprise's place, or the chosen region's."""
    current = session()
    enterprise: Enterprise | None = None
    place: Enterprise | Region | None = None
    if clean.get("enterprise_id"):
        enterprise = place = current.get(Enterprise, clean["enterprise_id"])
        if enterprise is None or not enterprise.active:
            raise field_error("enterprise_id", Message(N_("The enterprise was not found.")))
    elif clean.get("region_id"):
        place = current.get(Region, clean["region_id"])
        if place is None or not place.active:
            raise field_error("region_id", Message(N_("The region was not found.")))
    if place is None:
        return None, None, None
    township = current.get(Region, place.township_id) if place.township_id else None
    placement = Placement.of(place, enterprise.id if enterprise else None)
    return placement, enterprise, township


def _check_references(clean: Mapping[str, Any]) -> None:
    """Refuse ids of categories, tags and standard articles that do not exist."""
    current = session()
    errors: dict[str, Message] = {}
    category_id = clean.get("category_id")
    if category_id:
        category = current.get(Category, category_id)
        if category is None or not category.active or category.kind == CategoryKind.DOMAIN:
            errors["category_id"] = Message(N_("The category was not found."))
    tag_id = clean.get("domain_tag_id")
    if tag_id:
        tag = current.get(Category, tag_id)
        if tag is None or not tag.active or tag.kind != CategoryKind.DOMAIN:
            errors["domain_tag_id"] = Message(N_("The domain tag was not found."))
    article_id = clean.get("determination_article_id")
    if article_id and current.get(DeterminationArticle, article_id) is None:
        errors["determination_article_id"] = Message(
            N_("The determination standard article was not found.")
        )
    if errors:
        raise InvalidError(Message(N_("Some data is missing or invalid.")), errors)


# --------------------------------------------------------------------------- transitions


def fire_transition(
    actor: Actor,
    hazard_id: int,
    action: Action | str,
    data: Mapping[str, Any],
    expected_version: int | None,
    files: Sequence[NewFile] = (),
) -> Hazard:
    """Fire ``action`` on ticket ``hazard_id`` for ``actor``, refusing a stale ``expected_version``.

    Raises NotFoundError (unknown or out of scope), ForbiddenError (role), ConflictError (state,
    version, concurrent change) or InvalidError (data); nothing is changed when it raises.
    """
    action = parse_action(action) if isinstance(action, str) else action
    with atomic() as current:
        hazard = hazard_for(actor, hazard_id)
        refused = refusal(actor, hazard, action, expected_version)
        if refused is not None:
            raise refused
        ids_by_kind: dict[AttachmentKind, list[int]] = {}
        for_fields: list[tuple[int, NewFile]] = []
        for new_file in files:
            stored = store_file(hazard.id, new_file, actor, _file_field(new_file))
            if new_file.field:
                for_fields.append((stored.id, new_file))
            else:
                ids_by_kind.setdefault(new_file.kind, []).append(stored.id)
        data = _with_files(_with_extra_files(data, for_fields), ids_by_kind, action)
        if action in (Action.CONFIRM, Action.EDIT):
            _check_references(_loose_ids(data))
        facts = _facts_for(hazard, action, data)
        decision = decide(actor, hazard, action, data, expected_version, facts)
        apply_decision(actor, hazard, decision)
        current.flush()
    return hazard


def _loose_ids(data: Mapping[str, Any]) -> dict[str, Any]:
    """Reference ids as integers where they parse (the domain reports those that don't)."""
    ids: dict[str, Any] = {}
    for name in ("category_id", "domain_tag_id", "determination_article_id"):
        ids[name] = _loose_int(data.get(name)) or None
    return ids


def _referenced_ids(data: Mapping[str, Any]) -> set[int]:
    ids: set[int] = set()
    single = _loose_int(data.get("attachment_id"))
    if single is not None:
        ids.add(single)
    extra = data.get("extra")
    # Custom photo fields name attachments too (any list in ``extra``; the rules check them).
    lists = [
        *(data.get(field) for field in PHOTO_FIELDS.values()),
        *(extra.values() if isinstance(extra, Mapping) else ()),
    ]
    for raw in lists:
        if not isinstance(raw, str | list | tuple):
            continue
        items = raw.split(",") if isinstance(raw, str) else raw
        for item in items:
            number = _loose_int(item)
            if number is not None:
                ids.add(number)
    return ids


def _facts_for(hazard: Hazard, action: Action, data: Mapping[str, Any]) -> Facts:
    """Look up what the rules need besides the ticket, and only what this action needs."""
    current = session()
    attachment_query = sa.select(Attachment).where(Attachment.id.in_(_referenced_ids(data)))
    if action is Action.MERGE:
        attachment_query = sa.select(Attachment).where(
            sa.or_(Attachment.id.in_(_referenced_ids(data)), Attachment.hazard_id == hazard.id)
        )
    attachments = {
        a.id: AttachmentFacts(
            id=a.id,
            hazard_id=a.hazard_id,
            kind=a.kind,
            deleted=a.deleted_at is not None,
            evidence=a.is_evidence,
            uploaded_by_id=a.uploaded_by_id,
        )
        for a in current.execute(attachment_query).scalars()
    }
    pending = None
    if action in (Action.REQUEST_EXTENSION, Action.DECIDE_EXTENSION):
        request = current.execute(
            sa.select(ExtensionRequest).where(
                ExtensionRequest.hazard_id == hazard.id,
                ExtensionRequest.status == ExtensionStatus.PENDING.value,
            )
        ).scalar_one_or_none()
        if request is not None:
            pending = ExtensionFacts(
                request.id, request.requested_by_id, request.requested_deadline
            )
    measure_count = 0
    if action is Action.PLAN:
        measure_count = current.execute(
            sa.select(sa.func.count()).where(ControlMeasure.hazard_id == hazard.id)
        ).scalar_one()
    merge_target = None
    if action is Action.MERGE:
        original_id = _loose_int(data.get("original_id"))
        merge_target = current.get(Hazard, original_id) if original_id else None
    return Facts(
        now=clock.now(),
        zone=clock.zone(),
        sla_for=terms_lookup(hazard.category_id),
        attachments=attachments,
        pending_extension=pending,
        control_measure_count=measure_count,
        merge_target=merge_target,
        major_max_rectify_days=int(current_app.config["SAFELOOP_MAJOR_MAX_RECTIFY_DAYS"]),
        custom_fields=custom_fields.definitions(),
        category_chains=custom_fields.category_chains(),
    )


def _loose_int(value: Any) -> int | None:
    """``value`` as an id to look up, or None (also when no id column could hold it)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if abs(number) <= MAX_ID else None


def apply_decision(actor: Actor, hazard: Hazard, decision: Decision) -> HazardEvent:
    """Write a decision: ticket changes (version bump), rows, event, evidence, side events."""
    current = session()
    now = clock.now()
    # Read before the ticket is touched: this SELECT would otherwise flush it (autoflush).
    evidence = _unfrozen_evidence(decision.evidence_ids)
    for name, value in decision.changes.items():
        setattr(hazard, name, value)
    hazard.state = decision.to_state.value
    hazard.last_event_at = now
    # Even an event that changes nothing else (progress, at the same instant as the previous
    # one) must UPDATE the ticket, or its version would not move past the previous event's seq.
    flag_modified(hazard, "last_event_at")
    # The event is hashed first, so that the ticket's new chain head goes into the same
    # UPDATE … WHERE version = :seen that is the optimistic lock (one statement per event).
    event = _chained_event(
        actor, hazard, hazard.version + 1, evidence, **_event_fields(decision, decision.event_data)
    )
    hazard.chain_head = event.hash
    # Flush the ticket first: the UPDATE … WHERE version = :seen is the optimistic lock.
    current.flush()
    assert hazard.version == event.seq
    for record in decision.records:
        _write_record(hazard, record)
    _store_event(event, evidence)
    for side in decision.side_events:
        other = current.get(Hazard, side.hazard_id)
        if other is None:
            continue
        other.last_event_at = now
        flag_modified(other, "last_event_at")
        current.flush()
        append_event(
            actor,
            other,
            action=side.action.value,
            from_state=other.state,
            to_state=other.state,
            comment=side.comment,
            data=side.data,
        )
    return event


def _write_record(hazard: Hazard, record: Record) -> None:
    model = _RECORD_MODELS[record.subject]
    if record.id is None:
        session().add(model(hazard_id=hazard.id, **record.values))
        return
    row = session().get(model, record.id)
    for name, value in record.values.items():
        setattr(row, name, value)


def _event_fields(decision: Decision, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "action": decision.action.value,
        "from_state": decision.from_state.value if decision.from_state else None,
        "to_state": decision.to_state.value,
        "comment": decision.comment or None,
        "data": data,
    }


def _write_event(
    actor: Actor,
    hazard: Hazard,
    decision: Decision,
    data: Mapping[str, Any],
    evidence_ids: Sequence[int] = (),
) -> HazardEvent:
    return append_event(actor, hazard, evidence_ids=evidence_ids, **_event_fields(decision, data))


def append_event(
    actor: Actor,
    hazard: Hazard,
    *,
    action: str,
    from_state: str | None,
    to_state: str,
    comment: str | None,
    data: Mapping[str, Any],
    evidence_ids: Sequence[int] = (),
) -> HazardEvent:
    """Append the event of the version a new (or just flushed) ``hazard`` is at, chained to
    its head, and store the new head (a new report, the original ticket of a merge)."""
    evidence = _unfrozen_evidence(evidence_ids)
    event = _chained_event(
        actor,
        hazard,
        hazard.version,
        evidence,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data,
    )
    _store_event(event, evidence)
    advance_head(hazard, event.hash or "")
    return event


def _chained_event(
    actor: Actor,
    hazard: Hazard,
    seq: int,
    evidence: Sequence[tuple[int, str]],
    *,
    action: str,
    from_state: str | None,
    to_state: str,
    comment: str | None,
    data: Mapping[str, Any],
) -> HazardEvent:
    """The event of version ``seq`` of ``hazard``, hashed and linked to the ticket's head.

    The head read here belongs to the version the ticket's UPDATE … WHERE version = :seen
    checks, so no other writer can move it in between: the chain needs no lock of its own.
    The SHA-256 of the attachments it freezes as evidence goes into its hash.
    """
    # One event per version: the event's sequence number is the version it produced.
    event = HazardEvent(
        hazard_id=hazard.id,
        seq=seq,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.user_id,
        actor_name=actor.name,
        actor_roles=",".join(sorted(actor.roles)),
        occurred_at=hazard.last_event_at,
        comment=comment,
        data=as_stored(data),
        version=seq,
    )
    event.prev_hash = hazard.chain_head or GENESIS
    event.hash = event_hash(event.prev_hash, event_content(event, evidence))
    return event


def _store_event(event: HazardEvent, evidence: Sequence[tuple[int, str]]) -> None:
    session().add(event)
    session().flush()
    _mark_evidence([attachment_id for attachment_id, _ in evidence], event)


def _unfrozen_evidence(attachment_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(id, SHA-256) of the attachments this event freezes (those not yet evidence)."""
    if not attachment_ids:
        return []
    rows = session().execute(
        sa.select(Attachment.id, Attachment.sha256).where(
            Attachment.id.in_(list(attachment_ids)), Attachment.evidence_event_id.is_(None)
        )
    )
    return [(row.id, row.sha256) for row in rows]


def _mark_evidence(attachment_ids: Sequence[int], event: HazardEvent) -> None:
    """Attachments used by a transition become evidence: frozen from then on."""
    if not attachment_ids:
        return
    session().execute(
        sa.update(Attachment)
        .where(Attachment.id.in_(list(attachment_ids)))
        .values(evidence_event_id=event.id)
    )
