"""``newswatch watch``: near-real-time alerts — poll the feeds and news sitemaps every few minutes.

Each pass re-reads only the outlets' feeds and news sitemaps with conditional GETs
(``crawler/conditional.py``: an unchanged one answers ``304`` and costs headers only), fetches
the items not stored yet (the spider skips stored canonical URLs), then sends the immediate
alerts (``alerts.service.run_immediate``, what ``newswatch run`` sends after its crawl).

One subprocess per pass (``newswatch watch --one-pass``), not one long-lived spider: Twisted's
reactor runs once per process, and the crawl's pipeline (page-worker pool, store batches,
the crawl-run record) commits everything and closes the run when the spider closes, so when
the subprocess exits every new article is in the database and the alerts can read it. A pass
that hangs or leaks is killed by its timeout and the next one starts clean; memory stays
flat however long the watch runs. The price is the start-up of a Python process with Scrapy
(an idle pass: 1.5 s of CPU, 2–3 s wall), small against a 2-minute poll. A fresh
process per pass also means the validators live in the database, never only in memory.

Passes start every ``--every`` minutes (fixed rate: a slow pass delays only the next start).
SIGTERM or SIGINT stops it cleanly: a running pass is asked to stop (Scrapy's graceful
shutdown; its validators are then not saved, so nothing is skipped next time) and the
command exits 0.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from common.settings import get_settings

log = logging.getLogger("newswatch.watch")
DEFAULT_EVERY_MINUTES = 2.0


@dataclass(frozen=True)
class PassReport:
    """What one pass did, from its Scrapy stats and crawl-run row (written by the subprocess)."""

    run_id: int | None = None
    finish_reason: str = ""
    polled: int = 0  # feed and sitemap GETs made conditional (or primed)
    not_modified: int = 0  # 304s
    unchanged: int = 0  # 200 with the same body as last time (server without validators)
    changed: int = 0
    articles: int = 0  # new articles stored
    request_bytes: int = 0
    response_bytes: int = 0
    seconds: float = 0.0

    def line(self, number: int) -> str:
        return (f"pass {number}: {self.polled} feed/sitemap GETs, {self.not_modified} not modified, "
                f"{self.unchanged} unchanged, {self.changed} changed; {self.articles} new article(s); "
                f"{self.request_bytes + self.response_bytes} B on the wire; {self.seconds:.1f} s"
                + (f" ({self.finish_reason})" if self.finish_reason not in ("", "finished") else ""))


def report_from_stats(stats: dict[str, Any], run_id: int | None, articles: int, seconds: float) -> PassReport:
    return PassReport(
        run_id=run_id, finish_reason=str(stats.get("finish_reason", "")),
        polled=int(stats.get("newswatch/poll/requests", 0)), not_modified=int(stats.get("newswatch/poll/not_modified", 0)),
        unchanged=int(stats.get("newswatch/poll/unchanged", 0)), changed=int(stats.get("newswatch/poll/changed", 0)),
        articles=articles, request_bytes=int(stats.get("downloader/request_bytes", 0)),
        response_bytes=int(stats.get("downloader/response_bytes", 0)), seconds=round(seconds, 3),
    )


def pass_overrides() -> dict[str, object]:
    """Scrapy settings of a poll pass on top of the crawl's."""
    from newswatch.commands.crawl import scrapy_settings

    extensions = {k: v for k, v in scrapy_settings().getdict("EXTENSIONS").items() if "redis_frontier" not in k}
    return {
        "STATS_DUMP": False, "LOG_INSTALL_ROOT_HANDLER": False, "LOGSTATS_INTERVAL": 0,
        # a pass brings a handful of new pages: extract them in this process (imported only if
        # one comes) rather than warm up a page-worker pool that an idle pass starts for nothing
        "NEWSWATCH_EXTRACT_WORKERS": -1,
        # never through the shared Redis frontier: its expiring seen-set would drop the feed
        # URLs a pass must re-read; one small process polls alone
        "SCHEDULER": "scrapy.core.scheduler.Scheduler", "DUPEFILTER_CLASS": "scrapy.dupefilters.RFPDupeFilter",
        "EXTENSIONS": extensions,
    }


def run_one_pass(outlets: tuple[str, ...], sources: Path | None, days: float | None) -> PassReport:
    """Run the spider once in poll mode in this process (the ``--one-pass`` subprocess)."""
    from scrapy.crawler import CrawlerProcess

    from newswatch.commands.crawl import scrapy_settings
    from storage.db import get_engine, session_scope
    from storage.models import CrawlRun

    started = time.monotonic()
    process = CrawlerProcess(scrapy_settings(pass_overrides()))
    crawler = process.create_crawler("news")
    process.crawl(crawler, outlets=",".join(outlets), sources=str(sources) if sources else None, days=days, poll="1")
    process.start()
    run_id = getattr(crawler, "newswatch_run_id", None)
    articles = 0
    if run_id:
        with session_scope(get_engine()) as session:
            run = session.get(CrawlRun, run_id)
            if run is not None:
                articles = sum(int(f.get("articles", 0)) for f in (run.outlet_stats or {}).values())
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return report_from_stats(stats, run_id, articles, time.monotonic() - started)


def next_start(previous_start: float, every_s: float, now: float) -> float:
    """Fixed rate: the next pass starts ``every_s`` after the previous one started, or now if late."""
    return max(now, previous_start + every_s)


