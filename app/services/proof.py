"""Proof for auditors: daily anchors over the event chains, and the check of everything.

:func:`write_anchors` pins each finished local day (the daily job); :func:`verify` recomputes
every chain, every attachment's SHA-256 and every anchor in one streaming pass, and reports the
first broken link of each damaged ticket. The hash rules are in ``app.domain.chain``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.domain.chain import GENESIS, anchor_hash, fields_hash, head_leaf, merkle_root
from app.domain.messages import N_, Message
from app.models import Attachment, ChainAnchor, Hazard, HazardEvent
from app.services import clock
from app.services.attachments import upload_root
from app.services.transaction import atomic, session

Progress = Callable[[int, int], None]
_STREAM_BATCH = 10_000


# --------------------------------------------------------------------------- anchors


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which local calendar ``day`` starts and the next one starts."""
    zone = clock.zone()
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def day_heads(day: date) -> list[tuple[int, str]]:
    """(ticket id, head at the end of ``day``) of every ticket with an event that day."""
    start, end = day_bounds(day)
    last = (
        sa.select(HazardEvent.hazard_id, sa.func.max(HazardEvent.seq).label("seq"))
        .where(HazardEvent.occurred_at >= start, HazardEvent.occurred_at < end)
        .group_by(HazardEvent.hazard_id)
        .subquery()
    )
    rows = session().execute(
        sa.select(HazardEvent.hazard_id, HazardEvent.hash)
        .join(
            last, sa.and_(last.c.hazard_id == HazardEvent.hazard_id, last.c.seq == HazardEvent.seq)
        )
        .order_by(HazardEvent.hazard_id)
    )
    return [(row.hazard_id, row.hash or "") for row in rows]


def day_root(heads: list[tuple[int, str]]) -> str:
    """The Merkle root of a day's (ticket id, head) pairs, in ticket order."""
    return merkle_root(head_leaf(ticket, head) for ticket, head in sorted(heads))


def yesterday() -> date:
    return clock.now().astimezone(clock.zone()).date() - timedelta(days=1)


def write_anchors(through: date | None = None) -> list[ChainAnchor]:
    """Write the anchor of every finished day up to ``through`` (default yesterday) that has
    none yet, from the day after the last anchor (or the first event's day). Idempotent."""
    through = min(through or yesterday(), yesterday())
    current = session()
    last = current.scalars(sa.select(ChainAnchor).order_by(ChainAnchor.day.desc()).limit(1)).first()
    if last is not None:
        day, previous = last.day + timedelta(days=1), last.hash
    else:
        first = current.scalar(sa.select(sa.func.min(HazardEvent.occurred_at)))
        if first is None:
            return []
        day, previous = first.astimezone(clock.zone()).date(), GENESIS
    written = []
    while day <= through:
        heads = day_heads(day)
        root = day_root(heads)
        anchor = ChainAnchor(
            day=day,
            ticket_count=len(heads),
            root=root,
            previous=previous,
            hash=anchor_hash(day, root, len(heads), previous),
            created_at=clock.now(),
        )
        try:
            with atomic() as transaction:
                transaction.add(anchor)
        except IntegrityError:
            # Another writer anchored this day first: continue from its anchor.
            anchor = current.scalars(sa.select(ChainAnchor).where(ChainAnchor.day == day)).one()
        written.append(anchor)
        previous = anchor.hash
        day += timedelta(days=1)
    return written


def anchor_of(day: date) -> ChainAnchor | None:
    """The anchor of ``day``, written now if the day is over and it is still missing."""
    write_anchors(day)
    return session().scalars(sa.select(ChainAnchor).where(ChainAnchor.day == day)).first()


def latest_anchor() -> ChainAnchor | None:
    """The anchor of the last finished day (written now if missing)."""
    write_anchors()
    return (
        session().scalars(sa.select(ChainAnchor).order_by(ChainAnchor.day.desc()).limit(1)).first()
    )


# --------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class Finding:
    """One broken link: which ticket and event (or anchor), and what differs."""

    message: Message
    hazard_id: int | None = None
    code: str | None = None
    seq: int | None = None
    event_id: int | None = None
    day: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "hazard_id": self.hazard_id,
            "code": self.code,
            "seq": self.seq,
            "event_id": self.event_id,
            "day": self.day,
            "msgid": self.message.msgid,
            "params": dict(self.message.params),
        }

    def render(self, gettext: Callable[[str], str] = lambda s: s) -> str:
        where = self.code or (self.day and gettext("anchor %(day)s") % {"day": self.day}) or ""
        return f"{where}: {self.message.render(gettext)}" if where else self.message.render(gettext)


