"""The change feed while other processes commit transitions: nothing slips between two pages,
nothing comes twice (on SQLite and on PostgreSQL); and, on PostgreSQL, transitions on different
tickets do not wait for each other (the feed takes no lock) and the feed holds back the entries
of running transactions."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.domain.exchange import START, decode_cursor
from app.domain.lifecycle import Action
from app.domain.scope import EVERYTHING
from app.extensions import db
from app.models import Hazard
from app.services import lifecycle
from app.services.exchange import changes_for, entries_after, page_json
from tests.conftest import prepared_app, wipe_data
from tests.exchange.conftest import integration_account
from tests.factories import build_world, report
from tests.support.databases import BOTH_BACKENDS

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 3
TICKETS_PER_WRITER = 10
# Generous bounds for a shared machine; they only keep a broken run from hanging.
WAIT = 30.0


@pytest.fixture(scope="module")
def app_on(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Flask]]:
    """An app on a throw-away database of a backend, made once per module and backend: on
    SQLite a file, which the writer processes open too."""
    apps: dict[str, Flask] = {}
    with ExitStack() as stack:

        def on(backend: str) -> Flask:
            if backend not in apps:
                instance = tmp_path_factory.mktemp(f"{backend}-exchange")
                apps[backend] = stack.enter_context(prepared_app(instance, backend))
            return apps[backend]

        yield on


@pytest.fixture
def pg_app(app_on: Callable[[str], Flask]) -> Flask:
    return app_on("postgres")


def _start_writers(
    app: Flask,
    tickets: list[int],
    writers: list[subprocess.Popen[str]],
    logs: Sequence[IO[str]],
) -> None:
    """WRITERS processes, each editing its share of ``tickets`` once told to go; ``writers``
    holds each one as soon as it runs (to be stopped whatever happens). Each writes its
    errors to its file in ``logs``: a file, not a pipe, never fills up and blocks it."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    instance = str(Path(app.config["UPLOAD_FOLDER"]).parent)
    for n, log in zip(range(WRITERS), logs, strict=True):
        writers.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.exchange.feed_writer", url, instance, "inspector_a"]
                + [str(t) for t in tickets[n::WRITERS]],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        )
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"


def _stop(writers: list[subprocess.Popen[str]]) -> None:
    for writer in writers:
        if writer.poll() is None:
            writer.kill()
        writer.communicate()


def _read(log: IO[str]) -> str:
    log.seek(0)
    return log.read()


@pytest.mark.parametrize("backend", BOTH_BACKENDS)
def test_a_client_reading_while_other_processes_commit_misses_nothing_and_repeats_nothing(
    app_on: Callable[[str], Flask], backend: str
) -> None:
    # On SQLite the writers queue for the file's one write lock (busy timeout), and the
    # entry ids give the order; on PostgreSQL they write at once and the horizon does.
    app = app_on(backend)
    with app.app_context():
        world = build_world()
        province = integration_account(world.district)
        tickets = [report(world, title=f"隐患{n}").id for n in range(WRITERS * TICKETS_PER_WRITER)]
        start = page_json(changes_for(province, START, 1000))["next"]
        db.session.commit()
    seen: list[tuple[str, str, int]] = []
    writers: list[subprocess.Popen[str]] = []
    logs = ExitStack()
    try:
        # Closed by the ExitStack (ruff does not see enter_context as a with block).
        errors = [
            logs.enter_context(tempfile.TemporaryFile("w+"))  # noqa: SIM115
            for _ in range(WRITERS)
        ]
        _start_writers(app, tickets, writers, errors)
        with app.app_context():
            cursor = start

            def read_page() -> None:
                nonlocal cursor
                page = page_json(changes_for(province, decode_cursor(cursor), 3))
                db.session.rollback()
                assert decode_cursor(page["next"]) >= decode_cursor(cursor)
                for change in page["changes"]:
                    seen.append((change["cursor"], change["ticket"]["code"], change["version"]))
                cursor = page["next"]

            for writer in writers:
                assert writer.stdin is not None
                writer.stdin.write("go\n")
                writer.stdin.flush()
            deadline = time.monotonic() + WAIT
            while any(w.poll() is None for w in writers) and time.monotonic() < deadline:
                read_page()
            failed = [_read(log) for w, log in zip(writers, errors, strict=True) if w.poll() != 0]
            assert failed == []
            # Every edit is committed; the feed gives the rest as soon as no transaction of the
            # server is older than them (other databases' transactions count too).
            deadline = time.monotonic() + WAIT
            while len(seen) < len(tickets) and time.monotonic() < deadline:
                read_page()
            read_page()
            final = dict(
                db.session.execute(
                    sa.select(Hazard.code, Hazard.version).where(Hazard.id.in_(tickets))
                ).all()
            )
        assert all(version == 2 for version in final.values())
        pairs = [(code, version) for _, code, version in seen]
        # Repeats nothing, misses nothing: each ticket's edit exactly once …
        assert sorted(pairs) == sorted(final.items())
        # … in the order of the cursors.
        cursors = [decode_cursor(c) for c, _, _ in seen]
        assert cursors == sorted(cursors)
    finally:
        _stop(writers)
        logs.close()
        with app.app_context():
            wipe_data()


