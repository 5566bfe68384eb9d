"""Production settings are refused when they would be unsafe."""

from __future__ import annotations

import pytest

from app import ConfigurationError, check_config
from config import DEVELOPMENT_SECRET_KEY

POSTGRES = "postgresql+psycopg://safeloop@db/safeloop"


def test_production_without_a_secret_key_does_not_start() -> None:
    for key in (None, "", DEVELOPMENT_SECRET_KEY):
        with pytest.raises(ConfigurationError, match="SAFELOOP_SECRET_KEY"):
            check_config(
                {
                    "SAFELOOP_ENV": "production",
                    "SECRET_KEY": key,
                    "SQLALCHEMY_DATABASE_URI": POSTGRES,
                }
            )


def test_production_on_sqlite_needs_an_explicit_yes() -> None:
    settings = {
        "SAFELOOP_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///s.db",
    }
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        check_config(settings)
    check_config({**settings, "SAFELOOP_ALLOW_SQLITE_IN_PRODUCTION": True})
    check_config({**settings, "SQLALCHEMY_DATABASE_URI": POSTGRES})


def test_a_development_checkout_runs_with_the_defaults() -> None:
    check_config({"SAFELOOP_ENV": "development", "SECRET_KEY": DEVELOPMENT_SECRET_KEY})
