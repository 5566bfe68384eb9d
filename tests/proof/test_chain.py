"""An auditor proves the timeline: every tampering with events, files or anchors is found."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask

from app.domain.errors import ConflictError
from app.domain.lifecycle import Action
from app.extensions import db
from app.models import Attachment, Hazard, HazardEvent
from app.services.attachments import file_path
from app.services.lifecycle import fire_transition
from app.services.proof import verify, write_anchors
from app.services.transaction import session
from tests.conftest import TEST_BACKEND
from tests.factories import SHANGHAI, World, build_world, confirm, report, to_pending_verification

pytestmark = pytest.mark.usefixtures("ctx")


def tamper(*statements: str, **params: Any) -> None:
    """Change the database behind SafeLoop's back, as someone with direct access could."""
    current = session()
    if current.get_bind().dialect.name == "postgresql":
        # What a superuser bent on hiding something does first: switch the triggers off.
        current.execute(sa.text("SET LOCAL session_replication_role = replica"))
    for statement in statements:
        current.execute(sa.text(statement), params)
    current.commit()


def event(hazard: Hazard, seq: int) -> HazardEvent:
    return (
        session()
        .scalars(
            sa.select(HazardEvent).where(HazardEvent.hazard_id == hazard.id, HazardEvent.seq == seq)
        )
        .one()
    )


def loop_ticket() -> tuple[World, Hazard]:
    world = build_world()
    report(world)  # a second, untouched ticket
    return world, to_pending_verification(world, report(world))


def only_finding(hazard: Hazard) -> Any:
    result = verify()
    assert not result.intact
    damaged = [f for f in result.findings if f.hazard_id is not None]
    assert {f.hazard_id for f in damaged} == {hazard.id}, [f.render() for f in damaged]
    assert len(damaged) == 1
    return damaged[0]


def test_untouched_tickets_are_intact_and_every_event_links_to_the_one_before() -> None:
    _world, hazard = loop_ticket()
    events = (
        session()
        .scalars(sa.select(HazardEvent).where(HazardEvent.hazard_id == hazard.id).order_by("seq"))
        .all()
    )
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == "0" * 64
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    session().refresh(hazard)
    assert hazard.chain_head == events[-1].hash
    result = verify()
    assert result.intact, [f.render() for f in result.findings]
    assert (result.tickets, result.events) == (2, 5)
    assert result.attachments == 3


def test_a_changed_comment_is_found_at_its_event() -> None:
    _world, hazard = loop_ticket()
    tamper("UPDATE hazard_event SET comment = '已整改' WHERE id = :id", id=event(hazard, 4).id)
    finding = only_finding(hazard)
    assert (finding.code, finding.seq) == (hazard.code, 4)
    assert "was changed" in finding.render()


def test_a_deleted_event_is_found_as_missing() -> None:
    _world, hazard = loop_ticket()
    tamper("DELETE FROM hazard_event WHERE id = :id", id=event(hazard, 2).id)
    finding = only_finding(hazard)
    assert finding.seq == 3
    assert "event 2 is missing" in finding.render()


def test_a_deleted_latest_event_is_found_by_the_ticket_head() -> None:
    _world, hazard = loop_ticket()
    tamper(
        "UPDATE attachment SET evidence_event_id = NULL WHERE evidence_event_id = :id",
        "DELETE FROM hazard_event WHERE id = :id",
        id=event(hazard, 4).id,
    )
    finding = only_finding(hazard)
    assert "latest event is missing" in finding.render()
    assert "event 3" in finding.render()


def test_two_swapped_events_are_found_at_the_first_of_them() -> None:
    _world, hazard = loop_ticket()
    second, third = event(hazard, 2).id, event(hazard, 3).id
    tamper(
        "UPDATE hazard_event SET seq = -1 WHERE id = :second",
        "UPDATE hazard_event SET seq = 2 WHERE id = :third",
        "UPDATE hazard_event SET seq = 3 WHERE id = :second",
        second=second,
        third=third,
    )
    finding = only_finding(hazard)
    assert (finding.seq, finding.event_id) == (2, third)


