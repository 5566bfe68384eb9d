"""Benchmark (not a test): checking and importing a large ledger (台账) in bounded memory.

    .venv/bin/python tests/bench/bench_import.py check 100000
    .venv/bin/python tests/bench/bench_import.py import 100000

A child process builds a scratch SQLite database under /tmp (the test district, and one ticket
in ten of the ledger already imported, so those rows are recognised as existing) and writes a
ledger of N rows with xlsxwriter: a title row, header variants, text dates in four forms, and
one bad row in a hundred. This process then runs the dry run (``check``) or the whole ``valid``
import as township A's inspector and prints rows, seconds (wall and CPU: on a shared machine
the CPU time is the figure to compare), rows/s and the peak RSS.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
import xlsxwriter

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Hazard  # noqa: E402

HEADERS = ["台账编号", "企业名称", "隐患内容", "隐患类别", "隐患级别", "排查日期", "整改时限"]
HEADERS += ["整改状态", "销号日期", "管控措施"]
DATES = ["2024-3-{d}", "2024/03/{d:02d}", "2024年3月{d}日", "2024.3.{d}"]
CHUNK = 20_000


def settings(folder: Path) -> dict[str, str]:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "SAFELOOP_REPORT_FOLDER": str(folder / "reports"),
        "SAFELOOP_IMPORT_FOLDER": str(folder / "imports"),
        "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


def write_ledger(count: int, path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("台账")
    sheet.write_row(0, 0, ["甲镇安全隐患排查治理台账"])
    sheet.write_row(1, 0, HEADERS)
    for n in range(count):
        day = n % 28 + 1
        closed = n % 3 == 0
        found = DATES[n % 4].format(d=day) if n % 100 != 99 else "2024-02-30"
        sheet.write_row(
            n + 2,
            0,
            [
                f"JZ-{n:06d}",
                "甲机械厂" if n % 2 else "甲化工厂",
                f"车间第{n}号隐患：配电箱未接地，存在触电风险",
                "用电安全",
                "一般",
                found,
                "2024-04-30",
                "已整改" if closed else "整改中",
                "2024-04-20" if closed else "",
                "设置警示标志；断电检修" if n % 5 == 0 else "",
            ],
        )
    book.close()


def build(count: int, folder: Path) -> int:
    from seed.loader import load_reference
    from tests.factories import build_world

    app = create_app(settings(folder))
    with app.app_context():
        flask_migrate.upgrade()
        app.test_cli_runner().invoke(args=["safeloop", "init"])
        load_reference()
        world = build_world()
        now = datetime.now(UTC)
        base = {
            "district_id": world.district.id,
            "township_id": world.township_a.id,
            "village_id": world.village_a.id,
            "grid_id": world.grid_a.id,
            "enterprise_id": world.e1.id,
            "category_id": world.category_id,
            "grade": "general",
            "source": "enforcement",
            "state": "rectifying",
            "version": 1,
            "title": "已导入的隐患",
            "description": "已导入的隐患",
            "discovered_at": now - timedelta(days=300),
            "reported_at": now,
            "last_event_at": now,
            "created_at": now,
            "overdue": False,
            "overdue_days": 0,
            "escalation_level": 0,
            "extension_count": 0,
            "rework_count": 0,
            "fixed_on_spot": False,
        }
        existing = range(0, count, 10)
        for start in range(0, len(existing), CHUNK):
            rows = [
                {
                    **base,
                    "code": f"YH-339901001-2024-{n:07d}",
                    "external_id": str(uuid.uuid4()),
                    "ledger_no": f"JZ-{n:06d}",
                }
                for n in existing[start : start + CHUNK]
            ]
            db.session.execute(sa.insert(Hazard), rows)
            db.session.commit()
        write_ledger(count, folder / "ledger.xlsx")
        return world["inspector_a"].user_id or 0


def main() -> None:
    if sys.argv[1] == "build":
        print(build(int(sys.argv[2]), Path(sys.argv[3])))
        return
    what, count = sys.argv[1], int(sys.argv[2])
    folder = Path(tempfile.mkdtemp(prefix="safeloop-bench-import-"))
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, __file__, "build", str(count), str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    user_id = int(output.strip().splitlines()[-1])
    built = time.perf_counter() - started
    content = (folder / "ledger.xlsx").read_bytes()
    app = create_app(settings(folder))
    with app.app_context():
        from flask_appbuilder.security.sqla.models import User

        from app.services.actors import actor_for
        from app.services.ledger_import import (
            check_ledger,
            run_import,
            start_import,
            store_ledger,
            translators,
        )

        actor = actor_for(db.session.get(User, user_id))
        record = store_ledger(actor, "ledger.xlsx", content, "zh")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started, cpu_started = time.perf_counter(), time.process_time()
        if what == "check":
            result = check_ledger(actor, record, translators("zh"))
            rows, new, existing, errors = result.rows, result.new, result.existing, result.errors
            imported = 0
        else:
            start_import(actor, record.id, "valid")
            done = run_import(record.id, translators("zh"))
            rows, new, existing = done.row_count or 0, done.new_count, done.existing_count
            errors, imported = done.errors, done.imported_count
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{what} {rows} rows ({new} new, {existing} existing, {len(errors)} errors, "
        f"{imported} imported): {seconds:.1f} s ({cpu:.1f} s CPU), {rows / seconds:,.0f} rows/s, "
        f"file {len(content) / 1e6:.1f} MB, peak RSS {peak:.0f} MB "
        f"(before {rss_before:.0f} MB; data built in {built:.0f} s)"
    )


if __name__ == "__main__":
    main()
