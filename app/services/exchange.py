"""The change feed and the exchange record (the national data specification's field set).

Every change of a ticket writes one timeline entry (``hazard_event``). The feed reads the
entries in (txid, id) order, and its cursor is the last entry's (txid, id), opaque to clients.

On PostgreSQL ``txid`` is the id of the transaction that wrote the entry (set by a trigger,
raised to the ticket's previous event's txid so that a ticket's events stay in their order;
see migration 0009). Transactions commit in any order, so a page only takes the entries whose
txid lies below the reading snapshot's xmin, the oldest transaction still running: every
transaction below it has finished, and any entry written later has a txid of at least xmin,
so it lands after the cursor, never before. Entries of running transactions (and of those
that committed after an older one that still runs) are held back until it finishes, never
skipped. Writers take no lock for this: transitions on different tickets never wait for each
other. On SQLite txid stays 0 and id order is commit order (one writer at a time, ids
allocated inside the write transaction).

A cursor from before the change (a plain entry id N) still works: it is (0, N), and entries
written before migration 0009 have txid 0.

A page returns each ticket at its current version, once: an entry whose ticket has moved on
since is skipped, because the entry of the newer version lies further on and will be read
there. A client that follows ``next`` therefore sees every ticket's every state it could
observe, in order, exactly once, even while transitions are committed during its reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.domain.errors import InvalidError
from app.domain.exchange import START, CodeKind, Cursor, encode_cursor
from app.domain.fields import invalid_data_message
from app.domain.messages import N_, Message
from app.domain.scope import Actor, Scope, scope_of
from app.models import ExchangeCode, Hazard, HazardEvent
from app.reports.columns import Column
from app.reports.render import Heading, Translate, write_csv, write_xlsx
from app.services import clock
from app.services.scoping import scope_clause
from app.services.transaction import session

MAX_PAGE = 1000
DEFAULT_PAGE = 100

CodeMap = Mapping[tuple[str, str], str]

# What the exchange record reads besides the ticket, loaded per page in a few queries.
_RECORD_LOADS = (
    selectinload(Hazard.plans),
    selectinload(Hazard.control_measures),
    selectinload(Hazard.category),
    selectinload(Hazard.enterprise),
    selectinload(Hazard.township),
)


@dataclass(frozen=True)
class Entry:
    """What the feed needs of one timeline entry (read as columns, not as an ORM object)."""

    id: int
    action: str
    to_state: str
    occurred_at: datetime
    version: int


@dataclass(frozen=True)
class Change:
    """One entry of the feed: the timeline entry and its ticket as it is now."""

    cursor: Cursor
    event: Entry
    hazard: Hazard


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    next_cursor: Cursor


def code_map() -> dict[tuple[str, str], str]:
    """Our values -> the specification's codes, as the admin set them."""
    rows = session().execute(sa.select(ExchangeCode.kind, ExchangeCode.value, ExchangeCode.code))
    return {(kind, value): code for kind, value, code in rows}


def feed_horizon() -> int | None:
    """The txid below which every entry is final (PostgreSQL: the current snapshot's xmin,
    the oldest transaction still running); None on SQLite, where every committed entry is.

    Read it before anything in the transaction writes or locks rows (its own id would hold
    the horizon back). A horizon read earlier stays valid for later statements: the entries
    below it were committed before it was read.
    """
    current = session()
    if current.get_bind().dialect.name != "postgresql":
        return None
    horizon = current.execute(
        sa.text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
    ).scalar_one()
    return int(horizon)


def _after(since: Cursor, horizon: int | None) -> sa.ColumnElement[bool]:
    """Entries after ``since`` in feed order that are final below ``horizon``."""
    after = sa.tuple_(HazardEvent.txid, HazardEvent.id) > sa.tuple_(
        sa.literal(since[0], sa.BigInteger), sa.literal(since[1], sa.BigInteger)
    )
    if horizon is None:
        return after
    return sa.and_(after, HazardEvent.txid < horizon)


def _window_end(since: Cursor, limit: int, horizon: int | None) -> Cursor | None:
    """The position of the ``limit``-th final entry after ``since`` (or of the last one)."""
    window = (
        sa.select(HazardEvent.txid, HazardEvent.id)
        .where(_after(since, horizon))
        .order_by(HazardEvent.txid, HazardEvent.id)
        .limit(limit)
        .subquery()
    )
    row = (
        session()
        .execute(
            sa.select(window.c.txid, window.c.id)
            .order_by(window.c.txid.desc(), window.c.id.desc())
            .limit(1)
        )
        .first()
    )
    return None if row is None else (int(row[0]), int(row[1]))


