"""Tickets that exist when the chain migration runs get their chains computed by it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.models import Hazard
from app.services.proof import verify
from app.services.transaction import session
from tests.factories import build_world, report, to_pending_verification
from tests.proof.test_chain import tamper

pytestmark = pytest.mark.usefixtures("ctx")

MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0007_event_chain.py"


def chain_migration() -> object:
    spec = importlib.util.spec_from_file_location("chain_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_chains_the_events_already_there() -> None:
    world = build_world()
    to_pending_verification(world, report(world))
    report(world)
    heads = dict(session().execute(sa.select(Hazard.id, Hazard.chain_head)).all())
    # The rows as they were before the migration: no hashes, no heads.
    tamper(
        "UPDATE hazard_event SET prev_hash = NULL, hash = NULL",
        "UPDATE hazard SET chain_head = NULL",
    )
    assert not verify().intact
    if session().get_bind().dialect.name == "postgresql":
        # The migration chains the events before it creates the append-only trigger.
        session().execute(sa.text("SET LOCAL session_replication_role = replica"))
    chain_migration()._chain_existing_events(session().connection())  # type: ignore[attr-defined]
    session().commit()
    assert dict(session().execute(sa.select(Hazard.id, Hazard.chain_head)).all()) == heads
    result = verify()
    assert result.intact and result.events == 5
