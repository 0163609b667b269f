"""Scrapy adapter of the page stage: fetched pages go, in small batches, to a worker process
that extracts, analyses and stores them (``pipelines.page_job.process_pages``: one write
transaction per batch).

Extraction (trafilatura) is the cost floor of the crawl and pure CPU, and an article's
database work is mostly Python too; running both in a process pool keeps Scrapy's reactor
free to download while every core works. The page processes are forked from a fork server
that has imported the page stack and the language model once (``pipelines.page_preload``):
they share it copy-on-write instead of each loading it again (~200 MiB and ~1.2 s of CPU
per process). The pool starts in a thread, since forking waits for that preload and the
reactor has robots.txt, feeds and sitemaps to fetch meanwhile; pages wait for it.
Settings: NEWSWATCH_EXTRACT_WORKERS (0 = one
per core; -1 = in the crawler process, for debugging), NEWSWATCH_STORE_BATCH,
NEWSWATCH_DATABASE_URL, NEWSWATCH_RULES_DIR. Pages that are not articles or carry no text are dropped with typed
reasons that Scrapy counts in its stats; empty extractions and failures are also recorded
as crawl errors.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from common.article import EmptyExtraction, NotAnArticle
from common.outlets import Outlet
from common.signals import crawl_error
from pipelines.page_job import PageJob, PageResult, process_page, process_pages, warm_up

logger = logging.getLogger(__name__)


class NotAnArticlePage(DropItem):
    """Listing, tag, author, about, contact, login or error page."""

    figure = "not_article"  # the run figure it counts in (crawler.recorder)


class EmptyArticle(DropItem):
    """An article page without text worth keeping (e.g. a video page)."""

    figure = "empty"


class ExtractionFailed(DropItem):
    """Extracting or storing this page failed (recorded; the crawl goes on)."""


BATCH_WAIT = 0.05
"""Seconds a page waits for others to share its write transaction: a busy crawl fills a batch
at once, a quiet one sends what it has."""


def _settle(future: asyncio.Future[PageResult], outcome: Any) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _log_warm_up(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:  # the pages will report it, once each
        logger.debug("page worker warm-up failed: %s", future.exception())


def _worker_count(setting: int) -> int:
    return setting if setting > 0 else (os.cpu_count() or 1)


PRELOAD_MODULE = "pipelines.page_preload"


def _context() -> multiprocessing.context.BaseContext:
    """The fork server context, set to preload the page stack before it forks a page process."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD_MODULE])
    return context


def _start(pool: ProcessPoolExecutor, count: int, database_url: str | None, rules_dir: str | None,
           started: Future[None]) -> None:
    """Fork the pool's processes (each submit forks one: it waits for the fork server's preload)
    and have each open its store and matcher before the first pages come."""
    try:
        for _ in range(count):
            pool.submit(warm_up, database_url, rules_dir).add_done_callback(_log_warm_up)
    except BaseException as exc:  # noqa: BLE001 - a pool that cannot start fails each page
        started.set_exception(exc)
    else:
        started.set_result(None)


class ExtractPipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.workers = settings.getint("NEWSWATCH_EXTRACT_WORKERS", 0)
        self.database_url = settings.get("NEWSWATCH_DATABASE_URL")
        self.rules_dir = settings.get("NEWSWATCH_RULES_DIR")
        self.batch_size = max(1, settings.getint("NEWSWATCH_STORE_BATCH", 8))
        self._pool: Executor | None = None
        self._started: Future[None] = Future()
        self._starter: threading.Thread | None = None
        self._waiting: list[tuple[PageJob, asyncio.Future[PageResult]]] = []
        self._send_later: asyncio.TimerHandle | None = None
        self._retries: set[asyncio.Future[None]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        if self.workers >= 0:
            count = _worker_count(self.workers)
            pool = ProcessPoolExecutor(count, mp_context=_context())
            self._pool, self._started = pool, Future()
            self._starter = threading.Thread(target=_start, name="page-pool-start", daemon=True,
                                             args=(pool, count, self.database_url, self.rules_dir, self._started))
            self._starter.start()

    def close_spider(self, spider: Spider | None = None) -> None:
        if self._starter is not None:
            self._starter.join()
            self._starter = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _job(self, item: dict[str, Any]) -> PageJob:
        outlet: Outlet = item["outlet_config"]  # the spider's record travels with the item
        return PageJob(
            html=item["html"], url=item["url"], fetched_url=item["fetched_url"], outlet=outlet.name,
            country=outlet.country, homepage=outlet.homepage, languages=tuple(outlet.languages),
            noise_selectors=tuple(outlet.noise_selectors), timezone=outlet.timezone, status=item.get("status", 200),
            paywalled=outlet.paywalled,
            encoding=item.get("encoding"), via=item.get("via", ""), database_url=self.database_url,
            rules_dir=self.rules_dir, crawl_run_id=getattr(self.crawler, "newswatch_run_id", None),
        )

    async def _run(self, job: PageJob) -> PageResult:
        """The page's result from a worker process. Pages wait here (at most BATCH_WAIT seconds)
        to travel in batches of NEWSWATCH_STORE_BATCH: one write transaction each."""
        if self._pool is None:
            return process_page(job)
        await self._pool_started()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[PageResult] = loop.create_future()
        self._waiting.append((job, future))
        if len(self._waiting) >= self.batch_size:
            self._send()
        elif self._send_later is None:
            self._send_later = loop.call_later(BATCH_WAIT, self._send)
        return await future

    async def _pool_started(self) -> None:
        """Return once the pool's processes are forked: its submit no longer blocks the reactor."""
        if not self._started.done():
            await asyncio.wrap_future(self._started)
        self._started.result()  # a pool that could not start: raise, the page is recorded as failed

    def _send(self) -> None:
        if self._send_later is not None:
            self._send_later.cancel()
            self._send_later = None
        batch, self._waiting = self._waiting, []
        if batch:
            self._submit(batch)

    def _submit(self, batch: list[tuple[PageJob, asyncio.Future[PageResult]]]) -> None:
        assert self._pool is not None
        loop = asyncio.get_running_loop()
        pool = self._pool
        done = asyncio.wrap_future(pool.submit(process_pages, [job for job, _ in batch]), loop=loop)
        done.add_done_callback(lambda d: self._deliver(batch, d, pool))

    def _deliver(self, batch: list[tuple[PageJob, asyncio.Future[PageResult]]], done: asyncio.Future[Any],
                 pool: Executor) -> None:
        error = done.exception() if not done.cancelled() else RuntimeError("page processing cancelled")
        if isinstance(error, BrokenProcessPool) and self._pool is not None:
            # a worker died (out of memory on a monster page?): the batch's other pages are
            # innocent until proven guilty, so each goes again, alone, one after the other
            logger.error("page worker died on a batch of %d (%s ...); retrying its pages one by one",
                         len(batch), batch[0][0].fetched_url)
            self._restart_pool(pool)
            retry = asyncio.ensure_future(self._one_by_one(batch))
            self._retries.add(retry)  # a task nobody holds may be collected before it ends
            retry.add_done_callback(self._retries.discard)
            return
        outcomes = [error] * len(batch) if error is not None else done.result()
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            _settle(future, outcome)

    def _restart_pool(self, broken: Executor) -> None:
        if self._pool is broken:  # other batches of the dead pool find the new one already there
            self.close_spider()
            self.open_spider(self.crawler.spider)

    async def _one_by_one(self, batch: list[tuple[PageJob, asyncio.Future[PageResult]]]) -> None:
        for job, future in batch:
            if future.done() or self._pool is None:
                _settle(future, RuntimeError("page processing stopped"))
                continue
            pool: Executor | None = None
            try:
                await self._pool_started()
                pool = self._pool
                if pool is None:
                    raise RuntimeError("page processing stopped")
                outcomes = await asyncio.wrap_future(pool.submit(process_pages, [job]))
                _settle(future, outcomes[0])
            except BrokenProcessPool as exc:  # this page kills its worker: it is the one
                logger.error("page worker died on %s; page skipped", job.fetched_url)
                if pool is not None:
                    self._restart_pool(pool)
                _settle(future, exc)
            except Exception as exc:  # noqa: BLE001 - the page is recorded as failed, the others go on
                _settle(future, exc)

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        try:
            result = await self._run(self._job(item))
        except NotAnArticle as exc:
            raise NotAnArticlePage(f"not an article: {exc.reason} ({item['fetched_url']})") from exc
        except EmptyExtraction as exc:
            self._record(item, "empty_extraction", exc.reason)
            raise EmptyArticle(f"empty extraction: {exc.reason} ({item['fetched_url']})") from exc
        except Exception as exc:  # one bad page (or a database hiccup) never stops the crawl
            self._record(item, "extraction_failed", f"{type(exc).__name__}: {exc}")
            raise ExtractionFailed(f"processing failed on {item['fetched_url']}: {exc}") from exc
        for problem in result.problems:
            logger.warning("%s: %s", item["fetched_url"], problem)
            self.crawler.stats.inc_value("newswatch/errors/matching")
        item["result"] = result
        item.pop("html", None)  # the page is stored; do not keep it in memory
        return item

    def _record(self, item: dict[str, Any], kind: str, message: str) -> None:
        self.crawler.stats.inc_value(f"newswatch/errors/{kind}")
        self.crawler.signals.send_catch_log(
            crawl_error, outlet=item["outlet"], url=item["fetched_url"], kind=kind, message=message
        )
