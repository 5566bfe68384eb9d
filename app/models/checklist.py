"""Inspection checklists (检查表): versioned templates of items, and inspections run from them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.checklists import Outcome
from app.models.reference import Category, DeterminationArticle
from app.models.territory import Enterprise, Placed
from app.models.types import UTCDateTime

_OUTCOMES = ", ".join(f"'{o.value}'" for o in Outcome)


class ChecklistTemplate(Model):
    """One version of a checklist; an inspection keeps the version it was run from."""

    __tablename__ = "checklist_template"
    __table_args__ = (sa.UniqueConstraint("code", "version", name="uq_checklist_template_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), index=True)
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(sa.String(200))
    industry: Mapped[str | None] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)

    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="template", order_by="(ChecklistItem.sort_order, ChecklistItem.id)"
    )

    def __repr__(self) -> str:
        return f"{self.name} v{self.version}"


class ChecklistItem(Model):
    """One item to check, in a section, with the clause it checks where one applies."""

    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_template.id"), index=True)
    section: Mapped[str] = mapped_column(sa.String(100))
    text: Mapped[str] = mapped_column(sa.String(500))
    determination_article_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("determination_article.id"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"), index=True)
    # A failure may be a major hazard (the ticket is reported as major, to be confirmed).
    may_be_major: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")
    determination_article: Mapped[DeterminationArticle | None] = relationship()
    category: Mapped[Category | None] = relationship()

    def __repr__(self) -> str:
        return self.text


class Inspection(Placed, Model):
    """An inspection of one enterprise from one template version (现场检查 or 企业自查)."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_template.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    # The inspector (named like a ticket's reporter, so the scope rules read it the same way).
    reported_by_id: Mapped[int] = mapped_column(sa.ForeignKey("ab_user.id"), index=True)
    inspector_name: Mapped[str] = mapped_column(sa.String(80))
    source: Mapped[str] = mapped_column(sa.String(32))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)

    template: Mapped[ChecklistTemplate] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    results: Mapped[list[InspectionResult]] = relationship(
        back_populates="inspection", order_by="InspectionResult.id"
    )


class InspectionResult(Model):
    """The finding on one item; a failure names the ticket it opened."""

    __tablename__ = "inspection_result"
    __table_args__ = (
        sa.CheckConstraint(f"outcome IN ({_OUTCOMES})", name="ck_inspection_result_outcome"),
        sa.UniqueConstraint("inspection_id", "item_id", name="uq_inspection_result_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_item.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(16), index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)
    hazard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazard.id"), index=True)

    inspection: Mapped[Inspection] = relationship(back_populates="results")
    item: Mapped[ChecklistItem] = relationship()
