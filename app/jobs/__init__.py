"""RQ entry points: thin functions that take ids and run a service in the app context.

Every job is declared with :func:`background_job`, the one helper that gives it an app context
(the worker's, or one built once per process under a plain ``rq worker``), acts as the system
user, and carries its policy: a timeout, and retries with back-off for transient errors only
(a database or SMTP server that is briefly away). A programming error fails at once and shows
on the background jobs screen with its traceback.
"""

from __future__ import annotations

import functools
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_app_context
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Retry, get_current_job
from sqlalchemy.exc import DBAPIError, OperationalError

F = TypeVar("F", bound=Callable[..., Any])

# Errors worth trying again a little later.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,  # database locked, server restarting, connection lost
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPResponseException,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


@dataclass(frozen=True)
class JobPolicy:
    """How long a job may run and how it is retried (RQ back-off intervals, in seconds)."""

    timeout: int
    retry_intervals: tuple[int, ...] = (30, 120, 600)
    failure_ttl: int = 30 * 24 * 3600
    result_ttl: int = 24 * 3600

    def enqueue_options(self) -> dict[str, Any]:
        retry = Retry(max=len(self.retry_intervals), interval=list(self.retry_intervals))
        return {
            "job_timeout": self.timeout,
            "retry": retry if self.retry_intervals else None,
            "failure_ttl": self.failure_ttl,
            "result_ttl": self.result_ttl,
        }


_POLICIES: dict[str, JobPolicy] = {}
_standalone_app: Flask | None = None


def policy_of(func: Callable[..., Any]) -> JobPolicy:
    """The policy ``func`` was declared with."""
    return _POLICIES[f"{func.__module__}.{func.__qualname__}"]


def _app() -> Flask:
    """An app for a job run outside the SafeLoop worker (plain ``rq worker``): built once."""
    global _standalone_app
    if _standalone_app is None:
        from app import create_app

        _standalone_app = create_app()
    return _standalone_app


def background_job(policy: JobPolicy) -> Callable[[F], F]:
    """Declare a job: run it in the app context as the system user, under ``policy``."""

    def declare(func: F) -> F:
        _POLICIES[f"{func.__module__}.{func.__qualname__}"] = policy

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            if has_app_context():
                return _as_system(func, policy, *args, **kwargs)
            with _app().app_context():
                return _as_system(func, policy, *args, **kwargs)

        return run  # type: ignore[return-value]

    return declare


def _as_system(func: Callable[..., Any], policy: JobPolicy, *args: Any, **kwargs: Any) -> Any:
    from app.extensions import db

    job = get_current_job()
    if job is not None and job.retries_left is None and policy.retry_intervals:
        # Jobs enqueued by `rq cron` cannot carry a Retry: give them the declared one here.
        job.retries_left = len(policy.retry_intervals)
        job.retry_intervals = list(policy.retry_intervals)
    g.user = current_app.appbuilder.sm.find_user(  # type: ignore[attr-defined]
        username=current_app.config["SAFELOOP_SYSTEM_USERNAME"]
    )
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        if job is not None and not is_transient(exc):
            job.retries_left = 0  # a permanent error: fail now, visibly, without retries
        raise
    finally:
        db.session.remove()


def is_transient(exc: BaseException) -> bool:
    """Whether trying again later may succeed (the database or a server was briefly away)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, TRANSIENT_ERRORS)


# --------------------------------------------------------------------------- the jobs


@background_job(JobPolicy(timeout=15 * 60))
def sweep_deadlines() -> dict[str, Any]:
    """The deadline sweep (scheduled by ``flask safeloop scheduler``), then its e-mail digests."""
    from app.services import deadlines, notifications
    from app.services.background import enqueue
    from app.services.robots import has_robots

    result = deadlines.sweep_deadlines()
    job = get_current_job()
    if result.notifications and notifications.smtp_settings() is not None:
        enqueue(send_digests, result.sweep_id, queue_name=job.origin if job else None)
    if result.notifications and has_robots():
        enqueue(send_robot_digests, result.sweep_id, queue_name=job.origin if job else None)
    return {
        "sweep_id": result.sweep_id,
        "steps_applied": result.steps_applied,
        "events_written": result.events_written,
        "notifications": result.notifications,
    }


@background_job(JobPolicy(timeout=10 * 60, retry_intervals=(60, 300, 1800, 7200)))
def send_digests(sweep_id: str) -> int:
    """E-mail one digest per recipient of sweep ``sweep_id``."""
    from flask_babel import force_locale, gettext

    from app.services.notifications import send_digests as send

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return send(sweep_id, gettext)


@background_job(JobPolicy(timeout=10 * 60, retry_intervals=(60, 300, 1800, 7200)))
def send_robot_digests(sweep_id: str) -> int:
    """Post one digest of sweep ``sweep_id`` to each region's DingTalk / WeCom robot."""
    from flask_babel import force_locale, gettext

    from app.services.robots import send_robot_digests as send

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return send(sweep_id, gettext)


