"""Photos and documents of a ticket, content-addressed by SHA-256."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.vocabulary import AttachmentKind
from app.models.types import UTCDateTime

_KINDS = ", ".join(f"'{v}'" for v in AttachmentKind.values())


class Attachment(Model):
    """A stored file. Once a transition used it as evidence it cannot be deleted or replaced."""

    __tablename__ = "attachment"
    __table_args__ = (sa.CheckConstraint(f"kind IN ({_KINDS})", name="ck_attachment_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # The name as the user's device sent it, Chinese included.
    original_name: Mapped[str] = mapped_column(sa.String(255))
    # Generated path below the upload folder; never derived from user input.
    stored_name: Mapped[str] = mapped_column(sa.String(255), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # From the photo's EXIF DateTimeOriginal, when present.
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))
    evidence_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazard_event.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))
    delete_reason: Mapped[str | None] = mapped_column(sa.Text)

    @property
    def is_evidence(self) -> bool:
        return self.evidence_event_id is not None
