"""The one cron process: RQ's CronScheduler enqueues the deadline sweep on its schedule.

RQ 2.x evaluates cron strings in UTC. RQ has no lock between two cron processes, so exactly one
runs (``flask safeloop scheduler``); the sweep is idempotent anyway.
"""

from __future__ import annotations

from flask import Flask
from redis import Redis
from rq.cron import CronScheduler

from app.jobs import (
    deliver_webhooks,
    monthly_registers,
    policy_of,
    publish_risk_index,
    sweep_deadlines,
    write_day_anchors,
)


def build_scheduler(app: Flask, connection: Redis, queue_name: str) -> CronScheduler:
    """A CronScheduler with SafeLoop's schedule: the sweep (``SAFELOOP_SWEEP_CRON``), the
    monthly registers (``SAFELOOP_MONTHLY_REGISTER_CRON``), the township risk-control index
    (``SAFELOOP_RISK_INDEX_CRON``), the webhook deliveries (``SAFELOOP_WEBHOOK_CRON``) and the
    day anchors of the event chains (``SAFELOOP_ANCHOR_CRON``), all in UTC (RQ 2.x)."""
    scheduler = CronScheduler(connection=connection)
    for job, cron_setting in (
        (sweep_deadlines, "SAFELOOP_SWEEP_CRON"),
        (monthly_registers, "SAFELOOP_MONTHLY_REGISTER_CRON"),
        (publish_risk_index, "SAFELOOP_RISK_INDEX_CRON"),
        (deliver_webhooks, "SAFELOOP_WEBHOOK_CRON"),
        (write_day_anchors, "SAFELOOP_ANCHOR_CRON"),
    ):
        policy = policy_of(job)
        scheduler.register(
            job,
            queue_name=queue_name,
            cron=app.config[cron_setting],
            job_timeout=policy.timeout,
            result_ttl=policy.result_ttl,
            failure_ttl=policy.failure_ttl,
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
