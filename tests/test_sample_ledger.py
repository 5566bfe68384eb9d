"""The sample ledger in seed/: what an inspector of 枫林街道 sees when trying the import."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from app.extensions import db
from app.models import Hazard, HazardEvent
from app.services.actors import actor_by_username
from app.services.ledger_import import (
    check_ledger,
    run_import,
    start_import,
    store_ledger,
    translators,
)
from seed import sample_ledger
from tests.test_seed import demo_app  # noqa: F401 - the demo district, once per module


def cells(path: Path) -> list[tuple[object, ...]]:
    return list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))


def test_the_shipped_sample_is_what_the_script_writes(tmp_path: Path) -> None:
    rebuilt = sample_ledger.build(tmp_path / "sample.xlsx")
    assert cells(rebuilt) == cells(sample_ledger.PATH)


def test_the_sample_ledger_shows_its_mistakes_then_imports_the_rest(
    demo_app: Flask,  # noqa: F811 - the fixture imported above
) -> None:
    with demo_app.app_context():
        inspector = actor_by_username("inspector1")
        content = sample_ledger.PATH.read_bytes()
        record = store_ledger(inspector, "sample_ledger.xlsx", content, "zh")
        result = check_ledger(inspector, record, translators("zh"))
        problems = {(e["row"], e["column"]) for e in result.errors}
        assert problems == {
            (7, "管控措施"),  # a major hazard being rectified without control measures
            (8, "排查日期"),  # 2025-02-30
            (9, "销号日期"),  # closed without its close date
            (10, "单位名称"),  # an enterprise that is not registered
            (11, "单位名称"),  # an enterprise of 望湖街道, not the inspector's
            (13, "台账编号"),  # the same ledger number as row 4
            (14, "统一社会信用代码"),  # a wrong check character
        }
        assert (result.rows, result.new, result.existing) == (12, 5, 0)
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Hazard))
        start_import(inspector, record.id, "valid")
        done = run_import(record.id, translators("zh"))
        assert done.imported_count == 5
        imported = db.session.scalars(
            sa.select(Hazard).where(Hazard.ledger_no.like("FL-2025-%")).order_by(Hazard.ledger_no)
        ).all()
        assert [h.ledger_no for h in imported] == [
            "FL-2025-001",
            "FL-2025-002",
            "FL-2025-003",
            "FL-2025-009",
            "FL-2025-012",
        ]
        assert [h.state for h in imported][:2] == ["closed", "rectifying"]
        events = db.session.scalars(
            sa.select(HazardEvent).where(HazardEvent.hazard_id.in_([h.id for h in imported]))
        ).all()
        assert {e.action for e in events} == {"import"} and len(events) == 5
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard)) == before + 5
