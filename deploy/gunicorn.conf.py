"""gunicorn settings for SafeLoop: `gunicorn --config deploy/gunicorn.conf.py 'app:create_app()'`.

Command-line options override these (the tests pass their own --bind).
"""

import multiprocessing
import os

bind = os.environ.get("SAFELOOP_BIND", "127.0.0.1:8000")

# Sync workers, one request each: a request mostly waits on PostgreSQL or the disk, so the usual
# 2 × cores + 1 keeps the CPUs busy without queueing. Each worker is a separate process with its
# own app and connection pool (at most 15 connections, in practice 1), so keep
# workers × 15 + RQ workers × 15 below PostgreSQL's max_connections (100 on Debian).
workers = int(os.environ.get("SAFELOOP_WEB_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"

# Each worker builds its own app after the fork: no database connection is shared between
# processes. FAB_UPDATE_PERMS stays off (config.py), so starting 2 × cores + 1 workers at once
# writes nothing; `flask safeloop init` writes the permissions once per deploy.
preload_app = False

# Large PDF/XLSX lists take a while; a stuck request is still killed in the end.
timeout = 120
graceful_timeout = 30
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200

# nginx on the same machine sets X-Forwarded-Proto; trust it from loopback only.
forwarded_allow_ips = "127.0.0.1,::1"
accesslog = "-"
errorlog = "-"
