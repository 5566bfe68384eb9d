"""Real worker processes: a job runs in a forked work-horse with the app context; a killed
work-horse leaves nothing half-done; two workers sweeping at once write nothing twice."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue, Retry

from app.extensions import db
from app.jobs import sweep_deadlines
from app.models import AppliedDeadlineStep, DeadlineSweep, HazardEvent, Notification
from app.services import clock
from tests.factories import World, report, to_rectifying
from tests.jobs import jobs_for_tests

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def count(model: type) -> int:
    db.session.expire_all()
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)))


def start_worker(app: Flask, redis_url: str, queue_name: str) -> subprocess.Popen[bytes]:
    """``flask safeloop worker --burst`` in its own process, on the test's database."""
    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "SAFELOOP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SAFELOOP_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "SAFELOOP_REDIS_URL": redis_url,
    }
    command = [sys.executable, "-m", "flask", "safeloop", "worker", "--burst"]
    return subprocess.Popen(
        [*command, "--queue", queue_name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finish(worker: subprocess.Popen[bytes], timeout: float = 90) -> str:
    output, _ = worker.communicate(timeout=timeout)
    text = output.decode(errors="replace")
    assert worker.returncode == 0, text
    return text


@contextlib.contextmanager
def scratch_queue(redis_url: str) -> Iterator[Queue]:
    """A queue name no other test run uses; its keys are removed afterwards."""
    name = f"safeloop-test-{uuid.uuid4().hex[:10]}"
    connection = Redis.from_url(redis_url)
    queue = Queue(name, connection=connection)
    try:
        yield queue
    finally:
        job_ids = set(queue.get_job_ids())
        for registry in (
            queue.started_job_registry,
            queue.finished_job_registry,
            queue.failed_job_registry,
            queue.scheduled_job_registry,
            queue.deferred_job_registry,
            queue.canceled_job_registry,
        ):
            job_ids.update(registry.get_job_ids())
        for job_id in job_ids:
            connection.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
        for key in connection.scan_iter(f"*{name}*"):
            connection.delete(key)
        connection.srem("rq:queues", f"rq:queue:{name}")
        connection.close()


def overdue_world(world: World, tickets: int) -> None:
    """``tickets`` rectifying tickets whose deadline passed ten days ago, one fresh report."""
    with clock.travel_to(datetime.now(UTC) - timedelta(days=20)):
        for _ in range(tickets):
            to_rectifying(world, report(world))
    report(world)


def test_a_real_worker_process_runs_the_sweep_in_the_app_context(
    ctx: Flask, world: World, embedded_redis_url: str
) -> None:
    overdue_world(world, 2)
    with scratch_queue(embedded_redis_url) as queue:
        job = queue.enqueue(sweep_deadlines)
        output = finish(start_worker(ctx, embedded_redis_url, queue.name))
        job.refresh()
        assert job.is_finished, output
        assert job.return_value()["events_written"] == 6  # two tickets, three levels each
    assert count(HazardEvent) == 2 * 3 + 1 + 6
    assert count(DeadlineSweep) == 1


def test_a_killed_work_horse_leaves_nothing_half_done_and_the_job_is_retried(
    ctx: Flask, world: World, embedded_redis_url: str, tmp_path: Path
) -> None:
    overdue_world(world, 3)
    events_before = count(HazardEvent)
    flag = tmp_path / "hang"
    flag.touch()
    with scratch_queue(embedded_redis_url) as queue:
        job = queue.enqueue(
            jobs_for_tests.sweep_but_hang_before_commit, str(flag), retry=Retry(max=1)
        )
        worker = start_worker(ctx, embedded_redis_url, queue.name)
        output = kill_the_horse_when_it_hangs(worker, flag)
        job.refresh()
        assert job.is_finished, output  # the retry ran the whole sweep, once
    assert count(DeadlineSweep) == 1
    assert count(HazardEvent) == events_before + 3 * 3
    assert count(AppliedDeadlineStep) == 3 * 3 + 1


def kill_the_horse_when_it_hangs(worker: subprocess.Popen[bytes], flag: Path) -> str:
    events_before = count(HazardEvent)
    reached = flag.with_suffix(".reached")
    deadline = time.monotonic() + 60
    while not (reached.exists() and reached.read_text()):
        assert time.monotonic() < deadline and worker.poll() is None, "the job never started"
        time.sleep(0.05)
    horse = psutil.Process(int(reached.read_text()))
    assert horse.ppid() == worker.pid  # a forked work-horse of the worker process

    # The sweep has written everything but not committed: nobody else sees any of it.
    assert count(HazardEvent) == events_before
    assert count(AppliedDeadlineStep) == count(Notification) == count(DeadlineSweep) == 0
    horse.kill()

    output = finish(worker)
    assert "terminated unexpectedly" in output, output
    return output


def test_two_workers_sweeping_at_once_against_real_redis_write_nothing_twice(
    ctx: Flask, world: World, real_redis_url: str
) -> None:
    workers = 2
    overdue_world(world, 5)
    events_before = count(HazardEvent)
    with scratch_queue(real_redis_url) as queue:
        barrier = f"{queue.name}:barrier"
        jobs = [
            queue.enqueue(jobs_for_tests.sweep_together, barrier, workers) for _ in range(workers)
        ]
        processes = [start_worker(ctx, real_redis_url, queue.name) for _ in range(workers)]
        outputs = [finish(p) for p in processes]
        results = []
        for job in jobs:
            job.refresh()
            assert job.is_finished, outputs
            results.append(job.return_value())
    assert sorted(r["events"] for r in results) == [0, 5 * 3]
    assert count(HazardEvent) == events_before + 5 * 3
    assert count(AppliedDeadlineStep) == 5 * 3 + 1
    duplicates = db.session.execute(
        sa.select(Notification.recipient_id, Notification.hazard_id, Notification.step)
        .group_by(Notification.recipient_id, Notification.hazard_id, Notification.step)
        .having(sa.func.count() > 1)
    ).all()
    assert duplicates == []


def test_a_failed_job_shows_on_the_jobs_screen_with_its_error_and_can_be_queued_again(
    ctx: Flask, world: World, embedded_redis_url: str
) -> None:
    from tests.jobs.test_screens import login

    with scratch_queue(embedded_redis_url) as queue:
        from app.jobs import policy_of

        options = policy_of(jobs_for_tests.fail).enqueue_options()
        permanent = queue.enqueue(jobs_for_tests.fail, False, **options)
        transient = queue.enqueue(jobs_for_tests.fail, True, **options)
        finish(start_worker(ctx, embedded_redis_url, queue.name))
        permanent.refresh()
        transient.refresh()
        # A bug fails at once; a transient error is retried with back-off (one second here).
        assert permanent.is_failed and permanent.retries_left == 0
        assert transient.get_status() in ("scheduled", "failed") and transient.retries_left == 0

        saved = dict(ctx.config)
        ctx.config.update(SAFELOOP_REDIS_URL=embedded_redis_url, SAFELOOP_QUEUE=queue.name)
        ctx.extensions.pop("safeloop_redis", None)
        try:
            admin = login(ctx, "admin")
            page = admin.get("/jobs/").get_data(as_text=True)
            assert "ValueError: a bug in a job" in page
            assert permanent.id in page
            response = admin.post(
                "/jobs/requeue", data={"job_id": permanent.id}, follow_redirects=True
            )
            assert "已重新排队" in response.get_data(as_text=True)
            permanent.refresh()
            assert permanent.get_status() == "queued"
        finally:
            ctx.config.clear()
            ctx.config.update(saved)
            ctx.extensions.pop("safeloop_redis", None)