def test_a_replaced_photo_file_is_found_with_its_ticket_and_event() -> None:
    _world, hazard = loop_ticket()
    after = (
        session()
        .scalars(
            sa.select(Attachment).where(
                Attachment.hazard_id == hazard.id, Attachment.kind == "after_photo"
            )
        )
        .one()
    )
    file_path(after).write_bytes(file_path(after).read_bytes() + b"\0")
    finding = only_finding(hazard)
    assert (finding.code, finding.seq) == (hazard.code, 4)
    assert "was replaced" in finding.render()


def test_the_verify_command_names_the_broken_ticket_and_exits_non_zero(ctx: Flask) -> None:
    _world, hazard = loop_ticket()
    runner = ctx.test_cli_runner()
    intact = runner.invoke(args=["safeloop", "verify"])
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output
    tamper("UPDATE hazard_event SET comment = 'x' WHERE id = :id", id=event(hazard, 2).id)
    broken = runner.invoke(args=["safeloop", "verify"])
    assert broken.exit_code == 1
    assert f"BROKEN {hazard.code}: event 2" in broken.output


def test_day_anchors_chain_the_heads_of_each_day_and_a_changed_anchor_is_found() -> None:
    start = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as traveller:
        world = build_world()
        first = report(world)
        traveller.move_to(start + timedelta(days=1))
        confirm(world, first)
        report(world)
        traveller.move_to(start + timedelta(days=3))
        anchors = write_anchors()
        assert [(a.day.isoformat(), a.ticket_count) for a in anchors] == [
            ("2026-11-02", 1),
            ("2026-11-03", 2),
            ("2026-11-04", 0),
        ]
        assert [a.previous for a in anchors[1:]] == [a.hash for a in anchors[:-1]]
        assert write_anchors() == []
        assert verify().intact
    tamper("UPDATE chain_anchor SET ticket_count = 1 WHERE day = '2026-11-03'")
    findings = verify().findings
    assert [(f.day, f.hazard_id) for f in findings] == [("2026-11-03", None)]


@pytest.mark.skipif(TEST_BACKEND != "postgres", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_to_update_or_delete_an_event() -> None:
    world = build_world()
    hazard = report(world)
    for statement in ("UPDATE hazard_event SET comment = 'x'", "DELETE FROM hazard_event"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            session().execute(sa.text(statement))
        session().rollback()
    assert event(hazard, 1).comment == "二号仓库消防通道堆放纸箱"
    assert verify().intact


def test_many_concurrent_transitions_leave_every_chain_valid(ctx: Flask) -> None:
    world = build_world()
    tickets = [confirm(world, report(world)) for _ in range(3)]
    officer = world["officer_e1"]
    notes_per_thread, threads_per_ticket = 4, 3
    problems: list[BaseException] = []
    start = threading.Barrier(len(tickets) * threads_per_ticket)

    def work(hazard_id: int, thread: int) -> None:
        with ctx.app_context():
            try:
                start.wait(timeout=30)
                for n in range(notes_per_thread):
                    while True:
                        version = db.session.get(Hazard, hazard_id).version  # type: ignore[union-attr]
                        try:
                            fire_transition(
                                officer,
                                hazard_id,
                                Action.PROGRESS,
                                {"note": f"{thread}-{n}"},
                                version,
                            )
                            break
                        except ConflictError:
                            db.session.rollback()
            except BaseException as exc:
                problems.append(exc)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=work, args=(hazard.id, n))
        for hazard in tickets
        for n in range(threads_per_ticket)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert problems == []
    session().expire_all()
    result = verify()
    assert result.intact, [f.render() for f in result.findings]
    assert result.events == len(tickets) * (2 + notes_per_thread * threads_per_ticket)
