"""The production recipe of README, run as written where a test can: the environment file, the
`safeloop-flask` wrapper, the migrations and `flask safeloop init`, gunicorn from the systemd
unit's command line, and a backup archive of what it served."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.databases import BOTH_BACKENDS, temporary_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT_ROOT / "deploy"
VENV = Path(sys.executable).parent.parent
SECRET_KEY = "test-only-" + "k" * 48


def env_file_settings() -> dict[str, str]:
    """The KEY=value lines of deploy/safeloop.env.example."""
    settings = {}
    for line in (DEPLOY / "safeloop.env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings[key] = value
    return settings


def write_env_file(tmp_path: Path, database_url: str, **changes: str) -> Path:
    """The example environment file with this machine's database, folders and a real key."""
    settings = {
        **env_file_settings(),
        "SAFELOOP_SECRET_KEY": SECRET_KEY,
        "SAFELOOP_DATABASE_URL": database_url,
        "SAFELOOP_REDIS_URL": os.environ.get(
            "SAFELOOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"
        ),
        "SAFELOOP_INSTANCE_PATH": str(tmp_path),
        "SAFELOOP_UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SAFELOOP_WEB_WORKERS": "2",
        **changes,
    }
    if database_url.startswith("sqlite"):
        settings["SAFELOOP_ALLOW_SQLITE_IN_PRODUCTION"] = "1"
    path = tmp_path / "safeloop.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()), encoding="utf-8")
    return path


def clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("SAFELOOP_", "FLASK_"))}


