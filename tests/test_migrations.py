"""The migration chain builds exactly the models, from empty, and unwinds to nothing."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

from app.extensions import db
from app.models.ddl import include_object_on
from tests.conftest import build_app
from tests.support.databases import BOTH_BACKENDS, temporary_database


def schema_diff() -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": include_object_on(connection.dialect.name),
            },
        )
        return list(compare_metadata(context, Model.metadata))


@pytest.mark.parametrize("backend", BOTH_BACKENDS)
def test_upgrade_from_empty_gives_exactly_the_models_and_downgrade_removes_them(
    backend: str, tmp_path: Path
) -> None:
    with temporary_database(tmp_path, backend) as url:
        app = build_app(url, tmp_path)
        with app.app_context():
            flask_migrate.upgrade()
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {
                "ab_user",
                "ab_role",
                "ab_api_key",
                "hazard",
                "hazard_event",
                "attachment",
            } <= tables
            assert schema_diff() == []
            flask_migrate.downgrade(revision="base")
            left = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert left == set()
            db.engine.dispose()
