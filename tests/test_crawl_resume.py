"""Kill the crawl with SIGKILL half-way, run it again: every article ends up stored exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from crawl_helpers import PROJECT_ROOT, crawl_env, newswatch, stored, write_sources
from sqlalchemy import func, select

from localweb import LocalWeb, build_outlet_site
from storage.db import dispose_engines, get_engine
from storage.models import Article

pytestmark = pytest.mark.slow


def _count(url: str) -> int:
    with get_engine(url).connect() as conn:
        return conn.scalar(select(func.count(Article.id))) or 0


def test_sigkill_half_way_then_rerun_stores_everything_once(database_url: str, tmp_path: Path) -> None:
    today = date.today()
    sites = [build_outlet_site(f"Outlet {i}", shape=shape, language=lang, n_articles=25, today=today, seed=i)
             for i, (shape, lang) in enumerate([("wordpress", "fr"), ("portal", "ar"), ("clean", "en")])]
    for site in sites:  # slow article pages down so the kill lands mid-crawl
        for truth in site.articles:
            site.resources[truth.path].delay = 0.15
    expected = {truth.path for site in sites for truth in site.articles}
    with LocalWeb(sites) as web:
        sources = write_sources(web, sites, tmp_path / "sources.yaml")
        env = crawl_env(tmp_path / "data", database_url, NEWSWATCH_CONCURRENCY_PER_DOMAIN="2")
        command = [sys.executable, "-m", "newswatch.cli", "crawl", "--sources", str(sources), "--days", "365"]
        process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 90
        while _count(database_url) < len(expected) // 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert process.poll() is None, "the crawl ended before it could be killed"
        os.killpg(process.pid, signal.SIGKILL)  # the crawler and its extraction workers
        process.wait()
        killed_at = _count(database_url)
        assert 0 < killed_at < len(expected)

        log_before_rerun = len(web.log())
        rerun = newswatch(["crawl", "--sources", str(sources), "--days", "365"], env)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
    articles = stored(database_url)  # raises if any URL is stored twice
    assert set(articles) == expected
    assert _count(database_url) == len(expected)
    # the rerun fetched only what was not stored at the kill, each page once
    refetched = [r.path for r in web.log()[log_before_rerun:] if r.path in expected and r.status == 200]
    assert len(refetched) == len(set(refetched)) == len(expected) - killed_at
    dispose_engines()
