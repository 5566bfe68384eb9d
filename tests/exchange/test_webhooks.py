"""Outgoing webhooks against a receiver on loopback: signed, retried, in order, once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import gettext

from app.domain.exchange import DeliveryStatus
from app.domain.lifecycle import Action
from app.models import Notification, Region, WebhookDelivery, WebhookSubscriber
from app.receiver import Receiver
from app.services import clock, notifications, webhooks
from app.services.transaction import atomic, session
from tests.factories import World, build_world, confirm, fire, report

SECRET = "s3cret-for-tests"


@pytest.fixture
def world(ctx: Flask) -> World:
    return build_world()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(SECRET).start()
    yield server
    server.stop()


def subscribe(
    url: str,
    secret: str = SECRET,
    events: str = "*",
    region: Region | None = None,
) -> int:
    with atomic() as current:
        subscriber = WebhookSubscriber(
            name="省平台",
            url=url,
            events=events,
            region_id=region.id if region else None,
            secret=secret,
        )
        webhooks.start_from_now(subscriber)
        current.add(subscriber)
        current.flush()
        return subscriber.id


def run(subscriber_id: int, after: timedelta = timedelta(0)) -> int:
    """What the webhook job does, ``after`` from now."""
    with clock.travel_to(clock.now() + after):
        webhooks.dispatch(subscriber_id)
        return webhooks.deliver_due(subscriber_id)


def log(subscriber_id: int) -> list[WebhookDelivery]:
    session().expire_all()
    return list(
        session().scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.subscriber_id == subscriber_id)
            .order_by(WebhookDelivery.id)
        )
    )


def test_each_event_arrives_signed_once_and_the_log_shows_it(
    world: World, receiver: Receiver
) -> None:
    subscriber = subscribe(receiver.url)
    hazard = confirm(world, report(world))
    assert run(subscriber) == 2
    assert receiver.bad_signatures == 0
    assert [
        (e["event"]["name"], e["ticket"]["code"], e["event"]["version"]) for e in receiver.events
    ] == [
        ("reported", hazard.code, 1),
        ("confirmed", hazard.code, 2),
    ]
    assert receiver.events[1]["ticket"]["state"] == "02"
    assert [(d.status, d.attempts, d.response_code) for d in log(subscriber)] == [
        ("delivered", 1, 200),
        ("delivered", 1, 200),
    ]
    # Running again sends nothing twice.
    assert run(subscriber, timedelta(hours=1)) == 0
    assert receiver.attempts == 2


def test_an_event_says_what_the_ticket_became_by_it_while_the_ticket_is_as_it_is_now(
    world: World, receiver: Receiver
) -> None:
    subscriber = subscribe(receiver.url)
    hazard = confirm(world, report(world))
    # Both events are prepared in one run, after the confirmation.
    assert run(subscriber) == 2
    reported, confirmed = receiver.events
    assert reported["event"]["name"] == "reported"
    assert (reported["event"]["version"], reported["event"]["state"]) == (1, "01")
    assert reported["event"]["action"] == "report"
    assert reported["event"]["id"] < confirmed["event"]["id"]
    assert reported["event"]["occurred_at"]
    # The ticket is the current one: already confirmed, at version 2.
    assert (reported["ticket"]["version"], reported["ticket"]["state"]) == (2, "02")
    assert (confirmed["event"]["version"], confirmed["event"]["state"]) == (2, "02")
    assert confirmed["ticket"]["version"] == hazard.version == 2


def test_a_receiver_with_another_secret_refuses_the_signature(
    world: World, receiver: Receiver
) -> None:
    subscriber = subscribe(receiver.url, secret="not-the-receivers")
    report(world)
    assert run(subscriber) == 0
    (delivery,) = log(subscriber)
    assert receiver.bad_signatures == 1 and receiver.events == []
    assert (delivery.status, delivery.response_code) == ("pending", 401)
    assert "401" in (delivery.last_error or "")


def test_a_receiver_failing_twice_then_succeeding_gets_the_event_exactly_once_more(
    world: World, receiver: Receiver
) -> None:
    receiver.fail_first = 2
    subscriber = subscribe(receiver.url)
    report(world)
    assert run(subscriber) == 0
    (delivery,) = log(subscriber)
    first_retry = delivery.next_attempt_at - clock.now()
    # Not before its back-off is over …
    assert run(subscriber, timedelta(seconds=5)) == 0
    assert receiver.attempts == 1
    assert run(subscriber, timedelta(minutes=1)) == 0
    (delivery,) = log(subscriber)
    # … which doubles after each failure.
    assert delivery.next_attempt_at - clock.now() > first_retry + timedelta(seconds=20)
    assert run(subscriber, timedelta(minutes=5)) == 1
    assert run(subscriber, timedelta(hours=5)) == 0
    assert receiver.attempts == 3
    assert len(receiver.events) == 1
    (delivery,) = log(subscriber)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, None)


def test_a_ticket_s_events_arrive_in_order_even_when_one_had_to_wait(
    world: World, receiver: Receiver
) -> None:
    receiver.fail_first = 1
    subscriber = subscribe(receiver.url)
    first = report(world)
    first = confirm(world, first)
    other = report(world, title="配电箱未接地")
    # The first ticket's report fails: its confirmation waits; the other ticket goes on.
    assert run(subscriber) == 1
    assert [e["ticket"]["code"] for e in receiver.events] == [other.code]
    # A later run, while the report waits for its back-off: the confirmation is due, but it
    # still waits behind the undelivered report.
    assert run(subscriber, timedelta(seconds=5)) == 0
    assert [e["ticket"]["code"] for e in receiver.events] == [other.code]
    assert receiver.attempts == 2
    assert run(subscriber, timedelta(hours=1)) == 2
    assert [(e["ticket"]["code"], e["event"]["name"]) for e in receiver.events] == [
        (other.code, "reported"),
        (first.code, "reported"),
        (first.code, "confirmed"),
    ]


def test_a_subscriber_that_keeps_failing_is_paused_with_a_notice_and_can_be_sent_again(
    world: World, receiver: Receiver, ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ctx.config, "SAFELOOP_WEBHOOK_MAX_ATTEMPTS", 2)
    receiver.fail_first = 99
    subscriber = subscribe(receiver.url)
    hazard = report(world)
    run(subscriber)
    run(subscriber, timedelta(hours=1))
    (delivery,) = log(subscriber)
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    paused = session().get(WebhookSubscriber, subscriber)
    assert paused is not None and paused.paused_at is not None
    assert "500" in (paused.pause_reason or "")
    # Not retried forever: a paused subscriber gets nothing, not even new events.
    confirm(world, hazard)
    assert run(subscriber, timedelta(days=1)) == 0
    assert receiver.attempts == 2
    # The admin's notice says which subscriber was paused, why, and about which ticket.
    notice = session().scalars(sa.select(Notification)).one()
    text = notifications.describe(notice, gettext)
    assert "省平台" in text and hazard.code in text
    assert "HTTP 500" in text and (delivery.last_error or "-") in text
    # The receiver is fixed; the admin sends the failed delivery again from the log.
    receiver.fail_first = 0
    assert webhooks.resend([delivery.id]) == 1
    assert run(subscriber, timedelta(days=1)) == 2
    assert [e["event"]["name"] for e in receiver.events] == ["reported", "confirmed"]
    # A delivered one is never sent again.
    assert webhooks.resend([d.id for d in log(subscriber)]) == 0
    # The notice still tells what happened, though the subscriber runs again.
    assert notifications.describe(notice, gettext) == text


def test_resuming_a_subscriber_sends_its_failed_deliveries_again(
    world: World, receiver: Receiver, ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ctx.config, "SAFELOOP_WEBHOOK_MAX_ATTEMPTS", 1)
    receiver.fail_first = 1
    subscriber = subscribe(receiver.url)
    hazard = report(world)
    run(subscriber)
    confirm(world, hazard)
    assert session().get(WebhookSubscriber, subscriber).paused_at is not None  # type: ignore[union-attr]
    # Resumed from the screen: the failed report goes again, and the confirmation behind it.
    assert webhooks.resume_with_failed(session().get(WebhookSubscriber, subscriber)) == 1  # type: ignore[arg-type]
    assert run(subscriber, timedelta(minutes=1)) == 2
    assert [e["event"]["name"] for e in receiver.events] == ["reported", "confirmed"]


def test_a_subscriber_hears_only_its_events_and_its_region(
    world: World, receiver: Receiver
) -> None:
    subscriber = subscribe(receiver.url, events="confirmed rejected", region=world.township_b)
    confirm(world, report(world))  # township A
    in_b = report(world, who="grid_b", enterprise=world.b1)
    fire(world, "inspector_b", in_b, Action.REJECT, reason="不属于隐患")
    run(subscriber)
    assert [(e["event"]["name"], e["ticket"]["code"]) for e in receiver.events] == [
        ("rejected", in_b.code)
    ]


def test_a_transition_never_waits_for_a_subscriber(world: World, receiver: Receiver) -> None:
    subscribe(receiver.url)
    confirm(world, report(world))
    # Only the job talks to subscribers.
    assert receiver.attempts == 0


def test_only_one_sender_may_claim_a_delivery(world: World, receiver: Receiver) -> None:
    subscriber = subscribe(receiver.url)
    report(world)
    webhooks.dispatch(subscriber)
    (delivery,) = log(subscriber)
    now = clock.now()
    assert webhooks._claim(delivery.id, now, now - timedelta(minutes=5))
    assert not webhooks._claim(delivery.id, now, now - timedelta(minutes=5))
    assert webhooks.deliver_due(subscriber) == 0
    (delivery,) = log(subscriber)
    assert delivery.status == DeliveryStatus.SENDING.value
    body = json.loads(delivery.body)
    assert body["event"]["name"] == "reported" and body["ticket"]["external_id"]


def test_the_scheduled_job_dispatches_and_queues_one_sender_per_subscriber(
    world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fakeredis
    from rq import Queue

    from app.jobs import deliver_webhooks
    from app.services import background

    # Jobs run at once, in this process, as a worker would run them.
    inline = Queue("exchange-test", is_async=False, connection=fakeredis.FakeStrictRedis())
    monkeypatch.setattr(background, "queue", lambda name=None: inline)
    subscribe(receiver.url)
    switched_off = subscribe(receiver.url)
    with atomic():
        session().get(WebhookSubscriber, switched_off).active = False  # type: ignore[union-attr]
    confirm(world, report(world))
    assert deliver_webhooks() == {"subscribers": 1, "deliveries": 2}
    assert [e["event"]["name"] for e in receiver.events] == ["reported", "confirmed"]


def test_a_subscriber_that_does_not_answer_in_time_is_retried_later(
    world: World, ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    monkeypatch.setitem(ctx.config, "SAFELOOP_WEBHOOK_TIMEOUT", 0.5)
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        subscriber = subscribe(f"http://127.0.0.1:{silent.getsockname()[1]}/")
        report(world)
        assert run(subscriber) == 0
    (delivery,) = log(subscriber)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, None)
    assert "timed out" in (delivery.last_error or "")
    assert delivery.next_attempt_at > clock.now()
