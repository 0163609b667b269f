"""Scale-out benchmark: one local web crawled by 1 and by 2 workers sharing a Redis frontier,
into one PostgreSQL database. Prints articles/s for each and the scaling ratio.

Needs NEWSWATCH_TEST_REDIS_URL and NEWSWATCH_TEST_POSTGRES_URL (the same as the tests).
Usage: python bench/scale_bench.py [--articles 1000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import redis
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from localweb import LocalWeb, build_outlet_site, sources_for  # noqa: E402
from storage.db import dispose_engines, get_engine, upgrade  # noqa: E402
from storage.models import Article  # noqa: E402

SHAPES = [("wordpress", "fr"), ("portal", "ar"), ("clean", "en"), ("readmore", "fr"), ("clean", "es")]


def fresh_database(base_url: str, name: str) -> str:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url


def crawl_with(n_workers: int, sites: list, web: LocalWeb, base_pg: str, redis_url: str, tmp: Path) -> tuple[int, float]:
    url = fresh_database(base_pg, f"newswatch_scale_bench_{n_workers}")
    prefix = f"nwbench-{uuid.uuid4().hex[:8]}"
    sources = tmp / "sources.yaml"
    sources.write_text(yaml.safe_dump(sources_for(web, sites, with_feeds=True)), encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": url, "NEWSWATCH_DATA_DIR": str(tmp), "NEWSWATCH_REDIS_URL": redis_url,
           "NEWSWATCH_REDIS_KEY_PREFIX": prefix, "NEWSWATCH_REDIS_IDLE_SECONDS": "3", "NEWSWATCH_DOWNLOAD_DELAY": "0",
           "NEWSWATCH_AUTOTHROTTLE": "false", "NEWSWATCH_LOG_LEVEL": "WARNING", "NEWSWATCH_EXTRACT_WORKERS": "1",
           "NEWSWATCH_MAX_PAGES_PER_OUTLET": "100000"}
    command = [sys.executable, "-m", "newswatch.cli", "crawl", "--worker", "--sources", str(sources), "--days", "3650"]
    started = time.perf_counter()
    workers = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
               for _ in range(n_workers)]
    for worker in workers:
        _, err = worker.communicate()
        if worker.returncode:
            raise SystemExit(err.decode()[-2000:])
    elapsed = time.perf_counter() - started - 3  # minus the idle wait before the last worker stops
    with get_engine(url).connect() as conn:
        count = conn.scalar(select(func.count(Article.id))) or 0
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)
    dispose_engines()
    return count, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    redis_url = os.environ.get("NEWSWATCH_TEST_REDIS_URL")
    base_pg = os.environ.get("NEWSWATCH_TEST_POSTGRES_URL")
    if not redis_url or not base_pg:
        raise SystemExit("set NEWSWATCH_TEST_REDIS_URL and NEWSWATCH_TEST_POSTGRES_URL")
    per = -(-args.articles // len(SHAPES))
    sites = [build_outlet_site(f"Scale {i}", shape=s, language=lang, n_articles=per, today=date.today(), seed=70 + i)
             for i, (s, lang) in enumerate(SHAPES)]
    import tempfile

    results = {}
    with tempfile.TemporaryDirectory() as tmp, LocalWeb(sites) as web:
        for n in (1, 2):
            count, seconds = crawl_with(n, sites, web, base_pg, redis_url, Path(tmp))
            results[n] = count / seconds
            print(f"{n} worker(s): {count} articles in {seconds:.1f} s = {results[n]:.1f} articles/s")
    print(f"scaling 2 workers / 1 worker: {results[2] / results[1]:.2f}x on {os.cpu_count()} cores "
          f"(each worker: crawler + 1 extraction process)")


if __name__ == "__main__":
    main()
