"""Helpers for the exchange tests: an integration account and a client that follows the feed."""

from __future__ import annotations

from typing import Any

from app.domain import roles
from app.domain.exchange import START, decode_cursor
from app.domain.scope import Actor
from app.models import Region
from app.services.actors import actor_for
from app.services.exchange import changes_for, page_json
from app.services.transaction import atomic
from app.services.users import ensure_user
from tests.api.conftest import api, world  # noqa: F401 - the API tests' fixtures
from tests.views.conftest import in_app, login, screens  # noqa: F401 - the screens' fixtures


def integration_account(region: Region, username: str = "province") -> Actor:
    """A system's account (role Integration) that reads ``region``."""
    with atomic():
        user = ensure_user(
            username,
            first_name="平台",
            last_name="省",
            email=f"{username}@test.example",
            role_names=[roles.INTEGRATION],
            password="safeloop123",
            region_id=region.id,
        )
    return actor_for(user)


def follow(actor: Actor, cursor: str = "", limit: int = 100) -> tuple[list[dict[str, Any]], str]:
    """Read the feed from ``cursor`` (an answer's ``next``; "" for the start) until it is
    exhausted; return the changes and the cursor."""
    seen: list[dict[str, Any]] = []
    while True:
        since = decode_cursor(cursor) if cursor else START
        page = page_json(changes_for(actor, since, limit))
        seen.extend(page["changes"])
        if page["next"] == cursor:
            return seen, cursor
        cursor = page["next"]
