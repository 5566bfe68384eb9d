"""Benchmark (not a test): follow the change feed over N tickets; dispatch webhook deliveries.

    .venv/bin/python tests/bench/bench_exchange.py [--tickets 100000] [--page 1000]

Builds a scratch SQLite database with the real migration chain, bulk-inserts the tickets and
their timeline (one report per ticket, an edit for every second one) with Core
``executemany``, then times a district-wide integration account and a township one reading
the whole feed page by page, and one webhook dispatch of the last 10,000 changes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TOWNSHIPS = 5
CHUNK = 20_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=1000)
    args = parser.parse_args()

    import flask_migrate
    import sqlalchemy as sa

    from app import create_app
    from app.domain import roles
    from app.domain.exchange import START
    from app.domain.vocabulary import RegionLevel
    from app.extensions import db
    from app.models import Hazard, HazardEvent, WebhookSubscriber
    from app.services import webhooks
    from app.services.actors import actor_for
    from app.services.exchange import changes_for
    from app.services.territory import add_region
    from app.services.transaction import atomic
    from app.services.users import ensure_user
    from seed.loader import load_reference

    scratch = Path(tempfile.mkdtemp(prefix="bench-exchange-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch / 'bench.db'}",
            "UPLOAD_FOLDER": str(scratch / "uploads"),
            "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    figures: dict[str, float] = {"tickets": args.tickets}
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
        accounts = {}
        for name, region in (("province", district), ("township", townships[0])):
            user = ensure_user(
                name,
                first_name=name,
                last_name="",
                email=f"{name}@bench.example",
                role_names=[roles.INTEGRATION],
                password="safeloop123",
                region_id=region.id,
            )
            accounts[name] = actor_for(user)
        system = ensure_user(
            "bench_system",
            first_name="b",
            last_name="",
            email="b@bench.example",
            role_names=[roles.SYSTEM],
            password="safeloop123",
        )
        now = datetime.now(UTC)
        started = time.perf_counter()
        for offset in range(0, args.tickets, CHUNK):
            tickets, events = [], []
            for n in range(offset, min(offset + CHUNK, args.tickets)):
                edited = n % 2 == 0
                tickets.append(
                    {
                        "id": n + 1,
                        "code": f"YH-B-{n:08d}",
                        "external_id": str(uuid.UUID(int=n)),
                        "version": 2 if edited else 1,
                        "state": "reported",
                        "title": "基准隐患",
                        "description": "批量生成",
                        "grade": "general",
                        "source": "self_check",
                        "district_id": district.id,
                        "township_id": townships[n % TOWNSHIPS].id,
                        "discovered_at": now - timedelta(days=2),
                        "reported_at": now - timedelta(days=2),
                        "created_at": now - timedelta(days=2),
                        "last_event_at": now - timedelta(days=1),
                        "extension_count": 0,
                        "rework_count": 0,
                        "fixed_on_spot": False,
                        "overdue": False,
                        "overdue_days": 0,
                        "escalation_level": 0,
                    }
                )
                for version in (1, 2) if edited else (1,):
                    events.append(
                        {
                            "hazard_id": n + 1,
                            "seq": version,
                            "version": version,
                            "action": "report" if version == 1 else "edit",
                            "from_state": None if version == 1 else "reported",
                            "to_state": "reported",
                            "actor_id": system.id,
                            "actor_name": "基准",
                            "actor_roles": "",
                            "occurred_at": now - timedelta(days=1),
                            "data": {},
                        }
                    )
            db.session.execute(Hazard.__table__.insert(), tickets)
            db.session.execute(HazardEvent.__table__.insert(), events)
            db.session.commit()
        figures["insert_s"] = round(time.perf_counter() - started, 1)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()

        for name, actor in accounts.items():
            cursor, pages, changes = START, 0, 0
            started = time.perf_counter()
            while True:
                page = changes_for(actor, cursor, args.page)
                db.session.expunge_all()
                if page.next_cursor == cursor:
                    break
                cursor, pages, changes = page.next_cursor, pages + 1, changes + len(page.changes)
            elapsed = time.perf_counter() - started
            figures[f"{name}_pages"] = pages
            figures[f"{name}_changes"] = changes
            figures[f"{name}_s"] = round(elapsed, 2)
            figures[f"{name}_ms_per_page"] = round(1000 * elapsed / max(pages, 1), 1)

        # The subscriber's cursor 10,000 entries before the feed's end.
        txid, event_id = db.session.execute(
            sa.select(HazardEvent.txid, HazardEvent.id)
            .order_by(HazardEvent.txid.desc(), HazardEvent.id.desc())
            .offset(10_000)
            .limit(1)
        ).one()
        with atomic() as current:
            subscriber = WebhookSubscriber(
                name="bench",
                url="http://127.0.0.1:9/",
                secret="x",
                last_event_txid=txid,
                last_event_id=event_id,
            )
            current.add(subscriber)
        started = time.perf_counter()
        figures["dispatched"] = webhooks.dispatch(subscriber.id)
        figures["dispatch_s"] = round(time.perf_counter() - started, 2)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
