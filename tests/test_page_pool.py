"""The page pool (``pipelines.extract_stage``): page processes forked from a fork server that
loaded the page stack once, and a start that never blocks the crawler's event loop."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from localweb import build_outlet_site
from localweb.model import BASE
from pipelines import extract_stage
from pipelines.extract_stage import ExtractPipeline
from pipelines.page_job import PageJob, PageResult

ORIGIN = "http://127.0.0.1:8000"
RULES = str(Path(__file__).resolve().parent.parent / "config" / "rules")


def process_state() -> dict[str, Any]:
    """Run in a page process before it sees any page: what it inherited from the fork server."""
    from pipelines.language import _model

    return {"pid": os.getpid(), "ppid": os.getppid(), "model_loaded": _model.cache_info().currsize == 1,
            "trafilatura": "trafilatura" in sys.modules, "frozen": gc.get_freeze_count()}


def _pipeline(sqlite_url: str, workers: int = 2) -> ExtractPipeline:
    crawler = get_crawler(settings_dict={"NEWSWATCH_EXTRACT_WORKERS": workers, "NEWSWATCH_STORE_BATCH": 2,
                                         "NEWSWATCH_DATABASE_URL": sqlite_url, "NEWSWATCH_RULES_DIR": RULES})
    return ExtractPipeline(crawler)


def test_page_processes_come_with_the_stack_and_language_model_loaded(sqlite_url: str) -> None:
    pipeline = _pipeline(sqlite_url)

    async def states() -> list[dict[str, Any]]:
        pipeline.open_spider()
        try:
            await pipeline._pool_started()
            assert pipeline._pool is not None
            return list(await asyncio.gather(*(asyncio.wrap_future(pipeline._pool.submit(process_state))
                                               for _ in range(4))))
        finally:
            pipeline.close_spider()

    found = asyncio.run(states())
    assert all(s["model_loaded"] and s["trafilatura"] for s in found)
    # loaded once, in the fork server, then frozen out of the collector: shared copy-on-write
    assert all(s["frozen"] > 10_000 for s in found)
    assert len({s["ppid"] for s in found}) == 1 and found[0]["ppid"] != os.getpid()


def test_pages_wait_for_a_slow_pool_start_without_blocking_the_event_loop(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    site = build_outlet_site("Pool FR", shape="clean", language="fr", n_articles=3, today=date(2026, 11, 20), seed=7)
    jobs = [PageJob(html=site.resources[t.path].body.replace(BASE.encode(), ORIGIN.encode()), url=ORIGIN + t.path,
                    fetched_url=ORIGIN + t.path, outlet=site.name, country="MA", homepage=ORIGIN + "/",
                    languages=("fr",), timezone="Africa/Casablanca", database_url=sqlite_url, rules_dir=RULES)
            for t in site.articles]
    real_start = extract_stage._start

    def slow_start(*args: Any) -> None:  # a fork server still importing on a busy machine
        time.sleep(1.0)
        real_start(*args)

    monkeypatch.setattr(extract_stage, "_start", slow_start)
    pipeline = _pipeline(sqlite_url, workers=1)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    async def crawl() -> tuple[list[PageResult | BaseException], float]:
        clock = asyncio.create_task(ticker())
        started = time.perf_counter()
        pipeline.open_spider()
        opened = time.perf_counter() - started
        try:
            results = await asyncio.gather(*(pipeline._run(j) for j in jobs), return_exceptions=True)
        finally:
            pipeline.close_spider()
            clock.cancel()
        return results, opened

    results, opened = asyncio.run(crawl())
    assert opened < 0.5  # open_spider returned at once; the pool started in its thread
    assert ticks >= 25  # the loop kept running (~50 ticks in the second the start took)
    assert [r.status for r in results] == ["stored"] * 3  # type: ignore[union-attr]


def test_a_pool_that_cannot_start_fails_its_pages(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_start(pool: Any, count: int, database_url: Any, rules_dir: Any, started: Any) -> None:
        started.set_exception(OSError("no fork server"))

    monkeypatch.setattr(extract_stage, "_start", broken_start)
    pipeline = _pipeline(sqlite_url, workers=1)
    job = PageJob(html=b"<html></html>", url=ORIGIN + "/a", fetched_url=ORIGIN + "/a", outlet="Pool FR",
                  database_url=sqlite_url)

    async def one() -> BaseException | PageResult:
        pipeline.open_spider()
        try:
            return (await asyncio.gather(pipeline._run(job), return_exceptions=True))[0]
        finally:
            pipeline.close_spider()

    assert isinstance(asyncio.run(one()), OSError)
