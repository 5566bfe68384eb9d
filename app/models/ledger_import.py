"""Imports of hazard ledgers (台账) from Excel: the uploaded file, its check and its job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column

from app.models.territory import Placed
from app.models.types import UTCDateTime, utcnow


class LedgerImport(Placed, Model):
    """One uploaded ledger: checked at once (dry run), imported by a background job.

    The place columns hold the importer's scope, so only users whose scope covers it see the
    import, its result and its error sheet.
    """

    __tablename__ = "ledger_import"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('checked', 'queued', 'running', 'finished', 'failed')",
            name="ck_ledger_import_status",
        ),
        sa.CheckConstraint(
            "mode IS NULL OR mode IN ('all', 'valid')", name="ck_ledger_import_mode"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(255))
    size_bytes: Mapped[int] = mapped_column()
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    mode: Mapped[str | None] = mapped_column(sa.String(8))
    status: Mapped[str] = mapped_column(sa.String(16), default="checked", index=True)
    progress: Mapped[int] = mapped_column(default=0)
    # The last check's counts and row errors ({"row", "column", "message"}, in the user's words).
    row_count: Mapped[int | None] = mapped_column()
    new_count: Mapped[int | None] = mapped_column()
    existing_count: Mapped[int | None] = mapped_column()
    imported_count: Mapped[int | None] = mapped_column()
    errors: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    error: Mapped[str | None] = mapped_column(sa.Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
