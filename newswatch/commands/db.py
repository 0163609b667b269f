"""``newswatch db upgrade``: apply the Alembic migrations to the configured database."""

from __future__ import annotations

import click

from storage.db import upgrade


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.option("--database-url", default=None, help="Override DATABASE_URL.")
def upgrade_cmd(database_url: str | None) -> None:
    """Create or migrate the schema to the newest version."""
    upgrade(database_url)
    click.echo("database is up to date")
