"""Extension that writes each crawl run to the database: a CrawlRun row with Scrapy's stats
and per-outlet figures, and one CrawlError row per thing that went wrong.

The dashboard's outlet-health page and the alerts' health check read these rows.
Setting: NEWSWATCH_DATABASE_URL.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.signals import crawl_error
from storage.db import get_engine, session_scope
from storage.models import CrawlError, CrawlRun

logger = logging.getLogger(__name__)
FLUSH_EVERY = 50


def _jsonable(stats: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(stats, default=str))


class CrawlRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.engine = get_engine(crawler.settings.get("NEWSWATCH_DATABASE_URL"))
        self.run_id: int | None = None
        self.outlets: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"articles": 0, "errors": 0, "empty": 0, "not_article": 0, "duplicates": 0, "pages": 0,
                     "last_error": None}
        )
        self.pending_errors: list[CrawlError] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.on_crawl_error, signal=crawl_error)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        args = {"outlets": getattr(spider, "outlet_names", []), "days": getattr(spider, "days_arg", None),
                "sources": getattr(spider, "sources_arg", None)}
        if getattr(spider, "poll", ""):
            args["poll"] = True  # a `newswatch watch` pass: left out of the crawl-health baseline
        with session_scope(self.engine) as session:
            run = CrawlRun(args=_jsonable(args))
            session.add(run)
            session.flush()
            self.run_id = run.id
        self.crawler.newswatch_run_id = self.run_id  # type: ignore[attr-defined]
        logger.info("crawl run %s started", self.run_id)

    def response_received(self, response: Response, request: Any, spider: Spider) -> None:
        outlet = request.meta.get("outlet")
        if outlet:
            self.outlets[outlet]["pages"] += 1

    def item_scraped(self, item: dict[str, Any], response: Response, spider: Spider) -> None:
        self.outlets[item["outlet"]]["articles"] += 1

    def item_dropped(self, item: dict[str, Any], response: Response, exception: Exception, spider: Spider) -> None:
        name = type(exception).__name__
        bucket = {"NotAnArticlePage": "not_article", "EmptyArticle": "empty", "DuplicateArticle": "duplicates"}
        key = bucket.get(name)
        if key:
            self.outlets[item["outlet"]][key] += 1

    def on_crawl_error(self, outlet: str, url: str, kind: str, message: str) -> None:
        figures = self.outlets[outlet]
        if kind != "empty_extraction":
            figures["errors"] += 1
        figures["last_error"] = f"{kind}: {message} ({url})"[:500]
        self.pending_errors.append(CrawlError(run_id=self.run_id, outlet=outlet, url=url[:2000], kind=kind,
                                              message=message[:2000]))
        if len(self.pending_errors) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self.pending_errors:
            return
        errors, self.pending_errors = self.pending_errors, []
        with session_scope(self.engine) as session:
            session.add_all(errors)
        # keep the per-outlet figures current for a dashboard that looks during the crawl
        self._save(status="running")

    def _save(self, status: str, reason: str | None = None) -> None:
        if self.run_id is None:
            return
        with session_scope(self.engine) as session:
            run = session.get(CrawlRun, self.run_id)
            if run is None:
                return
            run.status = status
            run.outlet_stats = _jsonable(dict(self.outlets))
            run.stats = _jsonable(self.crawler.stats.get_stats() if self.crawler.stats else {})
            if status != "running":
                run.finished_at = datetime.now(UTC)
                run.finish_reason = reason

    def spider_closed(self, spider: Spider, reason: str) -> None:
        for outlet in getattr(spider, "outlets", []):
            self.outlets[outlet.name]  # every crawled outlet appears, even with nothing to say
        self.flush()
        self._save(status="finished" if reason == "finished" else "failed", reason=reason)
        logger.info("crawl run %s %s", self.run_id, reason)
