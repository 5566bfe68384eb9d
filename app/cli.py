"""``flask safeloop …`` commands: set-up (roles, permissions, data) and the background processes."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_appbuilder.security.manager import BaseSecurityManager

safeloop = AppGroup("safeloop", help="SafeLoop set-up and maintenance.")


@safeloop.command("init")
def init_command() -> None:
    """Create the roles and permissions and the system user (run after `flask db upgrade`)."""
    from app.services.users import ensure_system_user

    appbuilder = current_app.appbuilder  # type: ignore[attr-defined]
    sm = appbuilder.sm
    # FAB's own create_db would also create_all(); tables come from Alembic, so only the
    # base part (Admin and Public roles) runs here.
    BaseSecurityManager.create_db(sm)
    appbuilder.add_permissions(update_perms=True)
    sm.sync_role_definitions()
    ensure_system_user()
    click.echo("Roles, permissions and the system user are in place.")


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
    from app.jobs import sweep_deadlines
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
    # Catch up at once after a stop; the sweep is idempotent.
    enqueue(sweep_deadlines, queue_name=name)
    click.echo(f"Deadline sweep on {name!r}: cron {app.config['SAFELOOP_SWEEP_CRON']!r} (UTC).")
    scheduler.start()


def init_app(app: Flask) -> None:
    app.cli.add_command(safeloop)
