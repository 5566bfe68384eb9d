"""Dropdown choices for forms, each list scoped to what the user may see or pick."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import get_locale

from app.domain.scope import Actor
from app.domain.vocabulary import CategoryKind, RegionLevel, State
from app.models import (
    Attachment,
    Category,
    DeterminationArticle,
    DeterminationStandard,
    Enterprise,
    Hazard,
    Region,
)
from app.services.scoping import (
    categories_for,
    determination_articles_for,
    enterprises_for,
    hazards_for,
    regions_for,
)
from app.services.transaction import session

Choices = list[tuple[str, str]]


def _english() -> bool:
    return str(get_locale() or "zh").startswith("en")


def categories(actor: Actor, *, domain_tags: bool = False) -> Choices:
    """Leaf categories (the national 24), or the domain tags."""
    kinds = [CategoryKind.DOMAIN] if domain_tags else [CategoryKind.BASIC, CategoryKind.SITE]
    rows = session().scalars(
        categories_for(actor)
        .where(Category.parent_id.is_not(None), Category.kind.in_(kinds))
        .order_by(Category.kind, Category.sort_order)
    )
    return [(str(c.id), (c.name_en if _english() and c.name_en else c.name)) for c in rows]


def determination_articles(actor: Actor) -> Choices:
    rows = session().execute(
        determination_articles_for(actor)
        .add_columns(DeterminationStandard)
        .join(DeterminationStandard)
        .where(DeterminationArticle.repealed_on.is_(None))
        .order_by(DeterminationStandard.id, DeterminationArticle.sort_order)
    )
    return [(str(a.id), f"{s.doc_number} {a.article}{a.item} {a.title}") for a, s in rows]


def enterprises(actor: Actor) -> Choices:
    rows = session().scalars(enterprises_for(actor).order_by(Enterprise.name))
    return [(str(e.id), e.name) for e in rows]


def report_regions(actor: Actor) -> Choices:
    """Villages and grids a hazard without an enterprise can be placed in."""
    rows = session().scalars(
        regions_for(actor)
        .where(Region.level.in_([RegionLevel.VILLAGE.value, RegionLevel.GRID.value]))
        .order_by(Region.code)
    )
    return [(str(r.id), r.name) for r in rows]


def merge_targets(actor: Actor, hazard: Hazard) -> Choices:
    """Live tickets of the same township the duplicate may be merged into (newest first)."""
    rows = session().scalars(
        hazards_for(actor)
        .where(
            Hazard.township_id == hazard.township_id,
            Hazard.id != hazard.id,
            Hazard.state.not_in([State.MERGED.value, State.REJECTED.value]),
        )
        .order_by(Hazard.reported_at.desc())
        .limit(200)
    )
    return [(str(h.id), f"{h.code} {h.title}") for h in rows]


def removable_attachments(hazard: Hazard) -> Choices:
    rows = session().scalars(
        sa.select(Attachment).where(
            Attachment.hazard_id == hazard.id,
            Attachment.deleted_at.is_(None),
            Attachment.evidence_event_id.is_(None),
        )
    )
    return [(str(a.id), a.original_name) for a in rows]
