"""Benchmark (not a test): tracking look-ups and likely duplicates among many public reports.

    .venv/bin/python tests/bench/bench_public.py [--tickets 200000] [--lookups 2000]

Builds a scratch SQLite database with the real migration chain, bulk-inserts ``--tickets``
public-report tickets (five townships, random points in a 10 km box, a pool of addresses) each
with its ``public_report`` row, then times, per call: ``track`` of existing codes, of unknown
codes and of malformed ones (they should cost the same), and ``likely_duplicates`` as the
township's inspector. Prints the figures and SQLite's plan of the duplicates query as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_sweep import build_app  # noqa: E402

TOWNSHIPS = 5
CHUNK = 20_000


def timed(calls: list, repeat: int = 1) -> dict[str, float]:  # type: ignore[type-arg]
    samples = []
    for call in calls:
        started = time.perf_counter()
        for _ in range(repeat):
            call()
        samples.append((time.perf_counter() - started) * 1000 / repeat)
    samples.sort()
    return {
        "mean_ms": round(statistics.mean(samples), 3),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    args = parser.parse_args()

    import flask_migrate
    import sqlalchemy as sa

    from app.domain import roles
    from app.domain.public import new_tracking_code
    from app.domain.vocabulary import RegionLevel
    from app.extensions import db
    from app.models import Hazard, PublicReport
    from app.services.actors import actor_by_username
    from app.services.public_reports import likely_duplicates, track
    from app.services.territory import add_region
    from app.services.transaction import atomic
    from app.services.users import ensure_user
    from seed.loader import load_reference

    folder = Path(tempfile.mkdtemp(prefix="bench-public-"))
    app = build_app(folder / "bench.db")
    rng = random.Random(11)
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
        ensure_user(
            "inspector_bench",
            first_name="bench",
            last_name="",
            email="inspector@bench.example",
            role_names=[roles.TOWNSHIP_INSPECTOR],
            password="safeloop123",
            region_id=townships[0].id,
        )
        district_id, township_ids = district.id, [t.id for t in townships]
        now = datetime.now(UTC)
        addresses = [f"基准路{n}号" for n in range(5000)]
        codes: list[str] = []
        started = time.perf_counter()
        for offset in range(0, args.tickets, CHUNK):
            hazards, reports = [], []
            for n in range(offset, min(offset + CHUNK, args.tickets)):
                when = now - timedelta(minutes=rng.randrange(180 * 24 * 60))
                hazards.append(
                    {
                        "id": n + 1,
                        "code": f"YH-P-{n:08d}",
                        "external_id": str(uuid.UUID(int=n)),
                        "version": 1,
                        "state": rng.choice(["reported", "confirmed", "closed"]),
                        "title": "群众举报",
                        "description": "批量生成",
                        "grade": "general",
                        "source": "public_report",
                        "district_id": district_id,
                        "township_id": township_ids[n % TOWNSHIPS],
                        "address": rng.choice(addresses),
                        "latitude": Decimal("30.2") + Decimal(rng.randrange(90000)) / 1000000,
                        "longitude": Decimal("120.1") + Decimal(rng.randrange(90000)) / 1000000,
                        "discovered_at": when,
                        "reported_at": when,
                        "extension_count": 0,
                        "rework_count": 0,
                        "fixed_on_spot": False,
                        "overdue": False,
                        "overdue_days": 0,
                        "escalation_level": 0,
                        "created_at": when,
                        "last_event_at": when,
                    }
                )
                code = new_tracking_code()
                codes.append(code)
                reports.append(
                    {
                        "tracking_code": code,
                        "hazard_id": n + 1,
                        "reporter_name": "匿名",
                        "consent_text": "同意",
                        "submitted_at": when,
                    }
                )
            db.session.execute(Hazard.__table__.insert(), hazards)
            db.session.execute(PublicReport.__table__.insert(), reports)
            db.session.commit()
        insert_s = time.perf_counter() - started
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()

        sample = rng.sample(codes, args.lookups)
        unknown = [new_tracking_code() for _ in range(args.lookups)]
        malformed = [f"bad-{n}" for n in range(args.lookups)]
        figures = {
            "tickets": args.tickets,
            "insert_s": round(insert_s, 1),
            "track_existing": timed([lambda c=c: track(c) for c in sample]),
            "track_unknown": timed([lambda c=c: track(c) for c in unknown]),
            "track_malformed": timed([lambda c=c: track(c) for c in malformed]),
        }
        inspector = actor_by_username("inspector_bench")
        first_township = db.session.scalars(
            sa.select(Hazard).where(Hazard.township_id == township_ids[0]).limit(200)
        ).all()
        figures["likely_duplicates"] = timed(
            [lambda h=h: likely_duplicates(inspector, h) for h in first_township]
        )
        figures["duplicates_found_mean"] = statistics.mean(
            len(likely_duplicates(inspector, h)) for h in first_township[:50]
        )
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
