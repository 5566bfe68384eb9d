"""Reference data an administrator edits: categories, determination standards, SLA policies."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.deadlines import SlaTerms
from app.domain.vocabulary import CategoryKind, Grade

_KINDS = ", ".join(f"'{v}'" for v in CategoryKind.values())
_GRADES = ", ".join(f"'{v}'" for v in Grade.values())


class Category(Model):
    """A node of the hazard category tree (the national 24 plus domain tags)."""

    __tablename__ = "category"
    __table_args__ = (sa.CheckConstraint(f"kind IN ({_KINDS})", name="ck_category_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str | None] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Category | None] = relationship(remote_side="Category.id")

    def __repr__(self) -> str:
        return self.name


class DeterminationStandard(Model):
    """A standard for determining major hazards (重大事故隐患判定标准), versioned by dates."""

    __tablename__ = "determination_standard"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    doc_number: Mapped[str] = mapped_column(sa.String(100), unique=True)
    industries: Mapped[str | None] = mapped_column(sa.String(300))
    effective_on: Mapped[date | None] = mapped_column(sa.Date)
    repealed_on: Mapped[date | None] = mapped_column(sa.Date)

    articles: Mapped[list[DeterminationArticle]] = relationship(
        back_populates="standard", order_by="DeterminationArticle.sort_order"
    )

    def __repr__(self) -> str:
        return f"{self.name}（{self.doc_number}）"


class DeterminationArticle(Model):
    """One clause and item of a standard that a major hazard's basis points to."""

    __tablename__ = "determination_article"
    __table_args__ = (
        sa.UniqueConstraint("standard_id", "article", "item", name="uq_determination_article"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("determination_standard.id"), index=True)
    article: Mapped[str] = mapped_column(sa.String(40))
    item: Mapped[str] = mapped_column(sa.String(40), default="")
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str | None] = mapped_column(sa.Text)
    industries: Mapped[str | None] = mapped_column(sa.String(300))
    effective_on: Mapped[date | None] = mapped_column(sa.Date)
    repealed_on: Mapped[date | None] = mapped_column(sa.Date)
    sort_order: Mapped[int] = mapped_column(default=0)

    standard: Mapped[DeterminationStandard] = relationship(back_populates="articles")

    @property
    def reference(self) -> str:
        """The citation, e.g. ``应急管理部令第10号 第十一条（三）``."""
        return f"{self.standard.doc_number} {self.article}{self.item}"

    def __repr__(self) -> str:
        return f"{self.reference} {self.title}"


class SlaPolicy(Model):
    """Deadlines per grade, optionally narrowed to one category (config, not code)."""

    __tablename__ = "sla_policy"
    __table_args__ = (
        sa.CheckConstraint(f"grade IN ({_GRADES})", name="ck_sla_policy_grade"),
        sa.UniqueConstraint("grade", "category_id", name="uq_sla_policy_grade_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    grade: Mapped[str] = mapped_column(sa.String(16), index=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"), index=True)
    confirm_hours: Mapped[int] = mapped_column()
    control_hours: Mapped[int | None] = mapped_column()
    rectify_days: Mapped[int] = mapped_column()
    review_days: Mapped[int] = mapped_column()
    max_extensions: Mapped[int] = mapped_column(default=1)
    extension_lead_working_days: Mapped[int] = mapped_column(default=0)
    progress_report_days: Mapped[int | None] = mapped_column()
    # Hours before a deadline at which reminders go out, e.g. [72, 24].
    reminder_offsets_hours: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    # Hours after a deadline at which the ticket escalates one level (enterprise→township→district).
    escalation_offsets_hours: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)

    category: Mapped[Category | None] = relationship()

    def terms(self) -> SlaTerms:
        """The policy as the lifecycle reads it."""
        return SlaTerms(
            confirm_hours=self.confirm_hours,
            control_hours=self.control_hours,
            rectify_days=self.rectify_days,
            review_days=self.review_days,
            max_extensions=self.max_extensions,
            extension_lead_working_days=self.extension_lead_working_days,
            reminder_offsets_hours=tuple(self.reminder_offsets_hours or ()),
            escalation_offsets_hours=tuple(self.escalation_offsets_hours or ()),
        )

    def __repr__(self) -> str:
        return self.name
