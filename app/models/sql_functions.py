"""SQL functions the set-based deadline sweep needs, on PostgreSQL and on SQLite alike.

``local_date(instant, zone)`` is the calendar date of a stored UTC instant in ``zone``:
PostgreSQL computes it with ``timezone()``; SQLite has no zones, so the same Python rule as
``app.domain.deadlines.local_date`` is registered on every SQLite connection.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

from app.domain.deadlines import local_date as domain_local_date


class local_date(GenericFunction[Any]):
    """``local_date(instant_column, zone_name)`` -> DATE in that zone."""

    type = sa.Date()
    inherit_cache = True


class days_between(GenericFunction[int]):
    """``days_between(later_date, earlier_date)`` -> whole days (an integer)."""

    type = sa.Integer()
    inherit_cache = True


class hours_between(GenericFunction[float]):
    """``hours_between(later_instant, earlier_instant)`` -> hours (a real number)."""

    type = sa.Float()
    inherit_cache = True


class whole_hours_between(GenericFunction[int]):
    """``whole_hours_between(later_instant, earlier_instant)`` -> completed hours (floor)."""

    type = sa.Integer()
    inherit_cache = True


class cell_index(GenericFunction[int]):
    """``cell_index(non_negative_value, size)`` -> FLOOR(value / size) as an integer."""

    type = sa.Integer()
    inherit_cache = True


@compiles(cell_index)
def _cell_index(element: cell_index, compiler: SQLCompiler, **kw: Any) -> str:
    value, size = (compiler.process(c, **kw) for c in element.clauses)
    if compiler.dialect.name == "postgresql":
        return f"CAST(FLOOR(({value}) / ({size})) AS INTEGER)"
    # SQLite's CAST truncates, the same as FLOOR for the non-negative values given here.
    return f"CAST(({value}) / ({size}) AS INTEGER)"


@compiles(local_date, "postgresql")
def _local_date_pg(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    instant, zone = list(element.clauses)
    return (
        f"CAST(timezone({compiler.process(zone, **kw)}, {compiler.process(instant, **kw)}) AS DATE)"
    )


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"safeloop_local_date({compiler.process(element.clauses, **kw)})"


@compiles(days_between, "postgresql")
def _days_between_pg(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"(CAST({compiler.process(later, **kw)} AS DATE) - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


def _hours(element: Any, compiler: SQLCompiler, **kw: Any) -> str:
    """The span between the two instant arguments in (fractional) hours, per dialect."""
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    if compiler.dialect.name == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)"
    return f"((julianday({later}) - julianday({earlier})) * 24.0)"


@compiles(hours_between)
def _hours_between(element: hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    return _hours(element, compiler, **kw)


@compiles(whole_hours_between)
def _whole_hours_between(element: whole_hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    # FLOOR on both (SQLite's CAST truncates, the same for the non-negative spans measured).
    hours = _hours(element, compiler, **kw)
    if compiler.dialect.name == "postgresql":
        return f"CAST(FLOOR({hours}) AS INTEGER)"
    return f"CAST({hours} AS INTEGER)"


def _sqlite_from_hint(self: Any, table: Any, text: str | None) -> str | None:
    return text


# SQLAlchemy's SQLite dialect drops table hints (its compiler has no hook for them); SQLite
# itself takes "FROM t INDEXED BY ix". Queries that need it say so with
# ``.with_hint(table, "INDEXED BY …", "sqlite")``; other dialects never see the hint.
SQLiteCompiler.get_from_hint_text = _sqlite_from_hint  # type: ignore[method-assign]


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _sqlite_local_date(stored: str | None, zone: str) -> str | None:
    if stored is None:
        return None
    # Zone offsets are whole minutes, so the local date only changes at a minute boundary:
    # a sweep over 100,000 tickets parses each distinct minute once ("YYYY-MM-DD HH:MM").
    return _local_date_of_minute(stored[:16], zone)


@lru_cache(maxsize=65536)
def _local_date_of_minute(minute: str, zone: str) -> str:
    instant = datetime.fromisoformat(minute).replace(tzinfo=UTC)
    return domain_local_date(instant, _zone(zone)).isoformat()


@sa.event.listens_for(sa.engine.Engine, "connect")
def _register_sqlite_functions(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            "safeloop_local_date", 2, _sqlite_local_date, deterministic=True
        )
