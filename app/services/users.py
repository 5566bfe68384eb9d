"""Users and their scope: create them idempotently, with their region and/or enterprise."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app

from app.domain import roles
from app.models import UserScope
from app.services.transaction import session


def security_manager() -> Any:
    return current_app.appbuilder.sm  # type: ignore[attr-defined]


def ensure_user(
    username: str,
    *,
    first_name: str,
    last_name: str,
    email: str,
    role_names: list[str],
    password: str,
    region_id: int | None = None,
    enterprise_id: int | None = None,
) -> Any:
    """Return the user ``username``, creating it (with its scope) when it does not exist.

    An existing user is left as it is, so running the seed twice changes nothing.
    """
    sm = security_manager()
    user = sm.find_user(username=username)
    if user is not None:
        return user
    role_objects = [sm.find_role(name) for name in role_names]
    if any(role is None for role in role_objects):
        raise LookupError(f"unknown role among {role_names}; run `flask safeloop init` first")
    user = sm.add_user(username, first_name, last_name, email, role_objects, password)
    if not user:
        raise RuntimeError(f"could not create user {username}")
    session().add(UserScope(user_id=user.id, region_id=region_id, enterprise_id=enterprise_id))
    session().commit()
    return user


def ensure_system_user() -> Any:
    """The named user background jobs act as; it cannot log in (random unknown password)."""
    return ensure_user(
        current_app.config["SAFELOOP_SYSTEM_USERNAME"],
        first_name="系统",
        last_name="",
        email="system@safeloop.invalid",
        role_names=[roles.SYSTEM],
        password=secrets.token_urlsafe(32),
    )
