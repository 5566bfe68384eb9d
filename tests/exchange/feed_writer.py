"""A writer in a process of its own, for the change-feed concurrency test: it fires an edit on
each ticket it is given, committing slowly, while the test's client follows the feed.

    python -m tests.exchange.feed_writer DATABASE_URL INSTANCE_FOLDER USERNAME TICKET_ID...

It prints "ready" once connected and starts writing when a line arrives on its stdin; it exits
with 0 when every edit committed (a traceback and 1 otherwise).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.lifecycle import Action
from app.extensions import db
from app.models import Hazard
from app.services import lifecycle
from app.services.actors import actor_by_username
from tests.conftest import build_app


def slow_commit(session: Session) -> None:
    """Widen the gap between a transaction's first write and its commit. On PostgreSQL
    transactions that started later (in this or another writer) then often commit first: the
    feed must hold their entries back, not skip the earlier one's. On SQLite the writer holds
    the file's write lock meanwhile: the others must wait for it (busy timeout), not fail."""
    time.sleep(random.uniform(0, 0.05))


def main(argv: list[str]) -> None:
    url, instance, username, *tickets = argv
    app = build_app(url, Path(instance))
    with app.app_context():
        actor = actor_by_username(username)
        db.session.execute(sa.select(1))
        db.session.rollback()
        print("ready", flush=True)
        sys.stdin.readline()
        sa.event.listen(Session, "before_commit", slow_commit)
        for hazard_id in map(int, tickets):
            version = db.session.execute(
                sa.select(Hazard.version).where(Hazard.id == hazard_id)
            ).scalar_one()
            db.session.rollback()
            lifecycle.fire_transition(
                actor, hazard_id, Action.EDIT, {"risk_point": "仓库"}, version
            )


if __name__ == "__main__":
    main(sys.argv[1:])