def feed_head() -> Cursor:
    """The position of the newest final entry: a reader starting there gets what comes next."""
    horizon = feed_horizon()
    query = sa.select(HazardEvent.txid, HazardEvent.id)
    if horizon is not None:
        query = query.where(HazardEvent.txid < horizon)
    row = (
        session()
        .execute(query.order_by(HazardEvent.txid.desc(), HazardEvent.id.desc()).limit(1))
        .first()
    )
    return START if row is None else (int(row[0]), int(row[1]))


def entries_after(
    scope: Scope,
    since: Cursor,
    limit: int,
    *,
    latest_only: bool = False,
    horizon: int | None = None,
) -> tuple[list[Change], Cursor]:
    """The timeline entries of the next window after ``since`` whose ticket lies in ``scope``
    (with ``latest_only``: only those the ticket is still at), in feed order; and the
    window's end, the next cursor.

    ``horizon`` is :func:`feed_horizon`, read here unless the caller read it earlier. The
    window is fixed first (the next ``limit`` final entries, whatever their scope) so that
    the cursor moves on even through entries the reader may not see.
    """
    if horizon is None:
        horizon = feed_horizon()
    end = _window_end(since, limit, horizon)
    if end is None:
        return [], since
    # Entries up to ``end`` are below the horizon: their transactions had finished before
    # ``end`` was read, so this second statement sees exactly the same entries, and tickets
    # at least as new.
    query = (
        sa.select(
            HazardEvent.txid,
            HazardEvent.id,
            HazardEvent.action,
            HazardEvent.to_state,
            HazardEvent.occurred_at,
            HazardEvent.version,
            Hazard,
        )
        .join(Hazard, Hazard.id == HazardEvent.hazard_id)
        .where(
            _after(since, horizon),
            sa.tuple_(HazardEvent.txid, HazardEvent.id)
            <= sa.tuple_(sa.literal(end[0], sa.BigInteger), sa.literal(end[1], sa.BigInteger)),
            scope_clause(Hazard, scope),
        )
        .order_by(HazardEvent.txid, HazardEvent.id)
        .options(*_RECORD_LOADS)
    )
    if latest_only:
        query = query.where(HazardEvent.version == Hazard.version)
    changes = [
        Change(
            (row.txid, row.id),
            Entry(row.id, row.action, row.to_state, row.occurred_at, row.version),
            row[6],
        )
        for row in session().execute(query)
    ]
    return changes, end


def changes_for(actor: Actor, since: Cursor = START, limit: int = DEFAULT_PAGE) -> ChangePage:
    """The tickets ``actor`` may see that changed after cursor ``since``: one page, oldest
    first, each ticket at its current version (see the module's docstring)."""
    limit = max(1, min(int(limit), MAX_PAGE))
    horizon = feed_horizon()
    if horizon is not None and since[0] >= horizon:
        # Every cursor handed out lies below a horizon, and horizons only grow: this one was
        # given out before the database was restored (transaction ids are the server's own).
        raise InvalidError(
            invalid_data_message(),
            {
                "since": Message(
                    N_(
                        "This cursor is from before the data was restored; "
                        "start again from the beginning (without a cursor)."
                    )
                )
            },
        )
    changes, end = entries_after(scope_of(actor), since, limit, latest_only=True, horizon=horizon)
    return ChangePage(changes, end)


# --------------------------------------------------------------------------- the record