@dataclass
class Verification:
    """What one check looked at and what it found."""

    tickets: int = 0
    events: int = 0
    attachments: int = 0
    anchors: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings

    @property
    def broken_tickets(self) -> int:
        return len({f.hazard_id for f in self.findings if f.hazard_id is not None})


def _short(value: str | None) -> str:
    return (value or "—")[:16]


class _Ticket:
    """The running check of one ticket's chain, event by event in sequence order."""

    def __init__(self, hazard_id: int, code: str, head: str | None) -> None:
        self.hazard_id, self.code, self.head = hazard_id, code, head
        self.expected_seq, self.previous = 1, GENESIS
        self.broken: Finding | None = None

    def finding(self, row: Any, msgid: str, **params: Any) -> Finding:
        return Finding(Message(msgid, params), self.hazard_id, self.code, row.seq, row.id)

    def check(self, row: Any, evidence: list[tuple[int, str]]) -> None:
        if self.broken is not None:
            return
        # Columns 1-11 of the row are the hashed fields in their canonical order.
        computed = fields_hash(row.prev_hash or GENESIS, row[1:12], evidence)
        if row.seq != self.expected_seq:
            self.broken = self.finding(
                row,
                N_("event %(expected)s is missing (the next one found is event %(seq)s)"),
                expected=self.expected_seq,
                seq=row.seq,
            )
        elif row.hash is None:
            self.broken = self.finding(row, N_("event %(seq)s has no hash"), seq=row.seq)
        elif computed != row.hash:
            self.broken = self.finding(
                row,
                N_(
                    "event %(seq)s (%(action)s, %(at)s) was changed: its content no longer "
                    "matches its hash (stored %(stored)s…, recomputed %(computed)s…)"
                ),
                seq=row.seq,
                action=row.action,
                at=row.occurred_at.isoformat(timespec="seconds"),
                stored=_short(row.hash),
                computed=_short(computed),
            )
        elif (row.prev_hash or GENESIS) != self.previous:
            self.broken = self.finding(
                row,
                N_(
                    "event %(seq)s does not follow the event before it (it links to "
                    "%(stored)s…, the previous event's hash is %(expected)s…)"
                ),
                seq=row.seq,
                stored=_short(row.prev_hash),
                expected=_short(self.previous),
            )
        self.expected_seq = row.seq + 1
        self.previous = row.hash or ""

    def close(self) -> Finding | None:
        if self.broken is not None:
            return self.broken
        if (self.head or GENESIS) != self.previous:
            return Finding(
                Message(
                    N_(
                        "the latest event is missing: the ticket's head is %(stored)s…, "
                        "the chain ends at event %(seq)s (%(computed)s…)"
                    ),
                    {
                        "stored": _short(self.head),
                        "seq": self.expected_seq - 1,
                        "computed": _short(self.previous),
                    },
                ),
                self.hazard_id,
                self.code,
                self.expected_seq,
            )
        return None


def _evidence_by_event() -> dict[int, list[tuple[int, str]]]:
    evidence: dict[int, list[tuple[int, str]]] = {}
    rows = session().execute(
        sa.select(Attachment.id, Attachment.sha256, Attachment.evidence_event_id).where(
            Attachment.evidence_event_id.is_not(None)
        )
    )
    for row in rows:
        evidence.setdefault(row.evidence_event_id, []).append((row.id, row.sha256))
    return evidence


def _event_rows() -> Iterator[Any]:
    """Every event in ticket and sequence order, its data as the stored JSON text, streamed
    (a server-side cursor on PostgreSQL) through Core rows, not ORM objects."""
    event = HazardEvent.__table__.c
    query = (
        sa.select(
            event.id,
            event.hazard_id,
            event.seq,
            event.action,
            event.from_state,
            event.to_state,
            event.actor_id,
            event.actor_name,
            event.actor_roles,
            event.occurred_at,
            event.comment,
            sa.cast(event.data, sa.Text).label("data"),
            event.prev_hash,
            event.hash,
            Hazard.code,
            Hazard.chain_head,
        )
        .join(Hazard, Hazard.id == event.hazard_id)
        .order_by(event.hazard_id, event.seq)
        .execution_options(stream_results=True, max_row_buffer=_STREAM_BATCH)
    )
    yield from session().connection().execute(query)


