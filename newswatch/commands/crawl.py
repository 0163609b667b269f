"""``newswatch crawl``: run the news spider in this process, then print a per-outlet summary.

Everything that can be checked before the crawl is (sources, rules, database, Redis for
``--worker``): a problem there is one ``Error:`` line and exit code 2 or 3 before any
request is made. The summary is read back from the stored run, with each outlet's status
(ok / blocked / unreachable / no articles) and, for a failed outlet, its host and reason;
the exit code follows from those statuses (docs/cli.md).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from common.outlet_status import FAILED, classify, run_exit_code
from common.outlets import SourcesError, load_sources, select_outlets
from common.settings import get_settings
from newswatch.exitcodes import NOTHING, USAGE, CliError
from storage.db import get_engine, session_scope, upgrade
from storage.models import CrawlRun

log = logging.getLogger(__name__)


def scrapy_settings(overrides: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_spider(outlets: tuple[str, ...], sources: Path | None, days: float | None,
               overrides: dict[str, object] | None = None, progress: bool = False) -> int | None:
    """Crawl in this process (Twisted's reactor runs once per process) and return the run id."""
    from scrapy.crawler import CrawlerProcess

    # the command configured logging already (newswatch.cli): no second root handler
    process = CrawlerProcess(scrapy_settings({"STATS_DUMP": False, "LOG_INSTALL_ROOT_HANDLER": False,
                                              **(overrides or {})}))
    crawler = process.create_crawler("news")
    if progress:
        from newswatch.progress import OutletProgress

        OutletProgress.attach(crawler, sys.stderr)
    process.crawl(crawler, outlets=",".join(outlets), sources=str(sources) if sources else None, days=days)
    process.start()
    return getattr(crawler, "newswatch_run_id", None)


def outlet_status(figures: dict[str, Any]) -> str:
    return str(figures.get("status") or classify(figures))


def format_summary(run: CrawlRun) -> str:
    lines = [f"crawl run {run.id}: {run.status} ({run.finish_reason or '-'})",
             f"{'outlet':32} {'status':12} {'articles':>8} {'pages':>6} {'errors':>6} {'empty':>5} {'not-art':>7}"
             "  reason / last error"]
    for name, figures in sorted(run.outlet_stats.items()):
        status = outlet_status(figures)
        note = figures.get("reason") if status in FAILED else None
        note = note or figures.get("last_error") or ""
        lines.append(
            f"{name[:32]:32} {status:12} {figures.get('articles', 0):8d} {figures.get('pages', 0):6d} "
            f"{figures.get('errors', 0):6d} {figures.get('empty', 0):5d} {figures.get('not_article', 0):7d}  "
            f"{note[:120]}"
        )
    totals = {k: sum(f.get(k, 0) for f in run.outlet_stats.values()) for k in ("articles", "pages", "errors")}
    counts: dict[str, int] = {}
    for figures in run.outlet_stats.values():
        counts[outlet_status(figures)] = counts.get(outlet_status(figures), 0) + 1
    by_status = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    lines.append(f"total: {totals['articles']} new articles, {totals['pages']} pages, {totals['errors']} errors"
                 + (f" ({by_status})" if by_status else ""))
    return "\n".join(lines)


def check_rules() -> None:
    """Matching runs inside the crawl: rules that do not load would silently turn it off."""
    from pipelines.matching.engine import load_topics

    load_topics(get_settings().resolved_rules_dir)  # RulesError -> "Error: …", exit 2 (newswatch.cli)


def check_redis(url: str) -> None:
    """A worker without its shared queue would crawl nothing: fail before starting."""
    from crawler.redis_frontier import describe_redis_error, ping

    try:
        ping(url)
    except ValueError as exc:
        raise CliError(f"NEWSWATCH_REDIS_URL is not a Redis URL: {exc}", USAGE) from exc
    except Exception as exc:  # noqa: BLE001 - redis raises its own ConnectionError/TimeoutError/AuthenticationError
        raise CliError(describe_redis_error(exc), NOTHING) from exc


def crawl_and_summarise(outlets: tuple[str, ...], sources: Path | None, days: float | None, worker: bool,
                        database_url: str | None = None) -> int:
    """The crawl command's body, returning its exit code (``newswatch run`` goes on after a partial crawl)."""
    settings = get_settings()
    url = database_url or settings.resolved_database_url
    if worker and not settings.redis_url:
        raise CliError("--worker shares a crawl through Redis: set NEWSWATCH_REDIS_URL "
                       "(e.g. redis://:password@127.0.0.1:6379/0)", USAGE)
    try:
        select_outlets(load_sources(sources or settings.resolved_sources_file), list(outlets))
    except SourcesError as exc:
        raise CliError(str(exc), USAGE) from exc
    check_rules()
    if settings.redis_url:
        check_redis(settings.redis_url)
    upgrade(url)
    run_id = run_spider(outlets, sources, days, {"NEWSWATCH_DATABASE_URL": url}, progress=True)
    if run_id is None:
        raise CliError("the crawl did not start (no run was recorded); run with -v to see why", NOTHING)
    with session_scope(get_engine(url)) as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise CliError(f"crawl run {run_id} is not in the database", NOTHING)
        click.echo(format_summary(run))
        return run_exit_code(run.outlet_stats)


@click.command()
@click.option("--outlet", "outlets", multiple=True, help="Outlet name (repeatable); default: all enabled.")
@click.option("--sources", type=click.Path(path_type=Path), default=None, help="sources.yaml to use.")
@click.option("--days", type=float, default=None, help="Only feed/sitemap items newer than this many days.")
@click.option("--worker", is_flag=True,
              help="One of several crawl workers sharing the Redis frontier (needs NEWSWATCH_REDIS_URL).")
@click.option("--database-url", default=None, help="Override DATABASE_URL.")
def crawl(outlets: tuple[str, ...], sources: Path | None, days: float | None, worker: bool,
          database_url: str | None) -> None:
    """Crawl the outlets into the database (incremental: stored URLs are not fetched again).

    Exit code 0 ok, 1 some outlets blocked or unreachable, 2 configuration error,
    3 nothing could be fetched."""
    sys.exit(crawl_and_summarise(outlets, sources, days, worker, database_url))
