"""Jobs that only tests enqueue, to make a real worker process misbehave on purpose.

They are declared like SafeLoop's own jobs and run the real sweep; the worker process imports
them from here (it runs from the project root).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.jobs import JobPolicy, background_job
from app.services.background import redis_connection
from app.services.deadlines import sweep_deadlines


@background_job(JobPolicy(timeout=120, retry_intervals=()))
def sweep_but_hang_before_commit(flag: str) -> int:
    """Run the sweep; if ``flag`` exists, remove it, say so and hang just before the commit
    (so the test can kill this work-horse, whose pid it writes, with the writes in flight)."""
    flag_path = Path(flag)

    def hang(_session: Any) -> None:
        if flag_path.exists():
            flag_path.unlink()
            flag_path.with_suffix(".reached").write_text(str(os.getpid()))
            time.sleep(60)

    sa.event.listen(db.session, "before_commit", hang)
    try:
        return sweep_deadlines().steps_applied
    finally:
        sa.event.remove(db.session, "before_commit", hang)


@background_job(JobPolicy(timeout=120, retry_intervals=()))
def sweep_together(barrier: str, parties: int) -> dict[str, int]:
    """Wait until ``parties`` workers have arrived, then all sweep at the same moment."""
    connection = redis_connection()
    connection.incr(barrier)
    deadline = time.monotonic() + 30
    while int(connection.get(barrier) or 0) < parties and time.monotonic() < deadline:
        time.sleep(0.01)
    result = sweep_deadlines()
    current_app.logger.info("swept: %s", result)
    return {"steps": result.steps_applied, "events": result.events_written}


@background_job(JobPolicy(timeout=30, retry_intervals=(1,)))
def fail(transient: bool) -> None:
    """Fail with a transient error (the database was away) or a permanent one (a bug)."""
    if transient:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("database is locked"))
    raise ValueError("a bug in a job")
