"""``newswatch run``: the daily job once, by hand — crawl, flag, then alert.

What ``newswatch schedule`` does over a day, in one command: the crawl (matching runs in
its pipeline), the immediate alerts and crawl-health check that follow a crawl, then each
subscription's digest. With no SMTP server or Slack webhook configured, the messages are
written to the outbox folder (DATA_DIR/outbox) and each line says so. A crawl that failed
for some or all outlets does not stop the alerts (the health alert is how the team hears
of an outage); the exit code is the worst of the steps (docs/cli.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newswatch.commands.crawl import crawl_and_summarise
from newswatch.exitcodes import worst


@click.command()
@click.option("--outlet", "outlets", multiple=True, help="Outlet name (repeatable); default: all enabled.")
@click.option("--sources", type=click.Path(path_type=Path), default=None, help="sources.yaml to use.")
@click.option("--days", type=float, default=None, help="Only feed/sitemap items newer than this many days.")
@click.option("--dry-run", is_flag=True, help="Print the digests instead of sending them.")
@click.option("--database-url", default=None, help="Override DATABASE_URL.")
def run(outlets: tuple[str, ...], sources: Path | None, days: float | None, dry_run: bool,
        database_url: str | None) -> None:
    """Crawl every outlet, flag matches, send immediate alerts, health alerts and digests now.

    Exit code: 0 ok, 1 some outlets failed or deliveries pending, 2 configuration error,
    3 nothing could be fetched."""
    from alerts.service import AlertsRuntime, run_health, run_immediate
    from newswatch.commands.alerts import _runtime, run_digests

    _runtime(database_url)  # alerts.yaml and SMTP settings checked before a long crawl, not after
    codes = [crawl_and_summarise(outlets, sources, days, False, database_url)]
    if not dry_run:
        rt, _ = _runtime(database_url)
        assert isinstance(rt, AlertsRuntime)
        for outcome in [*run_immediate(rt), *run_health(rt)]:
            click.echo(outcome.line())
    codes.append(run_digests((), dry_run, None, False, database_url))
    sys.exit(worst(codes))
