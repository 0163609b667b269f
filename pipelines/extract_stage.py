"""Scrapy adapter of the extraction stage: runs ``extract_article`` in worker processes.

Extraction (trafilatura) is the cost floor of the crawl and pure CPU; running it in a
process pool keeps Scrapy's reactor free to download while both cores extract.
Settings: NEWSWATCH_EXTRACT_WORKERS (0 = one per core; -1 = in the crawler process,
for debugging). Pages that are not articles or carry no text are dropped with typed
reasons that Scrapy counts in its stats; empty extractions are also recorded as errors.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.signals import crawl_error
from crawler.sources import load_sources
from pipelines.article import EmptyExtraction, ExtractedArticle, ExtractionError, NotAnArticle
from storage.articles import compress_html

logger = logging.getLogger(__name__)


class NotAnArticlePage(DropItem):
    """Listing, tag, author, about, contact, login or error page."""


class EmptyArticle(DropItem):
    """An article page without text worth keeping (e.g. a video page)."""


class ExtractionFailed(DropItem):
    """The extractor crashed on this page (recorded; the crawl goes on)."""


@functools.lru_cache(maxsize=4)
def _matcher(rules_dir: str) -> Any:
    from pipelines.matching.engine import load_topics

    return load_topics(Path(rules_dir))


def analyse(article: ExtractedArticle, rules_dir: str | None) -> dict[str, Any]:
    """The CPU side of stories and matching (MinHash signature, topic matches), pure, so it
    runs in the extraction process and the crawler process only writes rows. Whatever fails
    here is left out and computed again by the store stage, which reports it."""
    result: dict[str, Any] = {}
    try:
        from pipelines.matching.stories import signature

        result["signature"] = signature(article.title, article.text, article.language).to_bytes()
        if rules_dir:
            result["matches"] = _matcher(rules_dir).match(article.title, article.text, article.language)
    except Exception as exc:  # noqa: BLE001 - never lose the article over its analysis
        logger.warning("analysis of %s left to the store stage: %s: %s", article.url, type(exc).__name__, exc)
    return result


def run_extraction(html: bytes, url: str, noise_selectors: tuple[str, ...], timezone: str,
                   encoding: str | None, via: str, rules_dir: str | None = None) -> ExtractedArticle:
    """What a worker process runs; imported lazily so workers load trafilatura once."""
    from pipelines.extract import extract_article

    article = extract_article(html, url, noise_selectors=noise_selectors, timezone=timezone,
                              encoding=encoding, discovered_via=via)
    article.extra["analysis"] = analyse(article, rules_dir)
    article.extra["html_zlib"] = compress_html(html)  # CPU work the crawler process is spared
    return article


def _worker_count(setting: int) -> int:
    return setting if setting > 0 else (os.cpu_count() or 1)


class ExtractPipeline:
    def __init__(self, crawler: Crawler, workers: int, sources_file: str) -> None:
        self.crawler = crawler
        self.rules_dir = crawler.settings.get("NEWSWATCH_RULES_DIR")
        self.workers = workers
        self.sources_file = sources_file
        self._pool: Executor | None = None
        self._outlets: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        pipeline = cls(crawler, crawler.settings.getint("NEWSWATCH_EXTRACT_WORKERS", 0),
                       crawler.settings.get("NEWSWATCH_SOURCES_FILE"))
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        outlets = getattr(spider, "outlets", None) or load_sources(self.sources_file)
        self._outlets = {o.name: o for o in outlets}
        if self.workers >= 0:
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(_worker_count(self.workers), mp_context=context)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def _extract(self, item: dict[str, Any]) -> ExtractedArticle:
        outlet = self._outlets.get(item["outlet"]) or spider_outlets(self.crawler).get(item["outlet"])
        args = (item["html"], item["fetched_url"], tuple(outlet.noise_selectors) if outlet else (),
                outlet.timezone if outlet else "UTC", item.get("encoding"), item.get("via", ""), self.rules_dir)
        if self._pool is None:
            return run_extraction(*args)
        try:
            return await asyncio.wrap_future(self._pool.submit(run_extraction, *args))
        except BrokenProcessPool:
            # a worker died (out of memory on a monster page?): start a fresh pool, try once more
            logger.error("extraction worker died on %s; restarting the pool", item["fetched_url"])
            self.close_spider()
            self.open_spider(self.crawler.spider)
            assert self._pool is not None
            return await asyncio.wrap_future(self._pool.submit(run_extraction, *args))

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        try:
            article = await self._extract(item)
        except NotAnArticle as exc:
            raise NotAnArticlePage(f"not an article: {exc.reason} ({item['fetched_url']})") from exc
        except EmptyExtraction as exc:
            self._record(item, "empty_extraction", exc.reason)
            raise EmptyArticle(f"empty extraction: {exc.reason} ({item['fetched_url']})") from exc
        except (ExtractionError, Exception) as exc:  # one bad page never stops the crawl
            self._record(item, "extraction_failed", f"{type(exc).__name__}: {exc}")
            raise ExtractionFailed(f"extraction failed on {item['fetched_url']}: {exc}") from exc
        item["article"] = article
        return item

    def _record(self, item: dict[str, Any], kind: str, message: str) -> None:
        self.crawler.stats.inc_value(f"newswatch/errors/{kind}")
        self.crawler.signals.send_catch_log(
            crawl_error, outlet=item["outlet"], url=item["fetched_url"], kind=kind, message=message
        )


def spider_outlets(crawler: Crawler) -> dict[str, Any]:
    spider = crawler.spider
    return getattr(spider, "by_name", {}) if spider else {}
