"""Turn a FAB user into the domain's Actor (roles plus assigned region/enterprise)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_appbuilder.security.sqla.models import User

from app.domain import roles
from app.domain.scope import Actor
from app.domain.vocabulary import RegionLevel
from app.models import Region, UserScope
from app.services.transaction import session


def display_name(user: Any) -> str:
    """How a user is named on the timeline: Chinese order, family name first."""
    full = f"{user.last_name or ''}{user.first_name or ''}".strip()
    return full or user.username


def actor_for(user: Any) -> Actor:
    """The Actor for a FAB user (``g.user``, or one looked up by a job)."""
    scope = session().get(UserScope, user.id)
    region_level: RegionLevel | None = None
    region_id = scope.region_id if scope else None
    if region_id is not None:
        region = session().get(Region, region_id)
        region_level = RegionLevel(region.level) if region else None
    return Actor(
        user_id=user.id,
        name=display_name(user),
        roles=frozenset(role.name for role in user.roles),
        region_id=region_id,
        region_level=region_level,
        enterprise_id=scope.enterprise_id if scope else None,
    )


def actor_by_username(username: str) -> Actor:
    """The Actor of the user called ``username`` (raises LookupError if there is none)."""
    user = session().query(User).filter_by(username=username).one_or_none()
    if user is None:
        raise LookupError(f"no user {username!r}")
    return actor_for(user)


def system_actor() -> Actor:
    """The named system user that background jobs act as."""
    return actor_by_username(current_app.config["SAFELOOP_SYSTEM_USERNAME"])


def is_system(actor: Actor) -> bool:
    return actor.has_role(roles.SYSTEM)
