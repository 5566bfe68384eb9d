"""Benchmark (not a test): the cost of the tamper-evident timeline (issue 13).

    .venv/bin/python tests/bench/bench_proof.py verify [--events 1000000] [--per-ticket 10]
    .venv/bin/python tests/bench/bench_proof.py transition [--count 300]

``verify``: builds a scratch SQLite database with the real migration chain, bulk-inserts
tickets and their chained events with Core ``executemany`` (hashes computed as the app does),
then times ``flask safeloop verify``'s service (``app.services.proof.verify``) in a fresh
process. Target: 1,000,000 events under 60 s.

``transition``: fires ``--count`` progress notes through ``fire_transition`` with the chain
(hash + head update) and as many with the chain switched off (hash a constant, no head
update), interleaved in rounds, and reports the mean time per transition of each and the
overhead. Target: under 10 %.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CHUNK = 20_000


def build_app(database: Path):  # type: ignore[no-untyped-def]
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "UPLOAD_FOLDER": str(database.parent / "uploads"),
            "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )


def prepared(database: Path):  # type: ignore[no-untyped-def]
    import flask_migrate

    from seed.loader import load_reference

    app = build_app(database)
    with app.app_context():
        flask_migrate.upgrade()
        assert app.test_cli_runner().invoke(args=["safeloop", "init"]).exit_code == 0
        load_reference()
    return app


def generate(database: Path, events: int, per_ticket: int) -> float:
    from app.domain.chain import GENESIS, EventContent, data_text, event_hash
    from app.domain.vocabulary import RegionLevel
    from app.extensions import db
    from app.models import Hazard, HazardEvent
    from app.services.territory import add_region
    from app.services.transaction import atomic

    app = prepared(database)
    started = time.perf_counter()
    with app.app_context():
        with atomic():
            district = add_region(None, RegionLevel.DISTRICT, "基准区", "339999")
            township = add_region(district, RegionLevel.TOWNSHIP, "基准镇", "339999001")
        tickets = events // per_ticket
        base = datetime.now(UTC) - timedelta(days=30)
        for offset in range(0, tickets, CHUNK):
            hazards, rows = [], []
            for n in range(offset, min(offset + CHUNK, tickets)):
                previous = GENESIS
                for seq in range(1, per_ticket + 1):
                    at = base + timedelta(minutes=seq)
                    content = EventContent(
                        n + 1,
                        seq,
                        "progress",
                        "rectifying",
                        "rectifying",
                        None,
                        "基准",
                        "",
                        at,
                        f"进展 {seq}",
                        data_text({"note": f"进展 {seq}"}),
                    )
                    digest = event_hash(previous, content)
                    rows.append(
                        {
                            "hazard_id": n + 1,
                            "seq": seq,
                            "action": "progress",
                            "from_state": "rectifying",
                            "to_state": "rectifying",
                            "actor_id": None,
                            "actor_name": "基准",
                            "actor_roles": "",
                            "occurred_at": at,
                            "comment": f"进展 {seq}",
                            "data": {"note": f"进展 {seq}"},
                            "version": seq,
                            "prev_hash": previous,
                            "hash": digest,
                        }
                    )
                    previous = digest
                hazards.append(
                    {
                        "id": n + 1,
                        "code": f"YH-B-{n:08d}",
                        "external_id": str(uuid.UUID(int=n)),
                        "version": per_ticket,
                        "state": "rectifying",
                        "title": "基准隐患",
                        "description": "批量生成",
                        "grade": "general",
                        "source": "self_check",
                        "district_id": district.id,
                        "township_id": township.id,
                        "discovered_at": base,
                        "reported_at": base,
                        "extension_count": 0,
                        "rework_count": 0,
                        "fixed_on_spot": False,
                        "overdue": False,
                        "overdue_days": 0,
                        "escalation_level": 0,
                        "created_at": base,
                        "last_event_at": base + timedelta(minutes=per_ticket),
                        "chain_head": previous,
                    }
                )
            db.session.execute(Hazard.__table__.insert(), hazards)
            db.session.execute(HazardEvent.__table__.insert(), rows)
            db.session.commit()
        db.engine.dispose()
    return time.perf_counter() - started


def verify_only(database: Path) -> None:
    from app.services.proof import verify

    app = build_app(database)
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        result = verify()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        json.dumps(
            {
                "verify_s": round(elapsed, 2),
                # CPU time of this process: what the check costs on a machine not shared.
                "verify_cpu_s": round(cpu, 2),
                "tickets": result.tickets,
                "events": result.events,
                "intact": result.intact,
            }
        )
    )


def bench_verify(events: int, per_ticket: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "bench.db"
        built = generate(database, events, per_ticket)
        print(f"generated {events} events in {built:.1f} s", file=sys.stderr)
        out = subprocess.run(
            [sys.executable, __file__, "_verify_only", str(database)],
            check=True,
            capture_output=True,
            text=True,
        )
        print(out.stdout.strip().splitlines()[-1])


def bench_transition(count: int) -> None:
    import app.services.lifecycle as lifecycle
    from app.domain.lifecycle import Action
    from app.extensions import db
    from app.models import Hazard
    from tests.factories import build_world, confirm, report

    with tempfile.TemporaryDirectory() as scratch:
        app = prepared(Path(scratch) / "bench.db")
        with app.app_context():
            world = build_world()
            hazard_id = confirm(world, report(world)).id
            officer = world["officer_e1"]
            chained = (lifecycle.event_hash, lifecycle.advance_head)

            def fire(n: int) -> float:
                version = db.session.get(Hazard, hazard_id).version  # type: ignore[union-attr]
                started = time.perf_counter()
                lifecycle.fire_transition(
                    officer, hazard_id, Action.PROGRESS, {"note": f"进展 {n}"}, version
                )
                return time.perf_counter() - started

            timings: dict[str, list[float]] = {"with": [], "without": []}
            for round_ in range(count // 50):
                for mode in ("with", "without") if round_ % 2 == 0 else ("without", "with"):
                    if mode == "with":
                        lifecycle.event_hash, lifecycle.advance_head = chained
                    else:
                        lifecycle.event_hash = lambda previous, content: "0" * 64
                        lifecycle.advance_head = lambda hazard, head: None
                    timings[mode] += [fire(round_ * 100 + n) for n in range(50)]
            lifecycle.event_hash, lifecycle.advance_head = chained
    with_ms = 1000 * sum(timings["with"]) / len(timings["with"])
    without_ms = 1000 * sum(timings["without"]) / len(timings["without"])
    print(
        json.dumps(
            {
                "transitions_each": len(timings["with"]),
                "with_chain_ms": round(with_ms, 2),
                "without_chain_ms": round(without_ms, 2),
                "overhead_pct": round(100 * (with_ms - without_ms) / without_ms, 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["verify", "transition", "_verify_only"])
    parser.add_argument("database", nargs="?")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-ticket", type=int, default=10)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    if args.what == "_verify_only":
        verify_only(Path(args.database))
    elif args.what == "verify":
        bench_verify(args.events, args.per_ticket)
    else:
        bench_transition(args.count)


if __name__ == "__main__":
    main()
