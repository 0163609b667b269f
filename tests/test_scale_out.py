"""Several crawl workers, one Redis frontier (scrapy-redis), one PostgreSQL store:
each article fetched once and stored once; a worker killed half-way loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from crawl_helpers import PROJECT_ROOT, crawl_env, stored, write_sources
from sqlalchemy import func, select

from localweb import LocalWeb, build_outlet_site
from storage.db import dispose_engines, get_engine, upgrade
from storage.models import Article

REDIS_URL = os.environ.get("NEWSWATCH_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not REDIS_URL, reason="NEWSWATCH_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)"),
]
SHAPES = [("wordpress", "fr"), ("portal", "ar"), ("clean", "en"), ("readmore", "fr"), ("clean", "es")]


@pytest.fixture
def web_of_500() -> list:
    sites = [build_outlet_site(f"Worker Outlet {i}", shape=shape, language=lang, n_articles=100, today=date.today(),
                               seed=40 + i) for i, (shape, lang) in enumerate(SHAPES)]
    for site in sites:
        for truth in site.articles:
            site.resources[truth.path].delay = 0.02
    return sites


def _workers(n: int, env: dict[str, str], sources: Path) -> list[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "newswatch.cli", "crawl", "--worker", "--sources", str(sources), "--days", "365"]
    return [subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True) for _ in range(n)]


def _count(url: str) -> int:
    with get_engine(url).connect() as conn:
        return conn.scalar(select(func.count(Article.id))) or 0


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    prefix = f"nwtest-{uuid.uuid4().hex[:8]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)
    client.close()


def _env(tmp_path: Path, database_url: str, prefix: str, **extra: str) -> dict[str, str]:
    return crawl_env(tmp_path / "data", database_url, NEWSWATCH_REDIS_URL=REDIS_URL,
                     NEWSWATCH_REDIS_KEY_PREFIX=prefix, NEWSWATCH_REDIS_IDLE_SECONDS="4",
                     NEWSWATCH_CONCURRENCY_PER_DOMAIN="2", NEWSWATCH_DOWNLOAD_TIMEOUT="20", **extra)


def test_two_workers_split_one_crawl_each_url_fetched_once(postgres_base_url: str, web_of_500: list,
                                                            tmp_path: Path, redis_prefix: str) -> None:
    from conftest import _reset_postgres

    _reset_postgres(postgres_base_url)
    upgrade(postgres_base_url)
    expected = {t.path for s in web_of_500 for t in s.articles}
    assert len(expected) == 500
    with LocalWeb(web_of_500) as web:
        sources = write_sources(web, web_of_500, tmp_path / "sources.yaml", with_feeds=True)
        workers = _workers(2, _env(tmp_path, postgres_base_url, redis_prefix), sources)
        for worker in workers:
            _, err = worker.communicate(timeout=400)
            assert worker.returncode == 0, err.decode()[-3000:]
        paths = [r.path.split("?", 1)[0] for r in web.log() if r.status == 200]  # utm-tagged links count too
        article_fetches = [p for p in paths if p in expected]
    assert set(stored(postgres_base_url)) == expected
    assert len(article_fetches) == len(set(article_fetches)) == 500, "an article URL was requested twice"
    dispose_engines()


def test_a_worker_killed_half_way_loses_nothing(postgres_base_url: str, web_of_500: list, tmp_path: Path,
                                               redis_prefix: str) -> None:
    from conftest import _reset_postgres

    _reset_postgres(postgres_base_url)
    upgrade(postgres_base_url)
    expected = {t.path for s in web_of_500 for t in s.articles}
    with LocalWeb(web_of_500) as web:
        sources = write_sources(web, web_of_500, tmp_path / "sources.yaml", with_feeds=True)
        env = _env(tmp_path, postgres_base_url, redis_prefix, NEWSWATCH_REDIS_LEASE="6")
        first, second = _workers(2, env, sources)
        deadline = time.monotonic() + 120
        while _count(postgres_base_url) < 150 and time.monotonic() < deadline:
            time.sleep(0.1)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        _, err = second.communicate(timeout=400)
        assert second.returncode == 0, err.decode()[-3000:]
        missing_after_survivor = len(expected) - _count(postgres_base_url)
        time.sleep(6.5)  # the killed worker's leases expire
        (restarted,) = _workers(1, env, sources)
        _, err = restarted.communicate(timeout=400)
        assert restarted.returncode == 0, err.decode()[-3000:]
    assert set(stored(postgres_base_url)) == expected, f"{missing_after_survivor} were missing before the restart"
    dispose_engines()
