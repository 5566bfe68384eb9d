"""Exchange with other systems: code mapping, webhook subscribers and their delivery log.

The change feed's order is a column of the timeline (``HazardEvent.txid``); see
:mod:`app.services.exchange`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.exchange import encode_cursor
from app.models.types import UTCDateTime, utcnow


class ExchangeCode(Model):
    """One value of ours (a state, grade, source, category code …) and the national
    specification's code for it. Seeded with defaults; an admin edits them."""

    __tablename__ = "exchange_code"
    __table_args__ = (sa.UniqueConstraint("kind", "value", name="uq_exchange_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    value: Mapped[str] = mapped_column(sa.String(64))
    code: Mapped[str] = mapped_column(sa.String(64))
    note: Mapped[str | None] = mapped_column(sa.String(200))


class WebhookSubscriber(Model):
    """A system that receives signed JSON posts about the tickets of a region."""

    __tablename__ = "webhook_subscriber"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(500))
    # Event names (app.domain.exchange.WEBHOOK_EVENTS), space separated; "*" for all.
    events: Mapped[str] = mapped_column(sa.String(500), default="*")
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True)
    secret: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # The change feed's position up to which entries were turned into deliveries: the last
    # entry's (txid, id) (app.services.exchange; the subscriber follows the change feed).
    last_event_txid: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_event_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pause_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    region: Mapped[Any] = relationship("Region")

    def __repr__(self) -> str:
        return self.name

    @property
    def feed_position(self) -> str:
        """How far the subscriber has followed the change feed, written as the API's cursor
        (``GET /api/v1/exchange/changes?since=`` from here gives what it has not heard of)."""
        return encode_cursor((self.last_event_txid, self.last_event_id))


class WebhookDelivery(Model):
    """One event for one subscriber: its signed body and every attempt's outcome."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # Never two deliveries of one event to one subscriber.
        sa.UniqueConstraint("subscriber_id", "event_id", name="uq_webhook_delivery_event"),
        # The sender's next due deliveries, and the per-ticket order check.
        sa.Index("ix_webhook_delivery_due", "subscriber_id", "status", "next_attempt_at"),
        sa.Index("ix_webhook_delivery_ticket", "subscriber_id", "hazard_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_subscriber.id"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard_event.id"))
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"))
    event: Mapped[str] = mapped_column(sa.String(32), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    subscriber: Mapped[WebhookSubscriber] = relationship()
    hazard: Mapped[Any] = relationship("Hazard")


class RobotChannel(Model):
    """A DingTalk (钉钉) or WeCom (企业微信) group robot that gets a region's deadline digests."""

    __tablename__ = "robot_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(16))  # dingtalk | wecom
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    webhook_url: Mapped[str] = mapped_column(sa.String(500))
    # DingTalk's signing secret (加签, "SEC…"); WeCom robots have none.
    secret: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)

    region: Mapped[Any] = relationship("Region")

    def __repr__(self) -> str:
        return self.name


class RobotDigest(Model):
    """A sweep's digest sent to one robot: the unique key makes it once per robot and sweep."""

    __tablename__ = "robot_digest"
    __table_args__ = (sa.UniqueConstraint("robot_id", "sweep_id", name="uq_robot_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    robot_id: Mapped[int] = mapped_column(sa.ForeignKey("robot_channel.id"))
    sweep_id: Mapped[str] = mapped_column(sa.String(36))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    tickets: Mapped[int] = mapped_column(default=0)
