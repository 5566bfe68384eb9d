"""Helpers for the ledger import tests: store a workbook and check it, or import it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.domain.scope import Actor
from app.services.ledger_import import (
    Result,
    check_ledger,
    run_import,
    start_import,
    store_ledger,
    translators,
)
from tests.factories import World, build_world


@pytest.fixture
def world(ctx: Flask) -> World:
    return build_world()


def dry_run(
    actor: Actor, content: bytes, name: str = "甲镇台账.xlsx", locale: str = "zh"
) -> Result:
    record = store_ledger(actor, name, content, locale)
    return check_ledger(actor, record, translators(locale))


def import_ledger(
    actor: Actor, content: bytes, mode: str = "valid", name: str = "甲镇台账.xlsx"
) -> Any:
    """Upload, queue and run an import (the job's work, in-process); return the finished import."""
    record = store_ledger(actor, name, content, "zh")
    start_import(actor, record.id, mode)
    return run_import(record.id, translators("zh"))


def errors_by_row(result: Any) -> dict[int, dict[str, str]]:
    """{sheet row: {column header: message}} of a check's or an import's errors."""
    errors = result.errors if isinstance(result, Result) else result["errors"]
    found: dict[int, dict[str, str]] = {}
    for error in errors:
        found.setdefault(error["row"], {})[error["column"]] = error["message"]
    return found
