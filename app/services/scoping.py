"""Scope rules (``app.domain.scope``) as SQLAlchemy filters, and scoped look-ups.

Every query that lists or fetches tickets, enterprises or regions for a user goes through
these functions: lists, details, dropdowns, exports, downloads and the API alike.
"""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from app.domain.errors import NotFoundError
from app.domain.messages import N_, Message
from app.domain.scope import (
    Actor,
    EnterpriseRule,
    RegionRule,
    ReporterRule,
    Scope,
    region_column,
    scope_of,
)
from app.domain.vocabulary import RegionLevel
from app.models import Attachment, Category, DeterminationArticle, Enterprise, Hazard, Region
from app.services.transaction import session

T = TypeVar("T")


def _rule_clause(model: Any, rule: object) -> ColumnElement[bool] | None:
    if isinstance(rule, RegionRule):
        column = getattr(model, region_column(rule.level), None)
        return None if column is None else column == rule.region_id
    if isinstance(rule, EnterpriseRule):
        column = model.id if model is Enterprise else getattr(model, "enterprise_id", None)
        return None if column is None else column == rule.enterprise_id
    if isinstance(rule, ReporterRule):
        column = getattr(model, "reported_by_id", None)
        return None if column is None else column == rule.user_id
    return None


def scope_clause(model: Any, scope: Scope) -> ColumnElement[bool]:
    """A WHERE clause restricting ``model`` (Hazard, Enterprise, Region) to ``scope``."""
    if scope.everything:
        return sa.true()
    clauses = [c for c in (_rule_clause(model, rule) for rule in scope.rules) if c is not None]
    if model is Region:
        clauses.extend(_regions_of_enterprises(scope))
    return sa.or_(*clauses) if clauses else sa.false()


def _regions_of_enterprises(scope: Scope) -> list[ColumnElement[bool]]:
    # An enterprise officer may pick the village their enterprise is in, and those above it.
    ids = [rule.enterprise_id for rule in scope.rules if isinstance(rule, EnterpriseRule)]
    if not ids:
        return []
    placed = sa.select(
        Enterprise.district_id, Enterprise.township_id, Enterprise.village_id, Enterprise.grid_id
    ).where(Enterprise.id.in_(ids))
    region_ids = {rid for row in session().execute(placed) for rid in row if rid is not None}
    return [Region.id.in_(region_ids)] if region_ids else []


def hazards_for(actor: Actor) -> sa.Select[Any]:
    """All live (not soft-deleted) tickets ``actor`` may see."""
    return sa.select(Hazard).where(
        Hazard.deleted_at.is_(None), scope_clause(Hazard, scope_of(actor))
    )


def enterprises_for(actor: Actor) -> sa.Select[Any]:
    """The enterprises ``actor`` may see or choose (e.g. in a report's dropdown)."""
    return sa.select(Enterprise).where(
        Enterprise.active.is_(True), scope_clause(Enterprise, scope_of(actor))
    )


def regions_for(actor: Actor) -> sa.Select[Any]:
    """The regions ``actor`` may see or choose."""
    return sa.select(Region).where(Region.active.is_(True), scope_clause(Region, scope_of(actor)))


def public_townships() -> sa.Select[Any]:
    """The townships a member of the public may name in a report: all active ones (no login)."""
    return sa.select(Region).where(
        Region.active.is_(True), Region.level == RegionLevel.TOWNSHIP.value
    )


def categories_for(actor: Actor) -> sa.Select[Any]:
    """The hazard categories and domain tags ``actor`` may choose: the same for everyone."""
    return sa.select(Category).where(Category.active.is_(True))


def determination_articles_for(actor: Actor) -> sa.Select[Any]:
    """The articles a major hazard's basis may cite: the same for everyone, repealed ones too
    (a ticket keeps the basis that was in force when it was determined)."""
    return sa.select(DeterminationArticle)


def not_found() -> NotFoundError:
    return NotFoundError(Message(N_("Hazard not found.")))


def hazard_for(actor: Actor, hazard_id: int) -> Hazard:
    """The ticket ``hazard_id`` if ``actor`` may see it; otherwise NotFoundError (404)."""
    hazard: Hazard | None = (
        session().scalars(hazards_for(actor).where(Hazard.id == hazard_id)).one_or_none()
    )
    if hazard is None:
        raise not_found()
    return hazard


def attachment_for(actor: Actor, attachment_id: int) -> Attachment:
    """An attachment whose ticket ``actor`` may see; otherwise NotFoundError (404)."""
    query = (
        sa.select(Attachment)
        .join(Hazard, Hazard.id == Attachment.hazard_id)
        .where(
            Attachment.id == attachment_id,
            Attachment.deleted_at.is_(None),
            Hazard.deleted_at.is_(None),
            scope_clause(Hazard, scope_of(actor)),
        )
    )
    attachment = session().scalars(query).one_or_none()
    if attachment is None:
        raise NotFoundError(Message(N_("Attachment not found.")))
    return attachment
