"""Public reports (群众举报): the reporter's side of a ticket, their replies and the reward."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.hazard import Hazard
from app.models.types import UTCDateTime

# Likely duplicates of a public report are looked up by place within the township.
sa.Index("ix_hazard_township_address", Hazard.township_id, Hazard.address)
sa.Index("ix_hazard_township_latitude", Hazard.township_id, Hazard.latitude)


class PublicReport(Model):
    """What a member of the public sent besides the ticket: the tracking code and who they are.

    The reporter's name and phone live here, never on the ticket, so no list, export or API
    answer built from tickets can carry them; ``app.domain.public.may_see_reporter`` decides
    who reads them.
    """

    __tablename__ = "public_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"), unique=True)
    enterprise_name: Mapped[str | None] = mapped_column(sa.String(200))
    reporter_name: Mapped[str | None] = mapped_column(sa.String(80))
    reporter_phone: Mapped[str | None] = mapped_column(sa.String(40))
    consent_text: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # The reward decision (举报奖励): recorded once by the district; nothing is paid here.
    reward_eligible: Mapped[bool | None] = mapped_column()
    reward_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    reward_decided_on: Mapped[date | None] = mapped_column(sa.Date)
    reward_reason: Mapped[str | None] = mapped_column(sa.Text)
    reward_decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))
    reward_decided_by_name: Mapped[str | None] = mapped_column(sa.String(120))
    reward_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    hazard: Mapped[Any] = relationship("Hazard")


class PublicReply(Model):
    """A reply the township writes for the reporter(s) of a ticket; shown on the tracking page."""

    __tablename__ = "public_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    written_by_id: Mapped[int] = mapped_column(sa.ForeignKey("ab_user.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