@background_job(JobPolicy(timeout=60 * 60, retry_intervals=(60, 300)))
def produce_report_job(report_id: int) -> dict[str, Any]:
    """Make the file of one requested register (the three lists)."""
    from app.services.reports import produce_report

    report = produce_report(report_id)
    return {"report_id": report.id, "rows": report.row_count, "sha256": report.sha256}


@background_job(JobPolicy(timeout=10 * 60))
def monthly_registers() -> list[int]:
    """On the 1st: last month's three lists for every township and the district, queued."""
    from app.services.background import enqueue
    from app.services.reports import request_monthly_registers

    report_ids = request_monthly_registers()
    job = get_current_job()
    for report_id in report_ids:
        enqueue(produce_report_job, report_id, queue_name=job.origin if job else None)
    return report_ids


@background_job(JobPolicy(timeout=2 * 60 * 60, retry_intervals=(60, 300)))
def import_ledger_job(import_id: int) -> dict[str, Any]:
    """Import one checked hazard ledger (台账) as the user who uploaded it."""
    from app.models import LedgerImport
    from app.services.ledger_import import run_import, translators
    from app.services.transaction import session

    record = session().get(LedgerImport, import_id)
    locale = (record.locale if record else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    done = run_import(import_id, translators(locale))
    return {"import_id": done.id, "imported": done.imported_count, "errors": len(done.errors)}


def queue_import(import_id: int) -> bool:
    """Hand a ledger import to a worker; False when the job service cannot be reached."""
    from app.services.background import enqueue

    return enqueue(import_ledger_job, import_id) is not None


@background_job(JobPolicy(timeout=30 * 60))
def publish_risk_index() -> list[int]:
    """On the 1st: last month's township risk-control index, for every district without it."""
    from app.services.risk_index import publish_previous_month

    return publish_previous_month()


@background_job(JobPolicy(timeout=5 * 60, retry_intervals=(60, 300)))
def deliver_webhooks() -> dict[str, int]:
    """Turn new changes into webhook deliveries, then queue one sender per subscriber (a slow
    subscriber keeps its own worker busy, not the others')."""
    from app.services import webhooks
    from app.services.background import enqueue

    created = 0
    job = get_current_job()
    subscriber_ids = webhooks.active_subscriber_ids()
    for subscriber_id in subscriber_ids:
        created += webhooks.dispatch(subscriber_id)
        enqueue(deliver_to_subscriber, subscriber_id, queue_name=job.origin if job else None)
    return {"subscribers": len(subscriber_ids), "deliveries": created}


@background_job(JobPolicy(timeout=30 * 60, retry_intervals=(60, 300)))
def deliver_to_subscriber(subscriber_id: int) -> int:
    """Send one subscriber's due webhook deliveries (retries wait for their back-off)."""
    from app.services.webhooks import deliver_due

    return deliver_due(subscriber_id)


@background_job(JobPolicy(timeout=30 * 60))
def write_day_anchors() -> list[str]:
    """After midnight: the anchors of the finished days still without one (issue 13)."""
    from app.services.proof import write_anchors

    return [anchor.day.isoformat() for anchor in write_anchors()]


@background_job(JobPolicy(timeout=2 * 60 * 60, retry_intervals=(60,)))
def verification_job(run_id: int) -> dict[str, Any]:
    """The check of every chain, attachment and anchor, for the proof screen."""
    from app.services.verification import run_verification

    run = run_verification(run_id)
    return {"run_id": run.id, "broken": run.broken_count}


def queue_report(report_id: int) -> bool:
    """Hand a requested register to a worker; False when the job service cannot be reached
    (the report stays queued and the caller says so)."""
    from app.services.background import enqueue

    return enqueue(produce_report_job, report_id) is not None
