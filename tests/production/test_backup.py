"""A backup archive brings back the same tickets, timelines and photos after losing everything."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User

from app.domain.errors import InvalidError
from app.extensions import db
from app.models import Hazard, HazardEvent
from app.services.actors import actor_for
from app.services.backup import MANIFEST, unpack_archive
from app.services.exchange import changes_for
from app.services.lifecycle import report_hazard
from tests.conftest import prepared_app
from tests.factories import build_world, confirm, jpeg, report, to_pending_verification
from tests.support.databases import BOTH_BACKENDS, recreate_postgres_database


def build_history(app: Flask) -> None:
    """Tickets in several states, with their events, photos and an after-photo."""
    with app.app_context():
        world = build_world()
        report(world, title="仓库消防通道堵塞")
        confirm(world, report(world, title="配电箱未接地"))
        to_pending_verification(world, report(world, title="灭火器过期"))
        report(world, who="grid_b", enterprise=world.b1, title="冷库氨管锈蚀")


def snapshot(app: Flask) -> dict[str, Any]:
    """Every row of every table (all columns, in key order) and every uploaded file's bytes."""
    with app.app_context():
        with db.engine.connect() as connection:
            # The change feed's txid is the writing server's transaction id: a restore
            # renumbers it on purpose (see assert_the_feed_goes_on_after_the_restore).
            rows = {
                table.name: connection.execute(
                    sa.select(*(c for c in table.columns if c.name != "txid")).order_by(
                        *table.primary_key.columns
                    )
                ).all()
                for table in Model.metadata.sorted_tables
            }
            rows["alembic_version"] = connection.execute(
                sa.text("SELECT version_num FROM alembic_version")
            ).all()
        uploads = Path(app.config["UPLOAD_FOLDER"])
        files = {
            p.relative_to(uploads).as_posix(): p.read_bytes()
            for p in uploads.rglob("*")
            if p.is_file()
        }
    return {"rows": rows, "files": files}


def report_again(before: dict[str, Any]) -> Hazard:
    """grid_a reports one more hazard at the enterprise of the first ticket."""
    grid_a = db.session.scalars(sa.select(User).where(User.username == "grid_a")).one()
    values = {
        "title": "恢复后新上报",
        "description": "备份恢复后继续使用",
        "enterprise_id": before["rows"]["hazard"][0].enterprise_id,
    }
    hazard = report_hazard(actor_for(grid_a), values, [jpeg()])
    assert hazard.code not in {row.code for row in before["rows"]["hazard"]}
    return hazard


def assert_the_feed_goes_on_after_the_restore(
    before: dict[str, Any], hazard: Hazard, backend: str
) -> None:
    """Restored entries come first in the change feed (txid 0: a new server counts its
    transaction ids from lower down); what is written after the restore follows them, and a
    cursor from before the restore is refused with a request to start again."""
    district = actor_for(
        db.session.scalars(sa.select(User).where(User.username == "district")).one()
    )
    restored = db.session.scalars(
        sa.select(HazardEvent.txid).where(HazardEvent.hazard_id != hazard.id)
    ).all()
    assert set(restored) == {0}
    last_restored = max(row.id for row in before["rows"]["hazard_event"])
    page = changes_for(district, (0, last_restored))
    assert [change.hazard.id for change in page.changes] == [hazard.id]
    if backend == "postgres":
        with pytest.raises(InvalidError):
            changes_for(district, (10**15, 1))


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["safeloop", *args])


def lose_everything(app: Flask, url: str) -> None:
    """The disaster: the database and the upload folder are gone."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if url.startswith("postgresql"):
        recreate_postgres_database(url)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(sa.engine.make_url(url).database + suffix).unlink(missing_ok=True)
    shutil.rmtree(app.config["UPLOAD_FOLDER"])


@pytest.mark.parametrize("backend", BOTH_BACKENDS)
def test_export_lose_everything_restore_gives_the_same_tickets_events_and_files(
    backend: str, tmp_path: Path
) -> None:
    with prepared_app(tmp_path, backend) as app:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        build_history(app)
        before = snapshot(app)
        assert len(before["rows"]["hazard"]) == 4
        assert len(before["rows"]["hazard_event"]) >= 8
        assert len(before["files"]) == len(before["rows"]["attachment"]) == 5

        archive = tmp_path / "backups" / "safeloop.tar.gz"
        exported = run(app, "export-archive", str(archive))
        assert exported.exit_code == 0, exported.output
        assert "5 uploaded files" in exported.output
        assert archive.stat().st_mode & 0o077 == 0

        lose_everything(app, url)
        restored = run(app, "import-archive", str(archive))
        assert restored.exit_code == 0, restored.output

        after = snapshot(app)
        assert after["files"] == before["files"]
        for table, rows in before["rows"].items():
            assert after["rows"][table] == rows, table

        # Life goes on after the restore: the sequences were restored too.
        with app.app_context():
            hazard = report_again(before)
            assert hazard.id > max(row.id for row in before["rows"]["hazard"])
            assert_the_feed_goes_on_after_the_restore(before, hazard, backend)
        again = run(app, "import-archive", str(archive))
        assert again.exit_code != 0 and "not empty" in again.output
        with app.app_context():
            db.engine.dispose()


@pytest.mark.sqlite_only  # the checks are the same on both backends
def test_an_archive_is_never_overwritten_and_a_damaged_one_is_refused(tmp_path: Path) -> None:
    with prepared_app(tmp_path, "sqlite") as app:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        build_history(app)
        archive = tmp_path / "safeloop.tar.gz"
        assert run(app, "export-archive", str(archive)).exit_code == 0
        second = run(app, "export-archive", str(archive))
        assert second.exit_code != 0 and "never overwritten" in second.output

        # Flip one photo inside the archive, keeping its manifest.
        unpacked = tmp_path / "unpacked"
        unpack_archive(archive, unpacked)
        photo = next((unpacked / "uploads").rglob("*.jpg"))
        photo.write_bytes(photo.read_bytes()[:-1] + b"\0")
        damaged = tmp_path / "damaged.tar.gz"
        with tarfile.open(damaged, "w:gz") as tar:
            for path in sorted(unpacked.rglob("*")):
                if path.is_file():
                    tar.add(path, arcname=path.relative_to(unpacked).as_posix())
        assert (unpacked / MANIFEST).is_file()

        lose_everything(app, url)
        refused = run(app, "import-archive", str(damaged))
        assert refused.exit_code != 0 and "damaged" in refused.output
        # An entry pointing outside the folder it is unpacked to is refused too.
        escaping = tmp_path / "escaping.tar.gz"
        with tarfile.open(escaping, "w:gz") as tar:
            tar.add(unpacked / MANIFEST, arcname="../manifest.json")
        refused = run(app, "import-archive", str(escaping))
        assert refused.exit_code != 0 and "unexpected entry" in refused.output
        # Nothing was written: the database is still empty.
        with app.app_context():
            assert sa.inspect(db.engine).get_table_names() == []
            db.engine.dispose()
