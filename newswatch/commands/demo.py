"""``newswatch demo``: the whole job on a bundled sample web served on 127.0.0.1.

For a newcomer without internet (or a reviewer): it serves outlet-like sites (feeds,
sitemaps, section pages, articles in fr/ar/en/es, and an outlet of broken pages), crawls
them with the real spider into a separate demo database, flags the matches, writes the
digests to the outbox, and prints where to look.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import date
from pathlib import Path

import click
import yaml


@click.command()
@click.option("--articles", default=12, show_default=True, help="Articles per sample outlet.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Where the demo keeps its database and outbox (default: DATA_DIR/demo).")
@click.option("--serve/--no-serve", default=False, help="Keep serving the sample web after the crawl.")
def demo(articles: int, data_dir: Path | None, serve: bool) -> None:
    """Serve a sample web of outlets on 127.0.0.1 and run the whole job on it."""
    from common.settings import get_settings, reset_settings
    from localweb import LocalWeb, sample_web, sources_for

    data_dir = (data_dir or get_settings().data_dir / "demo").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # the demo never touches the main database: point every setting at its own folder
    os.environ["NEWSWATCH_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("NEWSWATCH_DATABASE_URL", None)
    os.environ.setdefault("NEWSWATCH_DOWNLOAD_DELAY", "0")
    os.environ.setdefault("NEWSWATCH_AUTOTHROTTLE", "false")
    os.environ.setdefault("NEWSWATCH_DOWNLOAD_TIMEOUT", "3")
    os.environ.setdefault("NEWSWATCH_RETRY_TIMES", "1")
    os.environ.setdefault("NEWSWATCH_RETRY_BACKOFF_BASE", "0.2")
    reset_settings()

    sites = sample_web(date.today(), n_articles=articles, include_bad=True)
    with LocalWeb(sites) as web:
        sources_file = data_dir / "sources.yaml"
        sources_file.write_text(yaml.safe_dump(sources_for(web, sites), allow_unicode=True, sort_keys=False),
                                encoding="utf-8")
        click.echo(f"serving {len(sites)} sample sites on 127.0.0.1; outlets written to {sources_file}")
        from newswatch.commands.crawl import format_summary, run_spider
        from storage.db import get_engine, session_scope, upgrade
        from storage.models import CrawlRun

        upgrade()
        started = time.perf_counter()
        run_id = run_spider((), sources_file, days=30)
        elapsed = time.perf_counter() - started
        with session_scope(get_engine()) as session:
            run = session.get(CrawlRun, run_id)
            if run is not None:
                click.echo(format_summary(run))
        click.echo(f"crawled in {elapsed:.1f} s; {len(web.requests)} requests served")
        _report_matches_and_digests(data_dir)
        if serve:
            stop = stop_on_signals()  # before the URLs are printed: a harness may send SIGTERM at once
            click.echo(f"serving the sample web (the outlets of {sources_file}) until Ctrl-C or SIGTERM:")
            for site in sites:
                click.echo(f"  {site.name}: {web.base_url(site.name)}/")
            click.echo(f"crawl it again: newswatch crawl --sources {sources_file} --days 30")
            wait_for(stop)
            click.echo("stopped")
    click.echo(f"\nlook at it: DATABASE_URL=sqlite:///{data_dir / 'newswatch.db'} newswatch serve")


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM (systemd, docker stop, a test harness) or SIGINT (Ctrl-C).

    Scrapy's reactor left its own handlers behind, which only stop a reactor that has
    already stopped: without these, SIGTERM would be ignored."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def wait_for(stop: threading.Event) -> None:
    while not stop.wait(0.5):
        pass


def _report_matches_and_digests(data_dir: Path) -> None:
    from sqlalchemy import func, select

    from storage.db import get_engine, session_scope
    from storage.models import Article, Match

    with session_scope(get_engine()) as session:
        total = session.scalar(select(func.count(Article.id))) or 0
        per_topic = session.execute(select(Match.topic, func.count(Match.id)).group_by(Match.topic)).all()
    click.echo(f"{total} articles stored; matches: " + (", ".join(f"{t}: {n}" for t, n in per_topic) or "none"))
    from newswatch.commands.alerts import run_digests

    run_digests((), dry_run=False, since=None, immediate=False)
    outbox = data_dir / "outbox"
    files = sorted(outbox.glob("*")) if outbox.exists() else []
    click.echo(f"{len(files)} message file(s) in {outbox}")
