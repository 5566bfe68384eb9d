"""Schema items that exist on one kind of database only.

An index that helps only SQLite's planner (PostgreSQL plans the same query as well without
it) is declared with SQLAlchemy's ``ddl_if(dialect="sqlite")``; its migration creates it on
SQLite only, and Alembic's comparison of models and database leaves it out elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def created_on(item: Any, dialect: str) -> bool:
    """Whether ``item`` (a table, index, constraint …) is created on ``dialect``."""
    # The condition that ddl_if() stored: SQLAlchemy's HasConditionalDDL keeps it there.
    condition = getattr(item, "_ddl_if", None)
    wanted = getattr(condition, "dialect", None)
    if wanted is None:
        return True
    return dialect == wanted if isinstance(wanted, str) else dialect in wanted


def include_object_on(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for a database of ``dialect``."""

    def include(item: Any, name: Any, type_: str, reflected: bool, compare_to: Any) -> bool:
        return reflected or created_on(item, dialect)

    return include
