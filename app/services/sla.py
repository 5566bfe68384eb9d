"""Look up the SLA terms that apply to a ticket (policy per grade, optionally per category)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from app.domain.deadlines import DEFAULT_TERMS, SlaTerms
from app.models import SlaPolicy
from app.services.transaction import session


def terms_for(grade: str, category_id: int | None = None) -> SlaTerms:
    """The active policy for ``grade`` and ``category_id`` (category-specific wins)."""
    query = (
        sa.select(SlaPolicy)
        .where(SlaPolicy.grade == grade, SlaPolicy.active.is_(True))
        .where(sa.or_(SlaPolicy.category_id.is_(None), SlaPolicy.category_id == category_id))
        .order_by(SlaPolicy.category_id.is_(None))
        .limit(1)
    )
    policy = session().execute(query).scalar_one_or_none()
    return policy.terms() if policy else DEFAULT_TERMS[grade]


def terms_lookup(category_id: int | None) -> Callable[[str], SlaTerms]:
    """A per-grade lookup bound to one category, as the lifecycle's Facts expect."""
    cache: dict[str, SlaTerms] = {}

    def lookup(grade: str) -> SlaTerms:
        if grade not in cache:
            cache[grade] = terms_for(grade, category_id)
        return cache[grade]

    return lookup
