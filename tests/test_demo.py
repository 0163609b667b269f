"""Smoke test of `newswatch demo`: the whole job on the bundled sample web, as a newcomer runs it."""

from pathlib import Path

import pytest
from crawl_helpers import crawl_env, newswatch
from sqlalchemy import func, select

from storage.db import get_engine
from storage.models import Article, CrawlRun, Match

pytestmark = pytest.mark.slow


def test_demo_crawls_flags_and_writes_the_digests(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = crawl_env(data, "")
    env.pop("DATABASE_URL")
    result = newswatch(["demo", "--articles", "4"], env, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    demo_dir = data / "demo"
    assert "outlets written to" in result.stdout and "newswatch.db" in result.stdout
    engine = get_engine(f"sqlite:///{demo_dir / 'newswatch.db'}")
    with engine.connect() as conn:
        articles = conn.scalar(select(func.count(Article.id)))
        matches = conn.scalar(select(func.count(Match.id)))
        runs = conn.execute(select(CrawlRun.status)).scalars().all()
    engine.dispose()
    assert articles and articles >= 20, result.stdout
    assert matches and matches > 0, result.stdout
    assert runs and all(status != "running" for status in runs)
    outbox = sorted((demo_dir / "outbox").glob("*"))
    assert outbox, f"no digest written: {result.stdout}"
