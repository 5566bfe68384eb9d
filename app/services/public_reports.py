"""Public reporting (群众举报): submit without an account, track by code, replies, rewards.

The report itself goes through ``app.services.lifecycle.report_hazard`` (as the system user,
source 群众举报), so the ticket obeys every rule of the lifecycle; the reporter's identity and
tracking code are written beside it, in the same transaction, in ``public_report``.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageOps

from app.domain.errors import NotFoundError
from app.domain.fields import field_error, parse_fields
from app.domain.messages import N_, Message
from app.domain.public import (
    PUBLIC_REPLY_FIELDS,
    PUBLIC_STATE,
    REPLY,
    REWARD,
    RewardBounds,
    decide_reward,
    format_tracking_code,
    may_decide_reward,
    may_reply,
    may_see_reporter,
    new_tracking_code,
    normalise_tracking_code,
    parse_public_report,
    public_step,
    staff_refusal,
    ticket_data,
)
from app.domain.scope import Actor
from app.domain.vocabulary import OPEN_STATES, State
from app.models import (
    Attachment,
    Enterprise,
    Hazard,
    HazardEvent,
    PublicReply,
    PublicReport,
    Region,
)
from app.services import clock
from app.services.actors import system_actor
from app.services.attachments import NewFile, file_path, upload_root
from app.services.lifecycle import report_hazard
from app.services.scoping import hazard_for, hazards_for, public_townships
from app.services.transaction import atomic, is_unique_violation, session

_CODE_ATTEMPTS = 5
# A merged ticket's reporter follows the original; chains are short, this only stops a loop.
_MAX_MERGE_HOPS = 10
# Two reports this close (in degrees, about 300 m) are shown as likely duplicates.
_NEAR_DEGREES = Decimal("0.003")
_DUPLICATE_WINDOW_DAYS = 90


# --------------------------------------------------------------------------- submit


def public_actor() -> Actor:
    """The actor a public report is written as: the system user, named as the public."""
    return dataclasses.replace(
        system_actor(), name=str(current_app.config["SAFELOOP_PUBLIC_REPORTER_NAME"])
    )


def submit_public_report(
    data: Mapping[str, Any], photos: Sequence[NewFile], consent_text: str
) -> PublicReport:
    """Turn a public report into a ticket in its township's intake queue; return its record.

    Raises InvalidError (bad data, too many photos, a file that is not a photo) with nothing
    changed. The tracking code on the returned record is what the reporter keeps.
    """
    limit = int(current_app.config["SAFELOOP_PUBLIC_MAX_PHOTOS"])
    if len(photos) > limit:
        raise field_error(
            "photo_ids", Message(N_("At most %(count)s photos can be sent."), {"count": limit})
        )
    clean = parse_public_report(data)
    township = (
        session().scalars(public_townships().where(Region.id == clean["township_id"])).one_or_none()
    )
    if township is None:
        raise field_error(
            "township_id", Message(N_("Choose the township or street from the list."))
        )
    enterprise_id = _named_enterprise(township.id, clean["enterprise_name"])
    created: list[PublicReport] = []

    def record(hazard: Hazard) -> None:
        created.append(_insert_public_report(hazard, clean, consent_text))

    report_hazard(
        public_actor(), ticket_data(clean, enterprise_id), list(photos), on_created=record
    )
    return created[0]


def _named_enterprise(township_id: int, name: str | None) -> int | None:
    """The enterprise of the township with exactly the name the reporter gave, if any."""
    if not name:
        return None
    return (
        session()
        .scalars(
            sa.select(Enterprise.id)
            .where(
                Enterprise.active.is_(True),
                Enterprise.township_id == township_id,
                Enterprise.name == name.strip(),
            )
            .limit(1)
        )
        .first()
    )


def _insert_public_report(
    hazard: Hazard, clean: Mapping[str, Any], consent_text: str
) -> PublicReport:
    current = session()
    for _ in range(_CODE_ATTEMPTS):
        row = PublicReport(
            tracking_code=new_tracking_code(),
            hazard_id=hazard.id,
            enterprise_name=clean["enterprise_name"],
            reporter_name=clean["reporter_name"],
            reporter_phone=clean["reporter_phone"],
            consent_text=consent_text,
            submitted_at=clock.now(),
        )
        try:
            with current.begin_nested():
                current.add(row)
                current.flush()
        except sa.exc.IntegrityError as exc:
            if not is_unique_violation(exc, "tracking_code"):
                raise
            continue
        return row
    raise field_error("code", Message(N_("Could not find a free ticket code; please try again.")))


# --------------------------------------------------------------------------- track


@dataclass(frozen=True)
class PublicStep:
    when: datetime
    what: str  # msgid


@dataclass(frozen=True)
class Tracking:
    """Everything the tracking page shows, and nothing else (no names, no internal data)."""

    code: str
    submitted_at: datetime
    description: str
    address: str | None
    enterprise_name: str | None
    state: str  # msgid in plain words
    closed: bool
    rejection_reason: str | None
    steps: list[PublicStep] = field(default_factory=list)
    replies: list[tuple[datetime, str]] = field(default_factory=list)
    reward_eligible: bool | None = None
    reward_amount: Decimal | None = None
    reward_decided_on: date | None = None


# Malformed codes are looked up too (as this one, which no code can equal), so an unknown and
# a malformed code cost the same query and get the same answer.
_NO_CODE = "-" * 12


def track(raw_code: str | None) -> Tracking | None:
    """What the reporter holding ``raw_code`` may see; None for unknown and malformed alike."""
    code = normalise_tracking_code(raw_code)
    row = (
        session()
        .scalars(sa.select(PublicReport).where(PublicReport.tracking_code == (code or _NO_CODE)))
        .one_or_none()
    )
    if row is None or code is None:
        return None
    chain = _merge_chain(row.hazard)
    final = chain[-1]
    events = session().scalars(
        sa.select(HazardEvent)
        .where(HazardEvent.hazard_id.in_([h.id for h in chain]))
        .order_by(HazardEvent.occurred_at, HazardEvent.id)
    )
    steps: list[PublicStep] = []
    rejection = None
    joined = {chain[0].id}
    for event in events:
        # The originals' own history before the merge is another reporter's story.
        if event.hazard_id not in joined:
            continue
        what = public_step(event.action)
        if event.action == "merge":
            joined.add(_merge_target_of(chain, event.hazard_id))
        if what is not None:
            steps.append(PublicStep(event.occurred_at, what))
        if event.action == "reject":
            rejection = event.comment
    replies = session().execute(
        sa.select(PublicReply.written_at, PublicReply.text)
        .where(PublicReply.hazard_id.in_([h.id for h in chain]))
        .order_by(PublicReply.written_at, PublicReply.id)
    )
    hazard = chain[0]
    return Tracking(
        code=format_tracking_code(row.tracking_code),
        submitted_at=row.submitted_at,
        description=hazard.description,
        address=hazard.address,
        enterprise_name=row.enterprise_name,
        state=PUBLIC_STATE[State(final.state)],
        closed=final.state == State.CLOSED,
        rejection_reason=rejection if final.state == State.REJECTED else None,
        steps=steps,
        replies=[(when, text) for when, text in replies],
        reward_eligible=row.reward_eligible,
        reward_amount=row.reward_amount,
        reward_decided_on=row.reward_decided_on,
    )


def _merge_chain(hazard: Hazard) -> list[Hazard]:
    """The ticket and the originals it was merged into, in order."""
    chain = [hazard]
    while chain[-1].merged_into_id is not None and len(chain) < _MAX_MERGE_HOPS:
        original = session().get(Hazard, chain[-1].merged_into_id)
        if original is None:
            break
        chain.append(original)
    return chain


def _merge_target_of(chain: list[Hazard], hazard_id: int) -> int:
    for ticket in chain:
        if ticket.id == hazard_id and ticket.merged_into_id is not None:
            return ticket.merged_into_id
    return hazard_id


# --------------------------------------------------------------------------- staff side


@dataclass(frozen=True)
class PublicPanel:
    """The public report's part of a ticket's page, as much as ``actor`` may see."""

    reports: list[PublicReport]
    show_reporter: bool
    may_reply: bool
    may_decide_reward: bool
    replies: list[PublicReply]
    duplicates: list[Hazard]


def public_reports_of(hazard_id: int) -> list[PublicReport]:
    """The public reports of this ticket and of the duplicates merged into it."""
    merged = sa.select(Hazard.id).where(Hazard.merged_into_id == hazard_id)
    return list(
        session().scalars(
            sa.select(PublicReport)
            .where(sa.or_(PublicReport.hazard_id == hazard_id, PublicReport.hazard_id.in_(merged)))
            .order_by(PublicReport.id)
        )
    )


def public_panel(actor: Actor, hazard: Hazard) -> PublicPanel | None:
    """What the ticket page shows of its public reports; None when it has none."""
    reports = public_reports_of(hazard.id)
    if not reports:
        return None
    seeing = may_see_reporter(actor, hazard)
    replies = session().scalars(
        sa.select(PublicReply)
        .where(PublicReply.hazard_id == hazard.id)
        .order_by(PublicReply.written_at, PublicReply.id)
    )
    return PublicPanel(
        reports=reports,
        show_reporter=seeing,
        may_reply=may_reply(actor, hazard),
        may_decide_reward=may_decide_reward(actor, hazard),
        replies=list(replies),
        duplicates=likely_duplicates(actor, hazard) if seeing else [],
    )


def likely_duplicates(actor: Actor, hazard: Hazard) -> list[Hazard]:
    """Other open tickets of the township, recent, at the same enterprise, address or spot.

    Each kind of nearness is its own indexed look-up (enterprise; township + address;
    township + latitude band), united before the scope, state and time filters.
    """
    same_township = Hazard.township_id == hazard.township_id
    near: list[sa.Select[Any]] = []
    if hazard.enterprise_id is not None:
        near.append(sa.select(Hazard.id).where(Hazard.enterprise_id == hazard.enterprise_id))
    if hazard.address:
        near.append(sa.select(Hazard.id).where(same_township, Hazard.address == hazard.address))
    if hazard.latitude is not None and hazard.longitude is not None:
        near.append(
            sa.select(Hazard.id).where(
                same_township,
                Hazard.latitude.between(
                    hazard.latitude - _NEAR_DEGREES, hazard.latitude + _NEAR_DEGREES
                ),
                Hazard.longitude.between(
                    hazard.longitude - _NEAR_DEGREES, hazard.longitude + _NEAR_DEGREES
                ),
            )
        )
    if not near:
        return []
    since = hazard.reported_at - timedelta(days=_DUPLICATE_WINDOW_DAYS)
    query = (
        hazards_for(actor)
        .where(
            Hazard.id.in_(sa.union(*near)),
            Hazard.id != hazard.id,
            same_township,
            Hazard.state.in_([s.value for s in OPEN_STATES]),
            Hazard.reported_at >= since,
        )
        .order_by(Hazard.reported_at.desc())
        .limit(10)
    )
    return list(session().scalars(query))


def staff_ticket(
    actor: Actor, hazard_id: int, purpose: str, report_id: int | None = None
) -> tuple[Hazard, list[PublicReport]]:
    """The ticket and its public reports, if ``actor`` may see it and act for ``purpose``.

    NotFoundError when the ticket is out of scope or has no (such) public report,
    ForbiddenError when the actor's role does not allow the purpose.
    """
    hazard = hazard_for(actor, hazard_id)
    reports = [r for r in public_reports_of(hazard.id) if report_id is None or r.id == report_id]
    if not reports:
        raise NotFoundError(Message(N_("This hazard has no public report.")))
    refused = staff_refusal(actor, hazard, purpose)
    if refused is not None:
        raise refused
    return hazard, reports


def write_public_reply(actor: Actor, hazard_id: int, data: Mapping[str, Any]) -> PublicReply:
    """Write a reply the reporter(s) of ticket ``hazard_id`` read on the tracking page."""
    with atomic() as current:
        hazard, _reports = staff_ticket(actor, hazard_id, REPLY)
        clean = parse_fields(PUBLIC_REPLY_FIELDS, data)
        reply = PublicReply(
            hazard_id=hazard.id,
            text=clean["text"],
            written_by_id=actor.user_id,
            written_at=clock.now(),
        )
        current.add(reply)
        current.flush()
    return reply


def record_reward(
    actor: Actor, hazard_id: int, report_id: int, data: Mapping[str, Any]
) -> PublicReport:
    """Record the district's reward decision for one public report of ticket ``hazard_id``."""
    with atomic() as current:
        hazard, (row,) = staff_ticket(actor, hazard_id, REWARD, report_id)
        final = _merge_chain(row.hazard)[-1]
        confirmed = final.confirmed_at is not None and final.state not in (
            State.REJECTED,
            State.MERGED,
        )
        config = current_app.config
        bounds = RewardBounds(
            Decimal(str(config["SAFELOOP_REWARD_MIN_YUAN"])),
            Decimal(str(config["SAFELOOP_REWARD_MAX_YUAN"])),
        )
        values = decide_reward(
            actor,
            hazard,
            confirmed,
            row.reward_decided_on is not None,
            data,
            bounds,
            clock.now().astimezone(clock.zone()).date(),
        )
        row.reward_eligible = values["eligible"]
        row.reward_amount = values["amount"]
        row.reward_decided_on = values["decided_on"]
        row.reward_reason = values["reason"]
        row.reward_decided_by_id = actor.user_id
        row.reward_decided_by_name = actor.name
        row.reward_recorded_at = clock.now()
        current.flush()
    return row


