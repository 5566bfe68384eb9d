"""Benchmark (not a test): the dashboard summary over many tickets on SQLite.

    .venv/bin/python tests/bench/bench_dashboard.py 1000000
    .venv/bin/python tests/bench/bench_dashboard.py 1000000 /tmp/safeloop-bench-dash  # reuse

Builds (once per folder) a scratch SQLite database with N tickets spread over two townships,
both grades, every state, a year of report dates, closed tickets with closing times, overdue and
supervised ones; then times ``dashboard.summary`` (what GET /api/v1/dashboard/summary runs),
the 12-month trend and the breakdowns for the district (all time and one month) and for a
township inspector, best of three runs each. Target: the summary under 1 s at 1,000,000.
"""

from __future__ import annotations

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
from app.models import Hazard  # noqa: E402

CHUNK = 20_000
STATES = ["reported", "confirmed", "controlled", "rectifying", "pending_verification"]
STATES += ["closed"] * 4 + ["rejected"]


def bench_app(folder: Path) -> object:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "SAFELOOP_REPORT_FOLDER": str(folder / "reports"),
            "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )


def build(count: int, folder: Path) -> None:
    from seed.loader import load_reference
    from tests.factories import build_world

    app = bench_app(folder)
    with app.app_context():  # type: ignore[attr-defined]
        flask_migrate.upgrade()
        app.test_cli_runner().invoke(args=["safeloop", "init"])  # type: ignore[attr-defined]
        load_reference()
        world = build_world()
        now = datetime.now(UTC)
        places = [
            (world.township_a, world.village_a.id, world.grid_a.id, world.e1.id),
            (world.township_b, None, world.grid_b.id, world.b1.id),
        ]
        for start in range(0, count, CHUNK):
            rows = []
            for n in range(start, min(start + CHUNK, count)):
                township, village, grid, enterprise = places[n % 2]
                state = STATES[n % len(STATES)]
                reported = now - timedelta(hours=n % 8760)
                deadline = reported + timedelta(days=7)
                closed = reported + timedelta(hours=n % 400) if state == "closed" else None
                is_open = state not in {"closed", "rejected"}
                rows.append(
                    {
                        "district_id": world.district.id,
                        "township_id": township.id,
                        "village_id": village,
                        "grid_id": grid,
                        "enterprise_id": enterprise,
                        "category_id": world.category_id,
                        "grade": "major" if n % 50 == 0 else "general",
                        "source": "self_check" if n % 3 == 0 else "grid_patrol",
                        "code": f"YH-BENCH-{n:08d}",
                        "external_id": str(uuid.uuid4()),
                        "version": 1,
                        "state": state,
                        "title": f"隐患{n}",
                        "description": "二号仓库消防通道堆放纸箱，影响人员疏散，需立即清理。",
                        "discovered_at": reported,
                        "reported_at": reported,
                        "confirmed_at": reported + timedelta(hours=5)
                        if state != "reported"
                        else None,
                        "deadline": deadline,
                        "original_deadline": deadline,
                        "closed_at": closed,
                        "last_event_at": now,
                        "created_at": now,
                        "overdue": is_open and n % 7 == 0,
                        "overdue_days": 0,
                        "escalation_level": 0,
                        "extension_count": 1 if n % 40 == 0 else 0,
                        "rework_count": 1 if n % 30 == 0 else 0,
                        "fixed_on_spot": False,
                        "supervision_level": "county" if is_open and n % 500 == 0 else None,
                    }
                )
            db.session.execute(sa.insert(Hazard), rows)
            db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def best_of(runs: int, work: object) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of ``runs`` runs (the machine may be shared)."""
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        work()  # type: ignore[operator]
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    count = int(sys.argv[1])
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp(prefix="sl-dash-"))
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "bench.db").exists():
        started = time.perf_counter()
        build(count, folder)
        print(f"built {count:,} tickets in {time.perf_counter() - started:.0f} s ({folder})")
    app = bench_app(folder)
    with app.app_context():  # type: ignore[attr-defined]
        flask_migrate.upgrade()  # a reused folder may predate the latest migration
        from app.domain.oversight import Period, month_period
        from app.services import dashboard
        from app.services.actors import actor_by_username

        district = actor_by_username("district")
        inspector = actor_by_username("inspector_a")
        today = dashboard.today_local()
        month = month_period(today.year, today.month)
        cases = [
            ("summary, district, all time", lambda: dashboard.summary(district, Period())),
            ("summary, district, this month", lambda: dashboard.summary(district, month)),
            ("summary, inspector, all time", lambda: dashboard.summary(inspector, Period())),
            ("12-month trend, district", lambda: dashboard.trend(district)),
            ("breakdowns, district, all time", lambda: dashboard.breakdowns(district, Period())),
        ]
        from app.domain.geo import no_shift
        from app.models import Enterprise
        from app.services import hazard_map

        # The tickets are placed at their enterprises (the map's fallback for a ticket without
        # its own coordinates).
        db.session.execute(
            sa.update(Enterprise).values(
                longitude=120.1 + Enterprise.id / 100, latitude=30.2 + Enterprise.id / 100
            )
        )
        db.session.commit()
        recent = hazard_map.MapFilters(period=month)
        cases.append(
            (
                "map hazards, district, this month, zoom 12",
                lambda: hazard_map.hazard_features(district, recent, None, 12, no_shift),
            )
        )
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Hazard))
        print(f"{total:,} tickets")
        for name, work in cases:
            wall, cpu = best_of(3, work)
            print(f"{name}: {wall:.3f} s wall, {cpu:.3f} s CPU")


if __name__ == "__main__":
    main()
