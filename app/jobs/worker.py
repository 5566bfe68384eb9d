"""The RQ worker that runs SafeLoop's jobs: ``flask safeloop worker`` (or
``rq worker -w app.jobs.worker.FlaskAppWorker``).

It builds the Flask app once, in the parent, and runs each job inside that app's context. The
work-horse is a fork: it must not reuse the parent's pooled database connections, so the pool
is dropped (without closing the parent's sockets) before each job.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from rq import Worker
from rq.job import Job
from rq.queue import Queue


class FlaskAppWorker(Worker):
    """An RQ worker whose jobs run in SafeLoop's app context."""

    def __init__(self, *args: Any, flask_app: Flask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if flask_app is None:
            from app import create_app

            flask_app = create_app()
        self.flask_app = flask_app

    def perform_job(self, job: Job, queue: Queue, *args: Any, **kwargs: Any) -> bool:
        # *args/**kwargs: RQ 3.0 adds an `execution` argument (STACK-NOTES §3.1).
        from app.extensions import db

        with self.flask_app.app_context():
            db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue, *args, **kwargs)
            finally:
                db.session.remove()