# --------------------------------------------------------------------------- photos


def is_public_photo(attachment: Attachment) -> bool:
    """Whether the attachment came with a public report (sent by the public, not staff)."""
    if attachment.uploaded_by_id != system_actor().user_id:
        return False
    return (
        session().scalar(
            sa.select(sa.func.count()).where(PublicReport.hazard_id == attachment.hazard_id)
        )
        or 0
    ) > 0


def served_photo(actor: Actor, attachment: Attachment) -> Path:
    """The file ``actor`` gets for ``attachment``: a public reporter's photo without its EXIF
    (location, device) for everyone outside the township's inspectors and the district."""
    if not attachment.content_type.startswith("image/") or not is_public_photo(attachment):
        return file_path(attachment)
    hazard = session().get(Hazard, attachment.hazard_id)
    if hazard is not None and may_see_reporter(actor, hazard):
        return file_path(attachment)
    return clean_copy_path(attachment)


def clean_copy_path(attachment: Attachment) -> Path:
    """A copy of an image with every metadata block dropped (made once, kept by checksum)."""
    extension = Path(attachment.stored_name).suffix or ".jpg"
    target = upload_root() / "clean" / f"{attachment.sha256}{extension}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(file_path(attachment)) as image:
            image_format = image.format or "JPEG"
            # Turned upright first (the orientation tag goes with the rest); Pillow writes no
            # EXIF, XMP or text chunks unless asked, and ``info`` is emptied to be sure.
            upright = ImageOps.exif_transpose(image) or image
            upright.info = {}
            buffer = io.BytesIO()
            if image_format == "JPEG":
                upright.convert("RGB").save(buffer, format="JPEG", quality=90)
            else:
                upright.save(buffer, format=image_format)
        target.write_bytes(buffer.getvalue())
    return target


__all__ = [
    "PublicPanel",
    "Tracking",
    "clean_copy_path",
    "is_public_photo",
    "likely_duplicates",
    "public_panel",
    "record_reward",
    "served_photo",
    "submit_public_report",
    "track",
    "write_public_reply",
]
