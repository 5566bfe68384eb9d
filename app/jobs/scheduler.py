"""The one cron process: RQ's CronScheduler enqueues the deadline sweep on its schedule.

RQ 2.x evaluates cron strings in UTC. RQ has no lock between two cron processes, so exactly one
runs (``flask safeloop scheduler``); the sweep is idempotent anyway.
"""

from __future__ import annotations

from flask import Flask
from redis import Redis
from rq.cron import CronScheduler

from app.jobs import deliver_webhooks, monthly_registers, policy_of, sweep_deadlines


def build_scheduler(app: Flask, connection: Redis, queue_name: str) -> CronScheduler:
    """A CronScheduler with SafeLoop's schedule: the sweep (``SAFELOOP_SWEEP_CRON``) and the
    monthly registers (``SAFELOOP_MONTHLY_REGISTER_CRON``), both in UTC (RQ 2.x)."""
    scheduler = CronScheduler(connection=connection)
    policy = policy_of(sweep_deadlines)
    scheduler.register(
        sweep_deadlines,
        queue_name=queue_name,
        cron=app.config["SAFELOOP_SWEEP_CRON"],
        job_timeout=policy.timeout,
        result_ttl=policy.result_ttl,
        failure_ttl=policy.failure_ttl,
    )
    monthly = policy_of(monthly_registers)
    scheduler.register(
        monthly_registers,
        queue_name=queue_name,
        cron=app.config["SAFELOOP_MONTHLY_REGISTER_CRON"],
        job_timeout=monthly.timeout,
        result_ttl=monthly.result_ttl,
        failure_ttl=monthly.failure_ttl,
    )
    webhooks = policy_of(deliver_webhooks)
    scheduler.register(
        deliver_webhooks,
        queue_name=queue_name,
        cron=app.config["SAFELOOP_WEBHOOK_CRON"],
        job_timeout=webhooks.timeout,
        result_ttl=webhooks.result_ttl,
        failure_ttl=webhooks.failure_ttl,
    )
    return scheduler


def running_schedulers(connection: Redis, queue_name: str) -> list[str]:
    """Names of live cron schedulers that enqueue to ``queue_name`` (dead ones are pruned
    after their 2-minute heartbeat TTL)."""
    return [
        scheduler.name
        for scheduler in CronScheduler.all(connection=connection)
        if any(job.queue_name == queue_name for job in scheduler.get_jobs())
    ]
