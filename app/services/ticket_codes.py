"""Hand out ticket codes ``YH-<township>-<year>-<seq>`` without collisions under concurrency.

A counter row per (township, year) is incremented with one UPDATE … RETURNING inside the
reporting transaction: PostgreSQL locks the row until commit and SQLite serialises writers, so
two reports never read the same number. A rolled-back report may leave a gap; codes need not
be contiguous, only unique (the unique index on ``hazard.code`` is the last guard).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.domain.codes import format_ticket_code
from app.models import Region, TicketSequence
from app.services.transaction import session


def _insert_counter(township_id: int, year: int) -> sa.Executable:
    values = {"township_id": township_id, "year": year, "last_value": 0}
    dialect = session().get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(TicketSequence).values(values).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(TicketSequence).values(values).on_conflict_do_nothing()
    raise NotImplementedError(f"ticket codes on {dialect}")


def allocate_ticket_code(township: Region, year: int) -> str:
    """The next code for a ticket of ``township`` reported in ``year`` (inside a transaction)."""
    current = session()
    current.execute(_insert_counter(township.id, year))
    number = current.execute(
        sa.update(TicketSequence)
        .where(TicketSequence.township_id == township.id, TicketSequence.year == year)
        .values(last_value=TicketSequence.last_value + 1)
        .returning(TicketSequence.last_value)
    ).scalar_one()
    return format_ticket_code(township.code, year, number)
