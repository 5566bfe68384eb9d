"""``flask safeloop …`` commands: set-up (roles, permissions, data) and the background processes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_appbuilder.security.manager import BaseSecurityManager

if TYPE_CHECKING:
    from app.services.backup import ArchiveSummary

safeloop = AppGroup("safeloop", help="SafeLoop set-up and maintenance.")


@safeloop.command("init")
def init_command() -> None:
    """Create the roles and permissions and the system user (run after `flask db upgrade`)."""
    from app.services.users import ensure_system_user

    # FAB's own create_db would also create_all(); tables come from Alembic, so only the
    # base part (Admin and Public roles) runs here.
    BaseSecurityManager.create_db(current_app.appbuilder.sm)  # type: ignore[attr-defined]
    sync_roles()
    ensure_system_user()
    click.echo("Roles, permissions and the system user are in place.")


def sync_roles() -> None:
    """Write every view's permissions, then make each role match app.security.ROLE_PERMISSIONS."""
    appbuilder = current_app.appbuilder  # type: ignore[attr-defined]
    appbuilder.add_permissions(update_perms=True)
    appbuilder.sm.sync_role_definitions()


@safeloop.command("sync-roles")
def sync_roles_command() -> None:
    """Make the roles' permissions match their definitions (after a release adds screens)."""
    sync_roles()
    click.echo("Role permissions synchronised.")


@safeloop.command("seed")
@click.option(
    "--demo/--no-demo", default=True, help="Also load the demo district, users and hazards."
)
def seed_command(demo: bool) -> None:
    """Load reference data (categories, standards, SLA policies) and, by default, the demo."""
    from seed.loader import load_demo, load_reference

    click.echo(load_reference())
    if demo:
        click.echo(load_demo())


# --------------------------------------------------------------------------- backups
# (production path, issue 8)


@contextlib.contextmanager
def _backup_refusals() -> Iterator[None]:
    """Show a refused backup or restore as a one-line error (exit code 1), not a traceback."""
    from app.services.backup import BackupError

    try:
        yield
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc


def _describe(summary: ArchiveSummary) -> str:
    return (
        f"{summary.path}: {summary.backend} database at revision {summary.revision}, "
        f"{summary.upload_count} uploaded files ({summary.upload_bytes} bytes)"
    )


@safeloop.command("export-archive")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_archive_command(path: Path) -> None:
    """Write the database, the uploaded files and their SHA-256 manifest to PATH (.tar.gz)."""
    from app.services.backup import export_archive

    with _backup_refusals():
        summary = export_archive(path)
    click.echo(f"Wrote {_describe(summary)}.")


@safeloop.command("import-archive")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_archive_command(path: Path) -> None:
    """Restore PATH into the configured empty database and empty upload folder."""
    from app.services.backup import import_archive

    with _backup_refusals():
        summary = import_archive(path)
    click.echo(f"Restored {_describe(summary)}. Run `flask db upgrade` if this code is newer.")


@safeloop.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--queue",
    "queues",
    multiple=True,
    metavar="NAME",
    help="Queue to listen to (repeatable; default SAFELOOP_QUEUE).",
)
def worker_command(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker for SafeLoop's jobs (as many as wanted, on any machine)."""
    from app.jobs.worker import FlaskAppWorker
    from app.services.background import queue_name, redis_connection

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = FlaskAppWorker(
        list(queues) or [queue_name()], connection=redis_connection(), flask_app=app
    )
    # The scheduler inside the worker moves retries (back-off) back onto the queue.
    worker.work(burst=burst, with_scheduler=True)


@safeloop.command("scheduler")
@click.option("--queue", "queue", default=None, metavar="NAME", help="Queue to enqueue to.")
@click.option("--force", is_flag=True, help="Start even if another scheduler seems alive.")
def scheduler_command(queue: str | None, force: bool) -> None:
    """Run the one cron process: enqueue the deadline sweep on SAFELOOP_SWEEP_CRON (UTC)."""
    from app.jobs import sweep_deadlines, write_day_anchors
    from app.jobs.scheduler import build_scheduler, running_schedulers
    from app.services.background import enqueue, queue_name, redis_connection

    name = queue or queue_name()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    others = running_schedulers(redis_connection(), name)
    if others and not force:
        # RQ has no lock between cron processes: a second one would enqueue every sweep twice.
        raise click.ClickException(
            f"A scheduler for {name!r} is already running ({', '.join(others)}); exactly one "
            "may run. A stopped one is forgotten after 2 minutes, or use --force."
        )
    scheduler = build_scheduler(app, redis_connection(), name)
    # Catch up at once after a stop; the sweep and the day anchors are idempotent.
    enqueue(sweep_deadlines, queue_name=name)
    enqueue(write_day_anchors, queue_name=name)
    click.echo(f"Deadline sweep on {name!r}: cron {app.config['SAFELOOP_SWEEP_CRON']!r} (UTC).")
    scheduler.start()


@safeloop.command("webhook-receiver")
@click.option("--port", default=8765, show_default=True, help="Port on 127.0.0.1.")
@click.option("--secret", required=True, help="The subscriber's secret, as entered in SafeLoop.")
@click.option("--fail-first", default=0, help="Answer 500 to the first N deliveries (retries).")
def webhook_receiver_command(port: int, secret: str, fail_first: int) -> None:
    """A tiny local receiver for trying webhooks: checks signatures, drops replays, prints."""
    import json

    from app.receiver import Receiver

    def show(event: dict[str, object]) -> None:
        click.echo(json.dumps(event, ensure_ascii=False))

    receiver = Receiver(secret, port=port, fail_first=fail_first, on_event=show)
    click.echo(f"Receiving webhooks on {receiver.url} (Ctrl-C stops).")
    try:
        receiver.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.server.server_close()
        click.echo(
            f"{len(receiver.events)} events, {receiver.replays} replays dropped, "
            f"{receiver.bad_signatures} bad signatures refused."
        )


# --------------------------------------------------------------------------- proof (issue 13)


@safeloop.command("verify")
def verify_command() -> None:
    """Recompute every event chain, attachment SHA-256 and day anchor; exit 1 if any is broken."""
    from app.services.proof import verify

    result = verify()
    click.echo(
        f"Checked {result.tickets} tickets, {result.events} events, "
        f"{result.attachments} attachments, {result.anchors} day anchors."
    )
    for finding in result.findings:
        click.echo(f"BROKEN {finding.render()}", err=True)
    if not result.intact:
        raise click.ClickException(
            f"{len(result.findings)} broken links ({result.broken_tickets} tickets)."
        )
    click.echo("Every chain, attachment and anchor is intact.")


@safeloop.command("anchor")
def anchor_command() -> None:
    """Write the day anchors still missing, up to yesterday (the daily job does this too)."""
    from app.services.proof import write_anchors

    for anchor in write_anchors():
        click.echo(f"{anchor.day}: {anchor.ticket_count} tickets, anchor {anchor.hash}")


def init_app(app: Flask) -> None:
    app.cli.add_command(safeloop)
