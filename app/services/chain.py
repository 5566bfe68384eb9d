"""Writing the chains: an event's content as the domain hashes it, and the ticket's head.

The rules of the hash are in ``app.domain.chain``; this module feeds it from rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.chain import EventContent, data_text
from app.models import Hazard
from app.services.transaction import session


def event_content(event: Any, evidence: Sequence[tuple[int, str]] = ()) -> EventContent:
    """The hashed content of ``event``: a HazardEvent about to be written (data a dict), or a
    row read back with its data as the stored JSON text."""
    data = event.data if isinstance(event.data, str) else data_text(event.data or {})
    return EventContent(
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
        data,
        evidence,
    )


def advance_head(hazard: Hazard, head: str) -> None:
    """Store ``head`` as the ticket's latest event hash.

    A plain UPDATE, not through the ORM: the ORM would bump the version a second time for the
    same event (one version per event). The caller's version UPDATE already holds the row.
    """
    session().execute(
        sa.update(Hazard.__table__)
        .where(Hazard.__table__.c.id == hazard.id)
        .values(chain_head=head)
    )
    set_committed_value(hazard, "chain_head", head)


def advance_heads(heads: dict[int, str]) -> None:
    """Store many tickets' heads at once (the deadline sweep's events)."""
    if not heads:
        return
    table = Hazard.__table__
    session().execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("ticket"))
        .values(chain_head=sa.bindparam("head")),
        [{"ticket": ticket, "head": head} for ticket, head in heads.items()],
    )
