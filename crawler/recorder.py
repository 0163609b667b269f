"""Extension that writes each crawl run to the database: a CrawlRun row with Scrapy's stats
and per-outlet figures and status (``common.outlet_status``), and one CrawlError row per
thing that went wrong.

The dashboard's outlet-health page, the alerts' health check and the CLI summary read
these rows, so they must survive a database that is busy when the spider closes (another
writer, a backup): error records stay in memory until a commit that holds them succeeds,
and the final write is retried with backoff for up to ``CLOSE_RETRY_SECONDS``. The
recorder has its own engine with a short SQLite busy timeout, so one attempt never
blocks the reactor long. It also applies the migrations, so ``scrapy crawl news`` on a
fresh data folder works like ``newswatch crawl``. Setting: NEWSWATCH_DATABASE_URL.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from common.logs import install_redaction
from common.outlet_status import block_evidence, classify, network_reason
from common.signals import connect_handlers, crawl_error, on
from storage.db import make_engine, session_scope, upgrade
from storage.models import CrawlError, CrawlRun

logger = logging.getLogger(__name__)
FLUSH_EVERY = 50
BUSY_TIMEOUT_MS = 2000  # one attempt's wait for the SQLite write lock
CLOSE_RETRY_SECONDS = 300.0  # how long the final write keeps trying
FIRST_BACKOFF = 0.25


def _jsonable(stats: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(stats, default=str))


def _short_busy_timeout(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def recorder_engine(url: str) -> Engine:
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _short_busy_timeout)  # after make_engine's pragmas
    return engine


def with_retries(write: Callable[[], None], deadline: float, what: str,
                 sleep: Callable[[float], None] = time.sleep) -> bool:
    """Run ``write`` until it commits or ``deadline`` (monotonic) passes; backoff doubles to 8 s."""
    wait = FIRST_BACKOFF
    while True:
        try:
            write()
            return True
        except OperationalError as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                logger.error("could not write %s: %s", what, str(exc.orig or exc).splitlines()[0])
                return False
            logger.warning("database busy writing %s (%s); retrying in %.1f s", what,
                           str(exc.orig or exc).splitlines()[0], min(wait, left))
            sleep(min(wait, left))
            wait = min(wait * 2, 8.0)


def _new_figures() -> dict[str, Any]:
    return {"articles": 0, "errors": 0, "empty": 0, "not_article": 0, "duplicates": 0, "pages": 0,
            "blocked": 0, "unreachable": 0, "already_stored": 0, "last_error": None, "reason": None,
            "status": None}


class CrawlRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        install_redaction()  # `scrapy crawl news` too: no secret in any record of the crawl
        url = crawler.settings.get("NEWSWATCH_DATABASE_URL")
        upgrade(url)  # the Scrapy path (scrapy crawl news) gets the schema like every command
        self.engine = recorder_engine(url)
        self.run_id: int | None = None
        self.outlets: dict[str, dict[str, Any]] = defaultdict(_new_figures)
        self.pending_errors: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRecorder:
        ext = cls(crawler)
        connect_handlers(crawler, ext)
        return ext

    @on(signals.spider_opened)
    def spider_opened(self, spider: Spider) -> None:
        args = {"outlets": getattr(spider, "outlet_names", []), "days": getattr(spider, "days_arg", None),
                "sources": getattr(spider, "sources_arg", None)}
        if getattr(spider, "poll", ""):
            args["poll"] = True  # a `newswatch watch` pass: left out of the crawl-health baseline
        def start() -> None:
            with session_scope(self.engine) as session:
                run = CrawlRun(args=_jsonable(args))
                session.add(run)
                session.flush()
                self.run_id = run.id

        with_retries(start, time.monotonic() + CLOSE_RETRY_SECONDS, "the crawl run's start")
        self.crawler.newswatch_run_id = self.run_id  # type: ignore[attr-defined]
        logger.info("crawl run %s started", self.run_id)

    @on(signals.response_received)
    def response_received(self, response: Response, request: Any, spider: Spider) -> None:
        outlet = request.meta.get("outlet")
        if not outlet:
            return
        figures = self.outlets[outlet]
        figures["pages"] += 1
        evidence = block_evidence(response.status, response.body)
        if evidence is None:
            return
        figures["blocked"] += 1
        if figures["blocked"] == 1:  # one record per outlet and run carries the evidence
            host = urlsplit(response.url).hostname or "?"
            figures["reason"] = f"{host}: blocked ({evidence.split(';')[0]})"
            self._queue_error(outlet, response.url, "blocked", evidence)

    @on(signals.item_scraped)
    def item_scraped(self, item: dict[str, Any], response: Response, spider: Spider) -> None:
        self.outlets[item["outlet"]]["articles"] += 1

    @on(signals.item_dropped)
    def item_dropped(self, item: dict[str, Any], response: Response, exception: Exception, spider: Spider) -> None:
        # a drop names its run figure (``figure`` on the DropItem class); Scrapy's own stats
        # count the same drops by class (item_dropped_reasons_count/<Class>), for the whole run
        key = getattr(exception, "figure", None)
        if key in ("not_article", "empty", "duplicates"):
            self.outlets[item["outlet"]][key] += 1

    @on(crawl_error)
    def on_crawl_error(self, outlet: str, url: str, kind: str, message: str) -> None:
        figures = self.outlets[outlet]
        if kind != "empty_extraction":
            figures["errors"] += 1
        host = urlsplit(url).hostname or "?"
        figures["last_error"] = f"{host}: {kind}: {message} ({url})"[:500]
        why = network_reason(kind, message)
        if why:
            figures["unreachable"] += 1
            if not figures["blocked"]:
                figures["reason"] = f"{host}: {why}"
        self._queue_error(outlet, url, kind, message)
        if len(self.pending_errors) >= FLUSH_EVERY:
            self.flush()

    def _queue_error(self, outlet: str, url: str, kind: str, message: str) -> None:
        self.pending_errors.append({"outlet": outlet, "url": url[:2000], "kind": kind[:50], "message": message[:2000],
                                    "at": datetime.now(UTC)})

    def flush(self) -> None:
        """Write the queued error records and current figures; on a busy database keep them for later."""
        try:
            self._write("running")
        except OperationalError as exc:
            logger.info("database busy; %d error record(s) kept for the next write (%s)", len(self.pending_errors),
                        str(exc.orig or exc).splitlines()[0])

    def _write(self, status: str, reason: str | None = None) -> None:
        """One transaction: the queued errors and the run row. The queue is emptied only after it commits."""
        if self.run_id is None:
            return
        batch = list(self.pending_errors)
        with session_scope(self.engine) as session:
            session.add_all(CrawlError(run_id=self.run_id, **e) for e in batch)
            self._update_run(session, status, reason)
        del self.pending_errors[: len(batch)]

    def _update_run(self, session: Session, status: str, reason: str | None) -> None:
        run = session.get(CrawlRun, self.run_id)
        if run is None:
            return
        run.status = status
        run.outlet_stats = _jsonable(dict(self.outlets))
        run.stats = _jsonable(self.crawler.stats.get_stats() if self.crawler.stats else {})
        if status != "running":
            run.finished_at = datetime.now(UTC)
            run.finish_reason = reason

    def _final_figures(self, spider: Spider) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        for outlet in getattr(spider, "outlets", []):
            self.outlets[outlet.name]  # every crawled outlet appears, even with nothing to say
        for name, figures in self.outlets.items():
            figures["already_stored"] = int(stats.get(f"newswatch/already_stored/{name}", 0) or 0)
            figures["status"] = classify(figures)

    @on(signals.spider_closed)
    def spider_closed(self, spider: Spider, reason: str) -> None:
        self._final_figures(spider)
        status = "finished" if reason == "finished" else "failed"
        deadline = time.monotonic() + CLOSE_RETRY_SECONDS
        if with_retries(lambda: self._write(status, reason), deadline, f"crawl run {self.run_id}"):
            logger.info("crawl run %s %s", self.run_id, reason)
