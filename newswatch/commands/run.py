"""``newswatch run``: the daily job once, by hand — crawl, flag, then alert.

What ``newswatch schedule`` does over a day, in one command: the crawl (matching runs in
its pipeline), the immediate alerts and crawl-health check that follow a crawl, then each
subscription's digest. With no SMTP server or Slack webhook configured, the messages are
written to the outbox folder (DATA_DIR/outbox) and each line says so.
"""

from __future__ import annotations

from pathlib import Path

import click

from newswatch.commands.crawl import crawl


@click.command()
@click.option("--outlet", "outlets", multiple=True, help="Outlet name (repeatable); default: all enabled.")
@click.option("--sources", type=click.Path(path_type=Path), default=None, help="sources.yaml to use.")
@click.option("--days", type=float, default=None, help="Only feed/sitemap items newer than this many days.")
@click.option("--dry-run", is_flag=True, help="Print the digests instead of sending them.")
@click.pass_context
def run(ctx: click.Context, outlets: tuple[str, ...], sources: Path | None, days: float | None, dry_run: bool) -> None:
    """Crawl every outlet, flag matches, send immediate alerts, health alerts and digests now."""
    from alerts.service import AlertsRuntime, run_health, run_immediate
    from newswatch.commands.alerts import _runtime, digest

    ctx.invoke(crawl, outlets=outlets, sources=sources, days=days, worker=False)
    if not dry_run:
        rt, _ = _runtime()
        assert isinstance(rt, AlertsRuntime)
        for outcome in [*run_immediate(rt), *run_health(rt)]:
            click.echo(outcome.line())
    ctx.invoke(digest, names=(), dry_run=dry_run, since=None, immediate=False)