def _day(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(clock.zone()).date().isoformat()
    return value.isoformat()


def _instant(value: datetime | None) -> str | None:
    return value.astimezone(clock.zone()).isoformat(timespec="seconds") if value else None


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _code(codes: CodeMap, kind: CodeKind, value: str | None) -> str | None:
    if value is None:
        return None
    return codes.get((kind.value, value), value)


def _measures(hazard: Hazard) -> str | None:
    lines = [m.description for m in hazard.control_measures]
    plan = hazard.current_plan
    if plan is not None:
        lines.append(plan.measures)
    return "\n".join(lines) or None


_FIVE = ("target", "responsibility", "measures", "funds", "time_limit", "emergency_plan")


def exchange_record(hazard: Hazard, codes: CodeMap) -> dict[str, Any]:
    """The ticket in the field set of the national hazard investigation data specification
    (《安全生产监督管理信息 隐患排查治理数据规范》): our values translated by ``codes``."""
    plan = hazard.current_plan
    category = hazard.category
    record: dict[str, Any] = {
        "external_id": hazard.external_id,
        "code": hazard.code,
        "version": hazard.version,
        "source": _code(codes, CodeKind.SOURCE, hazard.source),
        "category": _code(codes, CodeKind.CATEGORY, category.code if category else None),
        "category_name": category.name if category else None,
        "grade": _code(codes, CodeKind.GRADE, hazard.grade),
        "state": _code(codes, CodeKind.STATE, hazard.state),
        "title": hazard.title,
        "investigation_date": _day(hazard.discovered_at),
        "region_code": hazard.township.code if hazard.township else None,
        "enterprise_name": hazard.enterprise.name if hazard.enterprise else None,
        "enterprise_credit_code": hazard.enterprise.credit_code if hazard.enterprise else None,
        "place": hazard.address or (hazard.enterprise.address if hazard.enterprise else None),
        "part": hazard.location_part,
        "description": hazard.description,
        "responsible_unit": hazard.responsible_unit,
        "responsible_person": hazard.responsible_person,
        "deadline": _day(hazard.deadline),
        "measures": _measures(hazard),
        "finish_date": _day(hazard.finished_on),
        "check_date": _day(hazard.review_date),
        "check_org": hazard.reviewer_name,
        "check_result": hazard.review_result,
        "confirm_time": _instant(hazard.confirmed_at),
        "longitude": _number(hazard.longitude),
        "latitude": _number(hazard.latitude),
        "closed_date": _day(hazard.closed_at),
        "deleted": hazard.deleted_at is not None,
        "deleted_at": _instant(hazard.deleted_at),
        "changed_at": _instant(hazard.last_event_at),
    }
    if hazard.grade == "major":
        record["supervision"] = {
            "level": _code(codes, CodeKind.SUPERVISION_LEVEL, hazard.supervision_level),
            "organisation": hazard.supervising_org,
            "document_no": hazard.supervision_doc_no,
            "listed_date": _day(hazard.supervision_listed_on),
            "deadline": _day(hazard.supervision_deadline),
        }
        record["five_in_place"] = {
            name: {
                "done": getattr(plan, f"{name}_done_on", None) is not None,
                "date": _day(getattr(plan, f"{name}_done_on", None)),
            }
            for name in _FIVE
        }
        funds = plan.funds_amount if plan and plan.funds_amount is not None else None
        record["funds_10k_yuan"] = _number(funds if funds is not None else hazard.funds_spent)
    return record


def event_json(event: Entry, name: str, codes: CodeMap) -> dict[str, Any]:
    """One timeline entry as a webhook sends it: what happened and what the ticket became by
    it (its state coded like the record's, and its version)."""
    return {
        "id": event.id,
        "name": name,
        "action": event.action,
        "state": _code(codes, CodeKind.STATE, event.to_state),
        "version": event.version,
        "occurred_at": _instant(event.occurred_at),
    }


def change_json(change: Change, codes: CodeMap) -> dict[str, Any]:
    """One feed entry as the API sends it."""
    return {
        "cursor": encode_cursor(change.cursor),
        "action": change.event.action,
        "occurred_at": _instant(change.event.occurred_at),
        "version": change.hazard.version,
        "ticket": exchange_record(change.hazard, codes),
    }


def page_json(page: ChangePage) -> dict[str, Any]:
    codes = code_map()
    return {
        "changes": [change_json(c, codes) for c in page.changes],
        "next": encode_cursor(page.next_cursor),
    }


def seed_codes(defaults: Mapping[CodeKind, Mapping[str, str]]) -> int:
    """Add the default codes an admin has not set (their own values are kept)."""
    existing = {(kind, value) for kind, value in code_map()}
    added = 0
    for kind, values in defaults.items():
        for value, code in values.items():
            if (kind.value, value) not in existing:
                session().add(ExchangeCode(kind=kind.value, value=value, code=code))
                added += 1
    return added


def hazards_changed_between(
    scope: Scope, start: datetime, end: datetime, batch: int = 500
) -> Iterable[Sequence[Hazard]]:
    """Tickets in ``scope`` whose last change lies in [start, end), in id batches (keyset)."""
    last = 0
    while True:
        rows = (
            session()
            .scalars(
                sa.select(Hazard)
                .where(
                    Hazard.id > last,
                    Hazard.last_event_at >= start,
                    Hazard.last_event_at < end,
                    scope_clause(Hazard, scope),
                )
                .order_by(Hazard.id)
                .limit(batch)
                .options(*_RECORD_LOADS)
            )
            .all()
        )
        if not rows:
            return
        yield rows
        last = rows[-1].id


# --------------------------------------------------------------------------- period files

# The exchange record flattened to one row: (key, header msgid). Major-hazard fields are empty
# for a general hazard.
EXCHANGE_COLUMNS: tuple[Column, ...] = (
    Column("external_id", N_("External id"), 2.4),
    Column("code", N_("Code"), 2.0),
    Column("version", N_("Version"), 0.5),
    Column("source", N_("Source"), 0.6),
    Column("category", N_("Category"), 0.8),
    Column("category_name", N_("Category name"), 1.2),
    Column("grade", N_("Grade"), 0.5),
    Column("state", N_("State"), 0.5),
    Column("title", N_("Title"), 1.6),
    Column("investigation_date", N_("Investigation date"), 1.0),
    Column("region_code", N_("Region code"), 1.0),
    Column("enterprise_name", N_("Enterprise"), 1.6),
    Column("enterprise_credit_code", N_("Unified social credit code"), 1.5),
    Column("place", N_("Place"), 1.6),
    Column("part", N_("Part"), 1.0),
    Column("description", N_("Description"), 2.2),
    Column("responsible_unit", N_("Responsible unit"), 1.4),
    Column("responsible_person", N_("Responsible person"), 0.8),
    Column("deadline", N_("Deadline"), 1.0),
    Column("measures", N_("Measures"), 2.0),
    Column("finish_date", N_("Finish date"), 1.0),
    Column("check_date", N_("Check date"), 1.0),
    Column("check_org", N_("Checked by"), 1.0),
    Column("check_result", N_("Check result"), 0.8),
    Column("confirm_time", N_("Confirmed at"), 1.4),
    Column("longitude", N_("Longitude"), 0.8),
    Column("latitude", N_("Latitude"), 0.8),
    Column("supervision_level", N_("Supervision level"), 0.6),
    Column("supervision_organisation", N_("Supervising organisation"), 1.2),
    Column("supervision_document_no", N_("Supervision document number"), 1.2),
    Column("supervision_listed_date", N_("Listed on"), 1.0),
    Column("supervision_deadline", N_("Supervision deadline"), 1.0),
    *(
        Column(f"five_{name}_date", label, 1.0)
        for name, label in (
            ("target", N_("Target in place on")),
            ("responsibility", N_("Responsibility in place on")),
            ("measures", N_("Measures in place on")),
            ("funds", N_("Funds in place on")),
            ("time_limit", N_("Time limit in place on")),
            ("emergency_plan", N_("Emergency plan in place on")),
        )
    ),
    Column("funds_10k_yuan", N_("Funds (10k yuan)"), 0.8),
    Column("closed_date", N_("Closed (written off) on"), 1.0),
    # A soft-deleted ticket is in the period too: the platform must learn it is gone.
    Column("deleted_at", N_("Deleted at"), 1.4),
    Column("changed_at", N_("Changed at"), 1.4),
)


def flat_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """One exchange record as a row of :data:`EXCHANGE_COLUMNS`."""
    row = {k: v for k, v in record.items() if not isinstance(v, dict)}
    for key, value in (record.get("supervision") or {}).items():
        row[f"supervision_{key}"] = value
    for name, flags in (record.get("five_in_place") or {}).items():
        row[f"five_{name}_date"] = flags["date"]
    return row


def records_changed_between(actor: Actor, start: date, end: date) -> Iterator[dict[str, Any]]:
    """The exchange records of the tickets ``actor`` may see whose last change fell on a day
    from ``start`` to ``end`` (local dates), oldest id first, read in batches."""
    zone = clock.zone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    codes = code_map()
    for batch in hazards_changed_between(scope_of(actor), since, until):
        for hazard in batch:
            yield exchange_record(hazard, codes)
        session().expunge_all()  # keep memory flat on a long period


PERIOD_FORMATS = ("json", "csv", "xlsx")


def write_period_file(
    actor: Actor, start: date, end: date, fmt: str, out: BinaryIO, translate: Translate
) -> int:
    """Write the period's records to ``out`` as JSON, CSV or XLSX; return how many.

    The file is what a provincial platform's manual upload takes: the same field set as the
    change feed, one row (or object) per ticket.
    """
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for record in records_changed_between(actor, start, end):
            count += 1
            yield record

    if fmt == "json":
        out.write(
            b'{"from": "%s", "to": "%s", "tickets": ['
            % (
                start.isoformat().encode(),
                end.isoformat().encode(),
            )
        )
        for record in counted():
            if count > 1:
                out.write(b",")
            out.write(json.dumps(record, ensure_ascii=False).encode("utf-8"))
        out.write(b"]}")
        return count
    rows = (flat_record(record) for record in counted())
    heading = Heading(
        title=translate(N_("Hazard exchange")),
        scope="",
        period=f"{start.isoformat()} – {end.isoformat()}",
        generated_at=_instant(clock.now()) or "",
        generated_by=actor.name,
    )
    writer = write_csv if fmt == "csv" else write_xlsx
    writer(out, EXCHANGE_COLUMNS, rows, heading, translate)
    return count
