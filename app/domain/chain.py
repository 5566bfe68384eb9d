"""The tamper-evident timeline: how an event's hash and a day's anchor are computed.

Every event of a ticket carries ``hash = SHA-256(previous hash, canonical content)``; the first
event of a ticket links to :data:`GENESIS`. Changing, removing or reordering an event changes
its hash or breaks the link of the next one, and the ticket's stored head names the latest.

A day's anchor is a Merkle root over the heads (latest event hash at the end of the day) of
every ticket that changed that day, chained to the previous day's anchor, so a whole day's
history can be pinned by one 64-character value printed on a register.

The serialisation is the contract an outside checker re-implements, so it is kept small: a
UTF-8 JSON array of the fields (no spaces), the time in UTC ISO-8601 with microseconds, the
event's data as the JSON text the database holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

GENESIS = "0" * 64
ALGORITHM = "sha256"


class EventContent(NamedTuple):
    """What an event's hash covers: who, when, from, to, comment, data and its evidence.

    ``data`` is the JSON text exactly as stored (:func:`data_text`), so checking an event
    never has to parse and re-serialise it.
    """

    hazard_id: int
    seq: int
    action: str
    from_state: str | None
    to_state: str
    actor_id: int | None
    actor_name: str
    actor_roles: str
    occurred_at: datetime
    comment: str | None
    data: str
    # (attachment id, SHA-256 of its bytes) of every file the event used as evidence.
    evidence: Sequence[tuple[int, str]] = ()


def as_stored(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as it reads back from a JSON column (tuples become lists, keys strings)."""
    loaded: dict[str, Any] = json.loads(json.dumps(dict(data)))
    return loaded


def data_text(data: Mapping[str, Any]) -> str:
    """The JSON text a JSON column stores for ``data`` (SQLAlchemy's default serialiser)."""
    return json.dumps(data)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def canonical_event(content: EventContent) -> bytes:
    """The bytes an event's hash is computed over (without the link to the previous event):
    a JSON array of the fields in their declared order, the time as UTC ISO-8601 with
    microseconds, the evidence as [id, sha256] pairs sorted by attachment id."""
    return canonical_fields(content[:11], content.evidence)


def canonical_fields(fields: Sequence[Any], evidence: Sequence[tuple[int, str]]) -> bytes:
    """:func:`canonical_event` of the first eleven fields of :class:`EventContent`, in order
    (the check passes database rows straight in)."""
    values = list(fields)
    values[8] = values[8].astimezone(UTC).isoformat(timespec="microseconds")
    values.append([[int(i), str(sha)] for i, sha in sorted(evidence)])
    return _ENCODER.encode(values).encode("utf-8")


def event_hash(previous: str, content: EventContent) -> str:
    """The hash of an event: SHA-256 over the previous event's hash, a newline, the content."""
    return hashlib.sha256(previous.encode("ascii") + b"\n" + canonical_event(content)).hexdigest()


def fields_hash(previous: str, fields: Sequence[Any], evidence: Sequence[tuple[int, str]]) -> str:
    """:func:`event_hash` of the first eleven fields of :class:`EventContent`, in order."""
    canonical = canonical_fields(fields, evidence)
    return hashlib.sha256(previous.encode("ascii") + b"\n" + canonical).hexdigest()


def merkle_root(leaves: Iterable[str]) -> str:
    """Merkle root (SHA-256) over hex ``leaves`` in the given order; an odd one is carried up.

    An empty day has the root SHA-256("") so that every day has a comparable value.
    """
    level = [bytes.fromhex(leaf) for leaf in leaves]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    level = [hashlib.sha256(b"\x00" + leaf).digest() for leaf in level]
    while len(level) > 1:
        paired = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


def head_leaf(hazard_id: int, head: str) -> str:
    """One Merkle leaf: a ticket's id bound to its head, so heads cannot be swapped."""
    return hashlib.sha256(f"{hazard_id}:{head}".encode("ascii")).hexdigest()


def anchor_hash(day: date, root: str, ticket_count: int, previous: str) -> str:
    """The hash of a day's anchor, chained to the previous day's anchor hash."""
    text = f"{previous}\n{day.isoformat()}\n{ticket_count}\n{root}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()
