"""Benchmark (not a test): one deadline sweep over 1,000,000 tickets, 10% of them due.

    .venv/bin/python tests/bench/bench_sweep.py [--tickets 1000000] [--due 0.10]
                                                [--late-hours 24] [--keep DIR]

Builds a scratch SQLite database with the real migration chain, bulk-inserts the tickets with
Core ``executemany`` (no lifecycle calls: this measures the sweep, not the seeding), then runs
one sweep in a fresh process and reports its wall time and peak memory (VmHWM of that
process). Due tickets passed their rectification deadline up to ``--late-hours`` ago and were
never swept: with 24 each needs its overdue mark (one event, the enterprise officer told);
with 240 (a sweep after ten days down) most need all three levels (three events each, the
officer, the township inspector and the district supervisor told).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TOWNSHIPS = 5
ENTERPRISES_PER_TOWNSHIP = 20
CHUNK = 50_000


def build_app(database: Path):  # type: ignore[no-untyped-def]
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "UPLOAD_FOLDER": str(database.parent / "uploads"),
            "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )


def generate(database: Path, tickets: int, due_share: float, late_hours: int) -> dict[str, float]:
    import flask_migrate
    import sqlalchemy as sa

    from app.domain import roles
    from app.domain.vocabulary import RegionLevel
    from app.extensions import db
    from app.models import Enterprise, Hazard
    from app.services.territory import add_region
    from app.services.transaction import atomic
    from app.services.users import ensure_user
    from seed.loader import load_reference

    app = build_app(database)
    started = time.perf_counter()
    with app.app_context():
        flask_migrate.upgrade()
        assert app.test_cli_runner().invoke(args=["safeloop", "init"]).exit_code == 0
        load_reference()
        with atomic():
            district = add_region(None, RegionLevel.DISTRICT, "基准区", "339999")
            townships = [
                add_region(district, RegionLevel.TOWNSHIP, f"基准镇{n}", f"339999{n:03d}")
                for n in range(1, TOWNSHIPS + 1)
            ]
        enterprise_ids: list[tuple[int, int]] = []
        for township in townships:
            for n in range(ENTERPRISES_PER_TOWNSHIP):
                enterprise = Enterprise(
                    name=f"{township.name}企业{n}",
                    credit_code=f"B{township.id:04d}{n:013d}",
                    district_id=district.id,
                    township_id=township.id,
                )
                db.session.add(enterprise)
                db.session.flush()
                row = enterprise.id
                enterprise_ids.append((row, township.id))
        db.session.commit()
        users = [("district_b", roles.DISTRICT_SUPERVISOR, district.id, None)]
        users += [(f"inspector_b{t.id}", roles.TOWNSHIP_INSPECTOR, t.id, None) for t in townships]
        users += [(f"officer_b{e}", roles.ENTERPRISE_OFFICER, None, e) for e, _t in enterprise_ids]
        for username, role, region_id, enterprise_id in users:
            ensure_user(
                username,
                first_name=username,
                last_name="",
                email=f"{username}@bench.example",
                role_names=[role],
                password="safeloop123",
                region_id=region_id,
                enterprise_id=enterprise_id,
            )
        setup = time.perf_counter() - started

        now = datetime.now(UTC)
        table = Hazard.__table__
        due_every = round(1 / due_share)
        started = time.perf_counter()
        for offset in range(0, tickets, CHUNK):
            rows = []
            for n in range(offset, min(offset + CHUNK, tickets)):
                enterprise_id, township_id = enterprise_ids[n % len(enterprise_ids)]
                due = n % due_every == 0
                # Due tickets: past their deadline by up to ``late_hours``; others 1-60 days ahead.
                if due:
                    deadline = now - timedelta(minutes=1 + (n * 7919) % (late_hours * 60 - 1))
                else:
                    deadline = now + timedelta(days=1 + n % 60)
                rows.append(
                    {
                        "code": f"YH-B-{n:08d}",
                        "external_id": str(uuid.UUID(int=n)),
                        "version": 1,
                        "state": "rectifying",
                        "title": "基准隐患",
                        "description": "批量生成",
                        "grade": "general",
                        "source": "self_check",
                        "district_id": district.id,
                        "township_id": township_id,
                        "enterprise_id": enterprise_id,
                        "discovered_at": now - timedelta(days=20),
                        "reported_at": now - timedelta(days=20),
                        "confirmed_at": now - timedelta(days=19),
                        "deadline": deadline,
                        "original_deadline": deadline,
                        "extension_count": 0,
                        "rework_count": 0,
                        "fixed_on_spot": False,
                        "overdue": False,
                        "overdue_days": 0,
                        "escalation_level": 0,
                        "created_at": now - timedelta(days=20),
                        "last_event_at": now - timedelta(days=19),
                    }
                )
            db.session.execute(table.insert(), rows)
            db.session.commit()
        insert = time.perf_counter() - started
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    return {"setup_s": setup, "insert_s": insert}


def peak_rss_kb() -> int:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it restarts at exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def sweep_only(database: Path) -> None:
    """Run one sweep in this (fresh) process and print its figures as JSON."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import HazardEvent, Notification
    from app.services.deadlines import sweep_deadlines

    app = build_app(database)
    with app.app_context():
        baseline = peak_rss_kb()
        started = time.perf_counter()
        result = sweep_deadlines()
        elapsed = time.perf_counter() - started
        peak = peak_rss_kb()
        events = db.session.scalar(sa.select(sa.func.count()).select_from(HazardEvent))
        notes = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
        started = time.perf_counter()
        again = sweep_deadlines()
        second = time.perf_counter() - started
    print(
        json.dumps(
            {
                "sweep_s": round(elapsed, 2),
                "peak_rss_mb": round(peak / 1024, 1),
                "peak_rss_before_sweep_mb": round(baseline / 1024, 1),
                "steps_applied": result.steps_applied,
                "events_written": result.events_written,
                "notifications": result.notifications,
                "events_in_db": events,
                "notifications_in_db": notes,
                "second_sweep_s": round(second, 2),
                "second_sweep_steps": again.steps_applied,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=float, default=0.10)
    parser.add_argument(
        "--late-hours",
        type=int,
        default=24,
        help="due tickets are up to this late and were never swept (24: each needs one step, "
        "its overdue mark; 240: a sweep after ten days down catches up on every level)",
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep the database in DIR")
    parser.add_argument("--sweep-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sweep_only:
        sweep_only(args.sweep_only)
        return
    directory = args.keep or Path(tempfile.mkdtemp(prefix="safeloop-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "bench.db"
    pristine = directory / "pristine.db"
    try:
        if args.keep is not None and pristine.exists():
            print(f"reusing {pristine} (remove it to generate anew)", flush=True)
        else:
            figures = generate(pristine, args.tickets, args.due, args.late_hours)
            print(
                f"{args.tickets:,} tickets ({args.due:.0%} due, up to {args.late_hours} h late) "
                f"generated: set-up {figures['setup_s']:.1f} s, "
                f"bulk insert {figures['insert_s']:.1f} s",
                flush=True,
            )
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(pristine, database)
        run = subprocess.run(
            [sys.executable, __file__, "--sweep-only", str(database)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        result = json.loads(run.stdout.strip().splitlines()[-1])
        print(
            f"one sweep: {result['sweep_s']} s, peak memory {result['peak_rss_mb']} MB "
            f"(peak before the sweep {result['peak_rss_before_sweep_mb']} MB)\n"
            f"  steps applied {result['steps_applied']:,}, events written "
            f"{result['events_written']:,}, notifications {result['notifications']:,}\n"
            f"  a second sweep right after: {result['second_sweep_s']} s, "
            f"{result['second_sweep_steps']} steps"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
