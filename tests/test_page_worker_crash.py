"""A page process that dies mid-batch (say, killed for memory on a monster page) costs only
the page that killed it: the batch's other pages are retried alone and stored."""

from __future__ import annotations

import asyncio
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from pathlib import Path

import page_crash_helper
import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from localweb import build_outlet_site
from localweb.model import BASE
from pipelines import extract_stage
from pipelines.extract_stage import ExtractPipeline
from pipelines.page_job import PageJob, PageResult
from storage.db import get_engine, session_factory
from storage.models import Article

ORIGIN = "http://127.0.0.1:8000"
RULES = str(Path(__file__).resolve().parent.parent / "config" / "rules")


def test_a_dying_worker_loses_only_its_killer(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    site = build_outlet_site("Crash FR", shape="clean", language="fr", n_articles=4, today=date(2026, 11, 20), seed=5)

    def job(path: str, truth_path: str) -> PageJob:
        html = site.resources[truth_path].body.replace(BASE.encode(), ORIGIN.encode())
        return PageJob(html=html, url=ORIGIN + path, fetched_url=ORIGIN + path, outlet=site.name, country="MA",
                       homepage=ORIGIN + "/", languages=("fr",), timezone="Africa/Casablanca",
                       database_url=sqlite_url, rules_dir=RULES)

    paths = [t.path for t in site.articles]
    jobs = [job(paths[0], paths[0]), job("/crash-me/" + paths[1].lstrip("/"), paths[1]),
            job(paths[2], paths[2]), job(paths[3], paths[3])]
    monkeypatch.setattr(extract_stage, "process_pages", page_crash_helper.process_pages_or_die)
    crawler = get_crawler(settings_dict={"NEWSWATCH_EXTRACT_WORKERS": 1, "NEWSWATCH_STORE_BATCH": 4,
                                         "NEWSWATCH_DATABASE_URL": sqlite_url, "NEWSWATCH_RULES_DIR": RULES})
    pipeline = ExtractPipeline(crawler)

    async def crawl() -> list[PageResult | BaseException]:
        pipeline.open_spider()
        try:
            return await asyncio.gather(*(pipeline._run(j) for j in jobs), return_exceptions=True)
        finally:
            pipeline.close_spider()

    outcomes = asyncio.run(crawl())
    assert isinstance(outcomes[1], BrokenProcessPool)
    assert [o.status for i, o in enumerate(outcomes) if i != 1] == ["stored"] * 3  # type: ignore[union-attr]
    with session_factory(get_engine(sqlite_url))() as session:
        stored = set(session.scalars(select(Article.url)))
    assert stored == {ORIGIN + paths[0], ORIGIN + paths[2], ORIGIN + paths[3]}
