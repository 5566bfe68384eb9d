"""``flask safeloop …`` commands: set up roles and permissions, load reference and demo data."""

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


def init_app(app: Flask) -> None:
    app.cli.add_command(safeloop)