def watch_loop(rt: Any, pass_argv: Callable[[str], list[str]], every_s: float, passes: int, timeout_s: float,
               echo: Callable[[str], None], after_pass: Callable[[int, PassReport, list[Any]], None] | None = None
               ) -> int:
    """Passes until ``passes`` are done (0 = forever) or ``rt.stopping`` is set; returns passes run.

    ``rt`` is an ``alerts.scheduler.SchedulerRuntime``: its lock, children and stopping event
    are what the signal handler uses to stop a running pass.
    """
    from alerts.scheduler import run_crawl
    from alerts.service import retry_due, run_immediate

    done = 0
    with tempfile.TemporaryDirectory(prefix="newswatch-watch-") as tmp:
        report_path = str(Path(tmp) / "pass.json")
        while not rt.stopping.is_set():
            started = time.monotonic()
            Path(report_path).unlink(missing_ok=True)
            rc = run_crawl(rt, pass_argv(report_path), timeout_s)
            if rt.stopping.is_set():
                break
            done += 1
            try:
                report = PassReport(**json.loads(Path(report_path).read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                report = PassReport(finish_reason=f"exit code {rc}, no report")
            outcomes = [*run_immediate(rt.alerts), *retry_due(rt.alerts)]
            echo(report.line(done) + f"; {sum(o.status == 'sent' for o in outcomes)} alert(s) sent")
            for outcome in outcomes:
                echo(f"  {outcome.line()}")
            if after_pass is not None:
                after_pass(done, report, outcomes)
            if passes and done >= passes:
                break
            rt.stopping.wait(max(0.0, next_start(started, every_s, time.monotonic()) - time.monotonic()))
    return done


def _install_stop(rt: Any) -> dict[int, Any]:
    from alerts.scheduler import _stop_child

    def stop(signum: int, _frame: Any) -> None:
        if rt.stopping.is_set():
            return
        rt.stopping.set()
        log.info("received %s: stopping the watch", signal.Signals(signum).name)

        def _stop_children() -> None:
            with rt.lock:
                children = list(rt.children)
            for child in children:
                _stop_child(child)

        threading.Thread(target=_stop_children, name="newswatch-watch-stop", daemon=True).start()

    return {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}


@click.command()
@click.option("--every", "every", type=float, default=None,
              help="Minutes between passes (default: alerts.yaml poll.every_minutes, else 2).")
@click.option("--outlet", "outlets", multiple=True, help="Outlet name (repeatable); default: poll.outlets, else all.")
@click.option("--passes", type=int, default=0, show_default=True, help="Stop after this many passes (0 = until SIGTERM).")
@click.option("--sources", type=click.Path(path_type=Path), default=None, help="sources.yaml to use.")
@click.option("--days", type=float, default=None, help="Only feed/sitemap items newer than this many days.")
@click.option("--database-url", default=None, help="Override DATABASE_URL (the passes inherit it).")
@click.option("--one-pass", is_flag=True, hidden=True, help="Internal: run one pass in this process.")
@click.option("--report", type=click.Path(path_type=Path), default=None, hidden=True,
              help="Internal: with --one-pass, write the pass report (JSON) here.")
def watch(every: float | None, outlets: tuple[str, ...], passes: int, sources: Path | None, days: float | None,
          database_url: str | None, one_pass: bool, report: Path | None) -> None:
    """Poll feeds and news sitemaps every few minutes (conditional GET) and send immediate alerts."""
    if database_url:  # through the environment, so every pass (a subprocess) uses it too
        import os

        from common.settings import reset_settings

        os.environ["DATABASE_URL"] = database_url
        reset_settings()
    if one_pass:  # the parent (watch or schedule) has applied the migrations
        result = run_one_pass(outlets, sources, days)
        if report is not None:
            report.write_text(json.dumps(result.__dict__), encoding="utf-8")
        sys.exit(0 if result.finish_reason in ("finished", "shutdown") else 1)

    from alerts.scheduler import SchedulerRuntime
    from alerts.service import AlertsRuntime
    from alerts.subscriptions import PollJob
    from common.outlets import SourcesError, load_sources, select_outlets
    from newswatch.commands.alerts import _runtime

    settings = get_settings()
    try:
        select_outlets(load_sources(sources or settings.resolved_sources_file), list(outlets))
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc
    alerts_rt, path = _runtime()
    assert isinstance(alerts_rt, AlertsRuntime)
    configured = alerts_rt.config.poll or PollJob(every_minutes=DEFAULT_EVERY_MINUTES)
    poll = configured.model_copy(update={"every_minutes": every or configured.every_minutes,
                                         "outlets": list(outlets) or configured.outlets})
    if not any(s.immediate for s in alerts_rt.config.subscriptions):
        click.echo(f"note: no subscription in {path} has 'immediate:'; passes store articles but alert no one",
                   err=True)
    extra = [*(["--sources", str(sources)] if sources else []), *(["--days", str(days)] if days is not None else [])]
    rt = SchedulerRuntime(alerts_rt)
    previous = _install_stop(rt)
    click.echo(f"watching {', '.join(poll.outlets) or 'every enabled outlet'} every {poll.every_minutes:g} min "
               "(SIGTERM or Ctrl-C stops)")
    try:
        done = watch_loop(rt, lambda report_path: [*poll.argv(report_path), *extra], poll.every_minutes * 60,
                          passes, poll.timeout_minutes * 60, click.echo)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"watch stopped after {done} pass(es)")
