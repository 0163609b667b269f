"""The one way every command reads a ``--since DATE`` option."""

from __future__ import annotations

from datetime import UTC, datetime

import click

SINCE_HELP = "Start date: 2026-11-20, or ISO 8601 like 2026-11-20T07:30+01:00 (UTC when no offset)."


def parse_since(value: str | None) -> datetime | None:
    """``2026-11-20`` or ISO 8601 (``2026-11-20T07:30+01:00``); UTC when no offset is given."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not a date: expected a date like 2026-11-20 or 2026-11-20T07:30+01:00"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
