"""Running real crawls in tests: a subprocess each (Twisted's reactor starts once per
process), against a LocalWeb served on 127.0.0.1, into a throw-away database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from localweb import LocalWeb, Site, sources_for
from storage.db import dispose_engines, get_engine, upgrade
from storage.models import Article, CrawlError, Outlet

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def crawl_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_") and k != "DATABASE_URL"}
    env.update({
        "NEWSWATCH_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "NEWSWATCH_CONFIG_DIR": str(PROJECT_ROOT / "config"),
        "NEWSWATCH_DOWNLOAD_DELAY": "0",
        "NEWSWATCH_AUTOTHROTTLE": "false",
        "NEWSWATCH_DOWNLOAD_TIMEOUT": "1.5",
        "NEWSWATCH_RETRY_TIMES": "2",
        "NEWSWATCH_RETRY_BACKOFF_BASE": "0.1",
        "NEWSWATCH_RETRY_BACKOFF_MAX": "5",
        "NEWSWATCH_MAX_RESPONSE_BYTES": str(4 * 1024 * 1024),
    })
    env.update(extra)
    return env


def write_sources(web: LocalWeb, sites: list[Site], path: Path, **kw: Any) -> Path:
    path.write_text(yaml.safe_dump(sources_for(web, sites, **kw), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def newswatch(args: list[str], env: dict[str, str], timeout: float = 180, cwd: Path = PROJECT_ROOT
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newswatch.cli", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@contextmanager
def crawled_twice(sites: list[Site], tmp: Path, days: int = 365) -> Iterator[dict[str, Any]]:
    """Serve ``sites`` and crawl them twice into a fresh SQLite database, the way a user runs
    ``newswatch crawl`` again: both runs and the requests each made (``log1``, ``log2``), with
    the web still up while the caller looks."""
    url = f"sqlite:///{tmp / 'nw.db'}"
    upgrade(url)
    with LocalWeb(sites) as web:
        sources = write_sources(web, sites, tmp / "sources.yaml")
        env = crawl_env(tmp / "data", url)
        first = newswatch(["crawl", "--sources", str(sources), "--days", str(days)], env)
        log1 = web.log()
        second = newswatch(["crawl", "--sources", str(sources), "--days", str(days)], env)
        log2 = web.log()[len(log1):]
        yield {"sites": sites, "url": url, "first": first, "second": second, "log1": log1, "log2": log2, "web": web}
    dispose_engines()


def stored(database_url: str) -> dict[str, dict[str, Any]]:
    """Stored articles by URL path (query kept), with their outlet and fields."""
    from urllib.parse import urlsplit

    with get_engine(database_url).connect() as conn:
        rows = conn.execute(select(Article, Outlet.name).join(Outlet, Article.outlet_id == Outlet.id)).all()
    result: dict[str, dict[str, Any]] = {}
    for row in rows:
        article = row[0] if hasattr(row[0], "url") else None
        if article is None:  # Core rows: columns flattened
            article = row
        parts = urlsplit(article.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        assert path not in result, f"{path} stored twice"
        result[path] = {"outlet": row[-1], "title": article.title, "language": article.language,
                        "published": article.published_at, "text": article.text, "url": article.url}
    return result


def errors(database_url: str) -> list[tuple[str, str, str]]:
    from urllib.parse import urlsplit

    with get_engine(database_url).connect() as conn:
        rows = conn.execute(select(CrawlError.outlet, CrawlError.kind, CrawlError.url)).all()
    return [(outlet, kind, urlsplit(url).path) for outlet, kind, url in rows]