def _check_chains(
    result: Verification, anchor_days: set[date], progress: Callable[[], None]
) -> dict[date, dict[int, str]]:
    """Walk every event once; return each anchored day's ticket heads as found."""
    evidence = _evidence_by_event()
    zone = clock.zone()
    heads_by_day: dict[date, dict[int, str]] = {day: {} for day in anchor_days}
    ticket: _Ticket | None = None
    tickets_without_events = set(session().scalars(sa.select(Hazard.id)))
    for row in _event_rows():
        if ticket is None or ticket.hazard_id != row.hazard_id:
            if ticket is not None:
                _close(result, ticket)
            ticket = _Ticket(row.hazard_id, row.code, row.chain_head)
            tickets_without_events.discard(row.hazard_id)
        ticket.check(row, evidence.get(row.id, []))
        result.events += 1
        if anchor_days:
            day = row.occurred_at.astimezone(zone).date()
            if day in heads_by_day:
                heads_by_day[day][row.hazard_id] = row.hash or ""
        if result.events % _STREAM_BATCH == 0:
            progress()
    if ticket is not None:
        _close(result, ticket)
    for hazard in session().scalars(sa.select(Hazard).where(Hazard.id.in_(tickets_without_events))):
        result.tickets += 1
        result.findings.append(
            Finding(Message(N_("the ticket has no events at all")), hazard.id, hazard.code, 1)
        )
    return heads_by_day


def _close(result: Verification, ticket: _Ticket) -> None:
    result.tickets += 1
    found = ticket.close()
    if found is not None:
        result.findings.append(found)


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file's bytes, None when it is missing."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def _check_attachments(result: Verification) -> None:
    rows = session().execute(
        sa.select(
            Attachment.id,
            Attachment.stored_name,
            Attachment.sha256,
            Attachment.hazard_id,
            Hazard.code,
            HazardEvent.id.label("event_id"),
            HazardEvent.seq,
        )
        .join(Hazard, Hazard.id == Attachment.hazard_id)
        .outerjoin(HazardEvent, HazardEvent.id == Attachment.evidence_event_id)
        .order_by(Attachment.id)
    )
    root = upload_root()
    for row in rows:
        result.attachments += 1
        actual = file_sha256(root / row.stored_name)
        if actual == row.sha256:
            continue
        if actual is None:
            message = Message(
                N_("the file of attachment %(id)s (evidence of event %(seq)s) is missing"),
                {"id": row.id, "seq": row.seq or "—"},
            )
        else:
            message = Message(
                N_(
                    "the file of attachment %(id)s (evidence of event %(seq)s) was replaced: "
                    "recorded SHA-256 %(stored)s…, file %(computed)s…"
                ),
                {
                    "id": row.id,
                    "seq": row.seq or "—",
                    "stored": _short(row.sha256),
                    "computed": _short(actual),
                },
            )
        result.findings.append(Finding(message, row.hazard_id, row.code, row.seq, row.event_id))


def _check_anchors(
    result: Verification, anchors: list[ChainAnchor], heads_by_day: dict[date, dict[int, str]]
) -> None:
    previous = GENESIS
    for anchor in anchors:
        result.anchors += 1
        heads = heads_by_day.get(anchor.day, {})
        root = day_root(list(heads.items()))
        day = anchor.day.isoformat()
        if anchor.previous != previous:
            message = Message(
                N_(
                    "it does not follow the anchor before it (links to %(stored)s…, "
                    "expected %(expected)s…)"
                ),
                {"stored": _short(anchor.previous), "expected": _short(previous)},
            )
        elif anchor.hash != anchor_hash(
            anchor.day, anchor.root, anchor.ticket_count, anchor.previous
        ):
            message = Message(
                N_("its own hash was changed (%(stored)s…)"), {"stored": _short(anchor.hash)}
            )
        elif root != anchor.root or len(heads) != anchor.ticket_count:
            message = Message(
                N_(
                    "the tickets changed that day no longer give its root: %(count)s tickets "
                    "were anchored (root %(stored)s…), %(found)s found now (root %(computed)s…)"
                ),
                {
                    "count": anchor.ticket_count,
                    "stored": _short(anchor.root),
                    "found": len(heads),
                    "computed": _short(root),
                },
            )
        else:
            message = None
        if message is not None:
            result.findings.append(Finding(message, day=day))
        previous = anchor.hash


def verify(progress: Progress | None = None) -> Verification:
    """Recompute every chain, every attachment's SHA-256 and every anchor; read-only.

    ``progress(done, total)`` is called as events are checked (total = events + attachments).
    """
    current = session()
    total = (current.scalar(sa.select(sa.func.count()).select_from(HazardEvent)) or 0) + (
        current.scalar(sa.select(sa.func.count()).select_from(Attachment)) or 0
    )
    result = Verification()

    def tick() -> None:
        if progress is not None:
            progress(result.events + result.attachments, max(total, 1))

    anchors = list(current.scalars(sa.select(ChainAnchor).order_by(ChainAnchor.day)))
    heads_by_day = _check_chains(result, {a.day for a in anchors}, tick)
    _check_attachments(result)
    tick()
    _check_anchors(result, anchors, heads_by_day)
    return result
