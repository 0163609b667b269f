"""``newswatch crawl``: run the news spider in this process, then print a per-outlet summary."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from crawler.sources import SourcesError, load_sources, select_outlets
from newswatch.settings import get_settings
from storage.db import get_engine, session_scope, upgrade
from storage.models import CrawlRun


def scrapy_settings(overrides: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_spider(outlets: tuple[str, ...], sources: Path | None, days: float | None,
               overrides: dict[str, object] | None = None) -> int | None:
    """Crawl in this process (Twisted's reactor runs once per process) and return the run id."""
    from scrapy.crawler import CrawlerProcess

    # the command configured logging already (newswatch.cli): no second root handler
    process = CrawlerProcess(scrapy_settings({"STATS_DUMP": False, "LOG_INSTALL_ROOT_HANDLER": False,
                                              **(overrides or {})}))
    crawler = process.create_crawler("news")
    process.crawl(crawler, outlets=",".join(outlets), sources=str(sources) if sources else None, days=days)
    process.start()
    return getattr(crawler, "newswatch_run_id", None)


def format_summary(run: CrawlRun) -> str:
    lines = [f"crawl run {run.id}: {run.status} ({run.finish_reason or '-'})",
             f"{'outlet':32} {'articles':>8} {'pages':>6} {'errors':>6} {'empty':>5} {'not-art':>7}  last error"]
    for name, figures in sorted(run.outlet_stats.items()):
        lines.append(
            f"{name[:32]:32} {figures.get('articles', 0):8d} {figures.get('pages', 0):6d} "
            f"{figures.get('errors', 0):6d} {figures.get('empty', 0):5d} {figures.get('not_article', 0):7d}  "
            f"{(figures.get('last_error') or '')[:80]}"
        )
    totals = {k: sum(f.get(k, 0) for f in run.outlet_stats.values()) for k in ("articles", "pages", "errors")}
    lines.append(f"total: {totals['articles']} new articles, {totals['pages']} pages, {totals['errors']} errors")
    return "\n".join(lines)


@click.command()
@click.option("--outlet", "outlets", multiple=True, help="Outlet name (repeatable); default: all enabled.")
@click.option("--sources", type=click.Path(path_type=Path), default=None, help="sources.yaml to use.")
@click.option("--days", type=float, default=None, help="Only feed/sitemap items newer than this many days.")
@click.option("--worker", is_flag=True,
              help="One of several crawl workers sharing the Redis frontier (needs NEWSWATCH_REDIS_URL).")
def crawl(outlets: tuple[str, ...], sources: Path | None, days: float | None, worker: bool) -> None:
    """Crawl the outlets into the database (incremental: stored URLs are not fetched again)."""
    settings = get_settings()
    if worker and not settings.redis_url:
        click.echo("error: --worker shares a crawl through Redis: set NEWSWATCH_REDIS_URL "
                   "(e.g. redis://127.0.0.1:6379/0)", err=True)
        sys.exit(2)
    try:
        select_outlets(load_sources(sources or settings.resolved_sources_file), list(outlets))
    except SourcesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    upgrade()
    run_id = run_spider(outlets, sources, days)
    with session_scope(get_engine()) as session:
        run = session.get(CrawlRun, run_id) if run_id else session.scalar(
            select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1))
        if run is None:
            click.echo("the crawl did not start; see the log above", err=True)
            sys.exit(1)
        click.echo(format_summary(run))
