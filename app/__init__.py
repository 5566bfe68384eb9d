"""SafeLoop: the application factory. Wiring only; rules live in ``app.domain``."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_appbuilder import AppBuilder
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import csrf, db, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The configuration cannot run safely (e.g. production without a secret key)."""


# A session signing key shorter than this is guessable; `secrets.token_urlsafe(48)` gives 64.
MIN_SECRET_KEY_LENGTH = 32


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse to start with settings that are only acceptable on a developer's machine."""
    import config as defaults

    upload_folder = str(config.get("UPLOAD_FOLDER") or "").strip()
    if not upload_folder:
        # An empty path would store photos in whatever directory the process started in.
        raise ConfigurationError("SAFELOOP_UPLOAD_FOLDER is empty; name the folder for uploads.")
    if config.get("SAFELOOP_ENV") != "production":
        return
    key = config.get("SECRET_KEY")
    if not key or key == defaults.DEVELOPMENT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            "SAFELOOP_ENV=production needs SAFELOOP_SECRET_KEY set to a long random value "
            f"(at least {MIN_SECRET_KEY_LENGTH} characters)."
        )
    uri = str(config.get("SQLALCHEMY_DATABASE_URI", ""))
    if uri.startswith("sqlite") and not config.get("SAFELOOP_ALLOW_SQLITE_IN_PRODUCTION"):
        raise ConfigurationError(
            "SAFELOOP_ENV=production runs on PostgreSQL (SAFELOOP_DATABASE_URL); set "
            "SAFELOOP_ALLOW_SQLITE_IN_PRODUCTION=1 to run on SQLite anyway."
        )
    if not Path(upload_folder).is_absolute():
        raise ConfigurationError(
            "SAFELOOP_ENV=production needs SAFELOOP_UPLOAD_FOLDER as an absolute path "
            "(a relative one depends on the directory each process starts in)."
        )
    if not str(config.get("SAFELOOP_REDIS_URL") or "").strip():
        # The embedded Redis belongs to the process that started it; web, workers and the
        # scheduler of a production site share one standalone server.
        raise ConfigurationError(
            "SAFELOOP_ENV=production needs SAFELOOP_REDIS_URL (e.g. redis://127.0.0.1:6379/0)."
        )


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Web and worker processes write the same file: WAL lets readers go on while one writes,
    # the busy timeout makes a second writer wait instead of failing at once.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def rate_limit_storage(config: Mapping[str, Any]) -> str:
    """Where FAB's Flask-Limiter keeps its counters: the app's Redis (the embedded one too)."""
    from app.services.background import redis_url

    url = redis_url(config)
    return "redis+unix://" + url.removeprefix("unix://") if url.startswith("unix://") else url


def create_app(config_overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build a SafeLoop app from ``config.py`` (environment variables) plus ``config_overrides``."""
    import config as settings

    app = Flask(__name__, instance_path=str(settings.INSTANCE_DIR))
    app.config.from_object(settings)
    if config_overrides:
        app.config.update(config_overrides)
    check_config(app.config)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", rate_limit_storage(app.config))

    with app.app_context():
        from app import models  # noqa: F401 - every table must be known before FAB starts

        db.init_app(app)
        migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
        csrf.init_app(app)
        appbuilder = AppBuilder(update_perms=app.config.get("FAB_UPDATE_PERMS", False))
        appbuilder.init_app(app, db.session)

        from app import api, cli, templating, views

        templating.init_app(app)
        views.register(appbuilder)
        api.register(appbuilder)
        cli.init_app(app)
    proxies = int(app.config.get("SAFELOOP_TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind nginx every request comes from loopback; the client is in X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]
    return app