def safeloop_flask(env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run deploy/safeloop-flask as README does, as the current user on this checkout."""
    env = {
        **clean_environment(),
        "SAFELOOP_HOME": str(PROJECT_ROOT),
        "SAFELOOP_VENV": str(VENV),
        "SAFELOOP_ENV_FILE": str(env_file),
        "SAFELOOP_USER": subprocess.run(
            ["id", "-un"], capture_output=True, text=True, check=True
        ).stdout.strip(),
    }
    result = subprocess.run(
        [str(DEPLOY / "safeloop-flask"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def unit_command(unit: str) -> list[str]:
    """The ExecStart of a systemd unit in deploy/, pointed at this checkout's virtualenv."""
    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
    match = re.search(r"^ExecStart=(.+)$", text, re.MULTILINE)
    assert match, unit
    command = shlex.split(match.group(1))
    return [part.replace("/opt/safeloop/.venv", str(VENV)) for part in command]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment_of(env_file: Path) -> dict[str, str]:
    settings = dict(
        line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines() if line
    )
    return {**clean_environment(), **settings}


@contextlib.contextmanager
def gunicorn(env_file: Path, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn as safeloop-web.service starts it (plus a test port), stopped afterwards."""
    command = [*unit_command("safeloop-web.service"), "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=environment_of(env_file),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_login_page(process: subprocess.Popen[bytes], port: int, log: Path) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            # The socket opens before the workers have built the app: a first request may wait.
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=30) as answer:
                assert answer.status == 200
                return str(answer.read().decode("utf-8"))
        except OSError:  # refused, reset or timed out (URLError is one too)
            time.sleep(0.5)
    pytest.fail(f"gunicorn did not serve /login/ within 90 s:\n{log.read_text()}")


def permission_rows(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(sa.text("SELECT count(*) FROM ab_permission_view")).scalar_one()
            )
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("backend", BOTH_BACKENDS)
def test_the_production_recipe_serves_the_login_page_with_gunicorn(
    backend: str, tmp_path: Path
) -> None:
    with temporary_database(tmp_path, backend) as url:
        env_file = write_env_file(tmp_path, url)
        safeloop_flask(env_file, "db", "upgrade")
        safeloop_flask(env_file, "safeloop", "init")
        safeloop_flask(env_file, "safeloop", "seed", "--no-demo")
        permissions = permission_rows(url)
        assert permissions > 0

        port, log = free_port(), tmp_path / "gunicorn.log"
        with gunicorn(env_file, port, log) as process:
            page = wait_for_login_page(process, port, log)
            assert 'name="username"' in page
        assert process.returncode == 0, log.read_text()
        # Two workers started at once wrote no permissions: `init` did, once.
        assert permission_rows(url) == permissions
        assert "Booting worker" in log.read_text()

        archive = tmp_path / "backups" / "nightly.tar.gz"
        exported = safeloop_flask(env_file, "safeloop", "export-archive", str(archive))
        assert archive.is_file(), exported.stdout


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_gunicorn_refuses_to_serve_production_with_the_development_key(tmp_path: Path) -> None:
    env_file = write_env_file(
        tmp_path, f"sqlite:///{tmp_path / 'safeloop.db'}", SAFELOOP_SECRET_KEY=""
    )
    port, log = free_port(), tmp_path / "gunicorn.log"
    with gunicorn(env_file, port, log) as process:
        process.wait(timeout=90)
    assert process.returncode != 0
    assert "SAFELOOP_SECRET_KEY" in log.read_text()


def test_the_environment_file_names_only_settings_the_code_reads() -> None:
    code = (PROJECT_ROOT / "config.py").read_text(encoding="utf-8") + (
        DEPLOY / "gunicorn.conf.py"
    ).read_text(encoding="utf-8")
    unknown = [k for k in env_file_settings() if k != "FLASK_APP" and f'"{k}"' not in code]
    assert unknown == []


def test_every_service_runs_the_installed_virtualenv_as_the_safeloop_user() -> None:
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text(encoding="utf-8")
        assert "User=safeloop" in text, unit.name
        assert "EnvironmentFile=/etc/safeloop/safeloop.env" in text, unit.name
        assert "/opt/safeloop/.venv/bin/" in text, unit.name


def redis_or_skip() -> str:
    url = os.environ.get("SAFELOOP_TEST_REDIS_URL")
    if not url:
        pytest.skip("needs a Redis server: set SAFELOOP_TEST_REDIS_URL")
    return url


@pytest.mark.slow
@pytest.mark.parametrize("backend", BOTH_BACKENDS)
def test_two_worker_units_run_each_queued_job_once_and_the_scheduler_unit_starts(
    backend: str, tmp_path: Path
) -> None:
    """The worker and scheduler units' commands, against a real Redis and the database."""
    import uuid

    from app import create_app
    from app.extensions import db
    from app.models import Report
    from app.services.actors import system_actor
    from app.services.reports import request_report
    from seed.loader import load_reference

    redis_url = redis_or_skip()
    queue = f"deploy-test-{uuid.uuid4().hex[:8]}"
    with temporary_database(tmp_path, backend) as url:
        env_file = write_env_file(tmp_path, url, SAFELOOP_REDIS_URL=redis_url, SAFELOOP_QUEUE=queue)
        safeloop_flask(env_file, "db", "upgrade")
        safeloop_flask(env_file, "safeloop", "init")
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SAFELOOP_REDIS_URL": redis_url,
                "SAFELOOP_QUEUE": queue,
                "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                "SAFELOOP_REPORT_FOLDER": str(tmp_path / "reports"),
            }
        )
        with app.app_context():
            from app.jobs import queue_report

            load_reference()
            actor = system_actor()
            ids = [request_report(actor, "responsibility", "csv").id for _ in range(6)]
            assert all(queue_report(report_id) for report_id in ids)
        env = {**environment_of(env_file), "SAFELOOP_REPORT_FOLDER": str(tmp_path / "reports")}
        workers = [
            subprocess.Popen(
                [*unit_command("safeloop-worker@.service"), "--burst", "--queue", queue],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        for worker in workers:
            output = worker.communicate(timeout=180)[0].decode()
            assert worker.returncode == 0, output
        with app.app_context():
            reports = db.session.query(Report).filter(Report.id.in_(ids)).all()
            assert {r.status for r in reports} == {"finished"}
            files = list((tmp_path / "reports").glob("report-*.csv"))
            assert len(files) == len(ids)  # each job ran once
            db.engine.dispose()

        scheduler = subprocess.Popen(
            [*unit_command("safeloop-scheduler.service"), "--queue", queue],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        time.sleep(8)
        assert scheduler.poll() is None, scheduler.communicate()[0].decode()
        scheduler.terminate()
        output = scheduler.communicate(timeout=30)[0].decode()
        assert "cron" in output.lower()
