"""The deadline steps as data (plain Python) and the cron schedule that runs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fakeredis
import pytest
from flask import Flask

from app.domain import roles
from app.domain.deadlines import DEFAULT_TERMS, SlaTerms
from app.domain.errors import ForbiddenError
from app.domain.lifecycle import Facts, deadline_step, deadline_steps, decide_deadline_step
from app.domain.scope import Actor

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
TERMS = SlaTerms(24, None, 7, 10, 1, reminder_offsets_hours=(24, 72))


def test_every_step_has_a_stable_key_that_names_it_again() -> None:
    steps = deadline_steps(4)
    assert len({s.key for s in steps}) == len(steps)
    for step in steps:
        assert deadline_step(step.key) == step
    assert deadline_step("rectify:escalation4") is None
    assert deadline_step("nonsense") is None


def test_reminders_are_due_one_after_the_other_and_stop_at_the_deadline() -> None:
    first, second = deadline_step("rectify:reminder1"), deadline_step("rectify:reminder2")
    assert first is not None and second is not None
    # Offsets are sorted: the 72-hour reminder is the first whatever the policy's order.
    assert first.window(TERMS) == (timedelta(hours=-72), timedelta(hours=-24))
    assert second.window(TERMS) == (timedelta(hours=-24), timedelta(0))
    assert deadline_step("rectify:reminder3").window(TERMS) is None  # type: ignore[union-attr]


def test_escalation_levels_follow_the_policy_offsets_and_tell_more_people() -> None:
    levels = [deadline_step(f"rectify:escalation{n}") for n in (1, 2, 3)]
    windows = [s.window(DEFAULT_TERMS["general"]) for s in levels if s]
    assert windows == [(timedelta(hours=h), None) for h in (0, 24, 72)]
    assert [[a.value for a in s.audiences] for s in levels if s] == [
        ["enterprise"],
        ["enterprise", "township"],
        ["enterprise", "township", "district"],
    ]
    confirm = deadline_step("confirm:escalation1")
    assert confirm is not None and [a.value for a in confirm.audiences] == ["township"]


def test_only_the_system_applies_deadline_steps() -> None:
    step = deadline_step("rectify:escalation1")
    assert step is not None
    inspector = Actor(1, "检查员", frozenset({roles.TOWNSHIP_INSPECTOR}))
    facts = Facts(now=NOW, zone=UTC, sla_for=lambda grade: TERMS)
    with pytest.raises(ForbiddenError):
        decide_deadline_step(inspector, object(), step, facts)  # type: ignore[arg-type]


def test_the_scheduler_enqueues_the_sweep_on_the_configured_cron(ctx: Flask) -> None:
    from app.jobs import (
        deliver_webhooks,
        monthly_registers,
        publish_risk_index,
        sweep_deadlines,
        write_day_anchors,
    )
    from app.jobs.scheduler import build_scheduler

    scheduler = build_scheduler(ctx, fakeredis.FakeStrictRedis(), "q")
    job, monthly, index, webhooks, anchors = scheduler.get_jobs()
    assert index.func is publish_risk_index
    assert index.cron == ctx.config["SAFELOOP_RISK_INDEX_CRON"]
    assert webhooks.func is deliver_webhooks
    assert webhooks.cron == ctx.config["SAFELOOP_WEBHOOK_CRON"]
    assert anchors.func is write_day_anchors
    assert anchors.cron == ctx.config["SAFELOOP_ANCHOR_CRON"]
    assert monthly.func is monthly_registers
    assert monthly.cron == ctx.config["SAFELOOP_MONTHLY_REGISTER_CRON"]
    assert job.func is sweep_deadlines
    assert job.cron == ctx.config["SAFELOOP_SWEEP_CRON"]
    assert job.queue_name == "q"
    assert job.job_options["job_timeout"] == 15 * 60


def test_a_second_scheduler_for_the_same_queue_refuses_to_start(ctx: Flask) -> None:
    from app.jobs.scheduler import build_scheduler, running_schedulers

    connection = fakeredis.FakeStrictRedis()
    first = build_scheduler(ctx, connection, "q")
    first.register_birth()
    assert running_schedulers(connection, "q") == [first.name]
    assert running_schedulers(connection, "other") == []
    first.register_death()
    assert running_schedulers(connection, "q") == []
