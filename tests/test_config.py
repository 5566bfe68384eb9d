"""Production settings are refused when they would be unsafe, by the app and by `flask` itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app import ConfigurationError, check_config
from config import DEVELOPMENT_SECRET_KEY

POSTGRES = "postgresql+psycopg://safeloop@db/safeloop"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PRODUCTION: dict[str, Any] = {
    "SAFELOOP_ENV": "production",
    "SECRET_KEY": "k" * 64,
    "SQLALCHEMY_DATABASE_URI": POSTGRES,
    "UPLOAD_FOLDER": "/var/lib/safeloop/uploads",
    "SAFELOOP_REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_a_complete_production_configuration_starts() -> None:
    check_config(PRODUCTION)


def test_production_without_a_long_secret_key_does_not_start() -> None:
    for key in (None, "", DEVELOPMENT_SECRET_KEY, "short-key"):
        with pytest.raises(ConfigurationError, match="SAFELOOP_SECRET_KEY"):
            check_config({**PRODUCTION, "SECRET_KEY": key})


def test_production_on_sqlite_needs_an_explicit_yes() -> None:
    settings = {**PRODUCTION, "SQLALCHEMY_DATABASE_URI": "sqlite:///s.db"}
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        check_config(settings)
    check_config({**settings, "SAFELOOP_ALLOW_SQLITE_IN_PRODUCTION": True})


def test_production_needs_a_standalone_redis() -> None:
    for url in (None, "", "  "):
        with pytest.raises(ConfigurationError, match="SAFELOOP_REDIS_URL"):
            check_config({**PRODUCTION, "SAFELOOP_REDIS_URL": url})


def test_uploads_need_a_named_folder_and_production_an_absolute_one() -> None:
    for env in ("development", "production"):
        with pytest.raises(ConfigurationError, match="SAFELOOP_UPLOAD_FOLDER"):
            check_config({**PRODUCTION, "SAFELOOP_ENV": env, "UPLOAD_FOLDER": ""})
    with pytest.raises(ConfigurationError, match="absolute"):
        check_config({**PRODUCTION, "UPLOAD_FOLDER": "instance/uploads"})


def test_a_development_checkout_runs_with_the_defaults() -> None:
    check_config(
        {
            "SAFELOOP_ENV": "development",
            "SECRET_KEY": DEVELOPMENT_SECRET_KEY,
            "UPLOAD_FOLDER": "instance/uploads",
        }
    )


def run_flask(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """`flask routes` in a fresh process with only the given SAFELOOP_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFELOOP_")}
    env.update(
        FLASK_APP="app:create_app",
        SAFELOOP_INSTANCE_PATH=str(tmp_path),
        SAFELOOP_DATABASE_URL=f"sqlite:///{tmp_path / 'safeloop.db'}",
        **environment,
    )
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run(
        [str(flask), "routes"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_flask_refuses_to_start_in_production_with_the_development_key(tmp_path: Path) -> None:
    result = run_flask(tmp_path, SAFELOOP_ENV="production")
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr
    assert "SAFELOOP_SECRET_KEY" in result.stderr


def test_flask_refuses_sqlite_in_production_unless_allowed(tmp_path: Path) -> None:
    production = {
        "SAFELOOP_ENV": "production",
        "SAFELOOP_SECRET_KEY": "s" * 48,
        "SAFELOOP_UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SAFELOOP_REDIS_URL": "redis://127.0.0.1:6379/15",
    }
    refused = run_flask(tmp_path, **production)
    assert refused.returncode != 0
    assert "SAFELOOP_ALLOW_SQLITE_IN_PRODUCTION" in refused.stderr
    allowed = run_flask(tmp_path, **production, SAFELOOP_ALLOW_SQLITE_IN_PRODUCTION="1")
    assert allowed.returncode == 0, allowed.stderr
    assert "/login/" in allowed.stdout