@contextmanager
def held_open(app: Flask, hazard_id: int, version: int, actor: Any) -> Iterator[threading.Thread]:
    """A transition on ``hazard_id`` written (ticket updated, event inserted) but not committed
    until the block ends; then it commits."""
    written, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold(session: Session) -> None:
        if threading.current_thread() is holder:
            written.set()
            assert release.wait(WAIT), "never released"

    def transition() -> None:
        with app.app_context():
            try:
                lifecycle.fire_transition(
                    actor, hazard_id, Action.EDIT, {"risk_point": "仓库"}, version
                )
            except BaseException as exc:
                errors.append(exc)
                written.set()
            finally:
                db.session.remove()

    holder = threading.Thread(target=transition)
    sa.event.listen(Session, "before_commit", hold)
    try:
        holder.start()
        assert written.wait(WAIT)
        assert errors == []
        yield holder
    finally:
        release.set()
        holder.join(WAIT)
        sa.event.remove(Session, "before_commit", hold)
    assert not holder.is_alive()
    assert errors == []


def _edit_in_thread(app: Flask, hazard_id: int, version: int, actor: Any) -> threading.Thread:
    errors: list[BaseException] = []

    def transition() -> None:
        with app.app_context():
            try:
                lifecycle.fire_transition(
                    actor, hazard_id, Action.EDIT, {"risk_point": "配电房"}, version
                )
            except BaseException as exc:
                errors.append(exc)
                raise
            finally:
                db.session.remove()

    thread = threading.Thread(target=transition)
    thread.start()
    thread.join(WAIT)
    assert errors == []
    return thread


@pytest.mark.postgres
def test_a_transition_on_another_ticket_does_not_wait_for_an_open_one(pg_app: Flask) -> None:
    with pg_app.app_context():
        world = build_world()
        first, second = report(world).id, report(world, title="配电箱未接地").id
        db.session.commit()
    inspector = world["inspector_a"]
    try:
        with held_open(pg_app, first, 1, inspector) as holder:
            other = _edit_in_thread(pg_app, second, 1, inspector)
            # It committed while the first ticket's transition was still open.
            assert not other.is_alive()
            assert holder.is_alive()
            with pg_app.app_context():
                versions = dict(
                    db.session.execute(
                        sa.select(Hazard.id, Hazard.version).where(Hazard.id.in_([first, second]))
                    ).all()
                )
                db.session.rollback()
            assert versions == {first: 1, second: 2}
    finally:
        with pg_app.app_context():
            wipe_data()


@pytest.mark.postgres
def test_an_entry_of_a_running_transaction_is_held_back_not_skipped(pg_app: Flask) -> None:
    with pg_app.app_context():
        world = build_world()
        province = integration_account(world.district)
        first, second = report(world).id, report(world, title="配电箱未接地").id
        codes = dict(
            db.session.execute(
                sa.select(Hazard.id, Hazard.code).where(Hazard.id.in_([first, second]))
            ).all()
        )
        start = page_json(changes_for(province, START, 1000))["next"]
        db.session.commit()
    inspector = world["inspector_a"]

    def read(cursor: str) -> dict[str, Any]:
        with pg_app.app_context():
            page = page_json(changes_for(province, decode_cursor(cursor), 100))
            db.session.rollback()
            return page

    try:
        # A writes its entry first (the lower transaction id) and stays open; B writes a later
        # entry and commits.
        with held_open(pg_app, first, 1, inspector):
            _edit_in_thread(pg_app, second, 1, inspector)
            page = read(start)
            # B's entry is committed but lies behind A's running transaction: not yet.
            assert page["changes"] == []
            assert page["next"] == start
        # A committed: both come, A's first, then nothing more.
        page = read(start)
        assert [(c["ticket"]["code"], c["version"]) for c in page["changes"]] == [
            (codes[first], 2),
            (codes[second], 2),
        ]
        assert decode_cursor(page["next"]) > decode_cursor(start)
        again = read(page["next"])
        assert again == {"changes": [], "next": page["next"]}
    finally:
        with pg_app.app_context():
            wipe_data()


@pytest.mark.postgres
def test_a_tickets_entries_keep_their_order_when_the_later_writer_started_first(
    pg_app: Flask,
) -> None:
    """A transaction that got its id before another one committed the ticket's previous
    event (the deadline sweep writes many tickets in one transaction) still comes after it:
    an entry's txid is raised to its ticket's previous entry's."""
    with pg_app.app_context():
        world = build_world()
        hazard_id = report(world).id
        db.session.commit()
    inspector = world["inspector_a"]
    started, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def early_writer() -> None:
        with pg_app.app_context():
            try:
                db.session.execute(sa.text("SELECT pg_current_xact_id()"))  # takes its id now
                started.set()
                assert go.wait(WAIT)
                lifecycle.fire_transition(
                    inspector, hazard_id, Action.EDIT, {"risk_point": "锅炉房"}, 2
                )
            except BaseException as exc:
                errors.append(exc)
                started.set()
            finally:
                db.session.remove()

    early = threading.Thread(target=early_writer)
    try:
        early.start()
        assert started.wait(WAIT)
        _edit_in_thread(pg_app, hazard_id, 1, inspector)  # a later id, committed first
        go.set()
        early.join(WAIT)
        assert not early.is_alive() and errors == []
        with pg_app.app_context():
            changes, _ = entries_after(EVERYTHING, START, 100)
            versions = [c.event.version for c in changes if c.hazard.id == hazard_id]
            db.session.rollback()
        assert versions == [1, 2, 3]
    finally:
        with pg_app.app_context():
            wipe_data()
