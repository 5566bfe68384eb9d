"""Benchmark (not a test): how fast and how lean the registers are at scale.

    .venv/bin/python tests/bench/bench_reports.py pdf 10000
    .venv/bin/python tests/bench/bench_reports.py pdf 100000
    .venv/bin/python tests/bench/bench_reports.py xlsx 1000000

Each run builds a scratch SQLite database under /tmp with N tickets (bulk inserts, with a
control measure and a plan for every tenth), then produces the hazard list in the given format
as a district supervisor, in this process, and prints rows, seconds, rows/s and the peak RSS.
Run one case per process so the peak memory belongs to that case alone. The CPU time is
printed next to the wall time: on a busy machine it is the figure that compares.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import ControlMeasure, Hazard, RectificationPlan  # noqa: E402

CHUNK = 20_000


def build(count: int, folder: Path) -> tuple[object, int]:
    from seed.loader import load_reference
    from tests.factories import build_world

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "SAFELOOP_REPORT_FOLDER": str(folder / "reports"),
            "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        app.test_cli_runner().invoke(args=["safeloop", "init"])
        load_reference()
        world = build_world()
        now = datetime.now(UTC)
        base = {
            "district_id": world.district.id,
            "township_id": world.township_a.id,
            "village_id": world.village_a.id,
            "grid_id": world.grid_a.id,
            "enterprise_id": world.e1.id,
            "category_id": world.category_id,
            "grade": "general",
            "source": "grid_patrol",
            "nature": "unsafe_condition",
            "responsible_unit": "甲机械厂",
            "responsible_person": "赵总",
        }
        states = ["reported", "confirmed", "rectifying", "pending_verification", "closed"]
        for start in range(0, count, CHUNK):
            rows = []
            for n in range(start, min(start + CHUNK, count)):
                rows.append(
                    {
                        **base,
                        "code": f"YH-339901001-2026-{n:07d}",
                        "external_id": str(uuid.uuid4()),
                        "version": 1,
                        "state": states[n % len(states)],
                        "title": f"隐患{n}",
                        "description": "二号仓库消防通道堆放纸箱，影响人员疏散，需立即清理。",
                        "address": "甲村工业区8号",
                        "discoverer_name": "网格员",
                        "discovered_at": now - timedelta(days=n % 300),
                        "reported_at": now - timedelta(days=n % 300),
                        "deadline": now + timedelta(days=(n % 30) - 10),
                        "original_deadline": now + timedelta(days=(n % 30) - 10),
                        "last_event_at": now,
                        "created_at": now,
                        "overdue": False,
                        "overdue_days": 0,
                        "escalation_level": 0,
                        "extension_count": 0,
                        "rework_count": 0,
                        "fixed_on_spot": False,
                    }
                )
            db.session.execute(sa.insert(Hazard), rows)
            db.session.commit()
        db.session.execute(
            sa.insert(ControlMeasure).from_select(
                ["hazard_id", "kind", "description", "recorded_at"],
                sa.select(
                    Hazard.id,
                    sa.literal("cordon"),
                    sa.literal("设置警戒区"),
                    sa.literal(now.replace(tzinfo=None)),
                ).where(Hazard.id % 10 == 0),
            )
        )
        db.session.execute(
            sa.insert(RectificationPlan).from_select(
                ["hazard_id", "filed_at", "measures", "responsible_person", "deadline"],
                sa.select(
                    Hazard.id,
                    sa.literal(now.replace(tzinfo=None)),
                    sa.literal("清理通道"),
                    sa.literal("钱主任"),
                    sa.literal(now.date()),
                ).where(Hazard.id % 10 == 0),
            )
        )
        db.session.commit()
        return app, world["district"].user_id


def bench_app(folder: Path) -> object:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "SAFELOOP_REPORT_FOLDER": str(folder / "reports"),
        }
    )


def main() -> None:
    if sys.argv[1] == "build":
        _, user_id = build(int(sys.argv[2]), Path(sys.argv[3]))
        print(user_id)
        return
    fmt, count = sys.argv[1], int(sys.argv[2])
    folder = Path(tempfile.mkdtemp(prefix="safeloop-bench-"))
    started = time.perf_counter()
    # The data is built by a child process, so this one's peak memory is the report's alone.
    output = subprocess.run(
        [sys.executable, __file__, "build", str(count), str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    user_id = int(output.strip().splitlines()[-1])
    built = time.perf_counter() - started
    app = bench_app(folder)
    with app.app_context():  # type: ignore[attr-defined]
        from flask_appbuilder.security.sqla.models import User

        from app.services.actors import actor_for
        from app.services.reports import produce_report, request_report

        actor = actor_for(db.session.get(User, user_id))
        report = request_report(actor, "hazard", fmt, {})
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started, cpu_started = time.perf_counter(), time.process_time()
        done = produce_report(report.id)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{fmt} {done.row_count} rows: {seconds:.1f} s (CPU {cpu:.1f} s), "
        f"{done.row_count / seconds:,.0f} rows/s, "
        f"file {done.size_bytes / 1e6:.1f} MB, peak RSS {peak:.0f} MB "
        f"(before the report {rss_before:.0f} MB; data built in {built:.0f} s)"
    )


if __name__ == "__main__":
    main()
