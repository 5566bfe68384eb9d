"""E-mail digests: one message per recipient per sweep, listing every ticket, sent once."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from app.jobs import send_digests, sweep_deadlines
from app.services import deadlines
from tests.factories import World, report
from tests.jobs.conftest import Clock


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def mailbox(ctx: Flask) -> Iterator[Mailbox]:
    """A local SMTP server on loopback, configured as SafeLoop's SMTP host for the test."""
    handler = Mailbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: ctx.config.get(k) for k in ("SAFELOOP_SMTP_HOST", "SAFELOOP_SMTP_PORT")}
    ctx.config.update(SAFELOOP_SMTP_HOST="127.0.0.1", SAFELOOP_SMTP_PORT=controller.port)
    try:
        yield handler
    finally:
        ctx.config.update(saved)
        controller.stop()


def test_a_township_with_many_overdue_tickets_gets_one_digest_listing_them(
    world: World, frozen: Clock, mailbox: Mailbox
) -> None:
    codes = [report(world).code for _ in range(5)]
    frozen.move_to(frozen.now + timedelta(hours=49))  # confirmation 25 h late: level 2
    result = deadlines.sweep_deadlines()
    assert send_digests(result.sweep_id) == 2  # inspector_a and inspector_a2
    messages = mailbox.to("inspector_a@test.example")
    assert len(messages) == 1
    body = messages[0].get_content()
    assert all(code in body for code in codes)
    # Each ticket once, at the level it reached (2: the township is told).
    assert body.count("确认已逾期") == body.count("已升级至镇(街)级") == 5
    assert messages[0]["Subject"] == "SafeLoop：5 项隐患的 5 条期限提醒"

    # The job retried, or run again: nothing is sent twice.
    assert send_digests(result.sweep_id) == 0
    assert len(mailbox.messages) == 2


def test_without_smtp_nothing_is_sent_and_the_inbox_still_fills(
    world: World, frozen: Clock
) -> None:
    report(world)
    outcome = sweep_deadlines()
    assert outcome["notifications"] == 2
    assert send_digests(outcome["sweep_id"]) == 0
