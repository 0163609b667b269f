"""Scale-out benchmark, two machines simulated on one: workers pinned to cores, sharing a Redis
frontier and one PostgreSQL database.

Runs, on the same local web (article pages of real weight by default):
  - 1 worker pinned to core 0 (its crawler and its page process share that core), PostgreSQL;
  - 2 workers, one pinned to core 0 and one to core 1, PostgreSQL: the scaling ratio (goal >= 1.7x);
  - 1 worker pinned to core 0 on SQLite (same Redis frontier): PostgreSQL vs SQLite per worker.
Pinning is ``os.sched_setaffinity`` in each worker before it starts; its page process
inherits it. PostgreSQL and Redis themselves are not pinned (on one box they take their
CPU from the same two cores, which two real machines would not): the ratio is a lower bound.
Rates are articles stored / (first worker start -> last worker end, minus the idle wait).

Needs NEWSWATCH_TEST_REDIS_URL and NEWSWATCH_TEST_POSTGRES_URL (the same as the tests).
Usage: python bench/scale_bench.py [--articles 1000] [--rounds 1] [--weight full|light]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import redis
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from localweb import LocalWeb, build_outlet_site, sources_for  # noqa: E402
from localweb.pages import PAGE_WEIGHTS  # noqa: E402
from storage.db import dispose_engines, get_engine, upgrade  # noqa: E402
from storage.models import Article  # noqa: E402

SHAPES = [("wordpress", "fr"), ("portal", "ar"), ("clean", "en"), ("readmore", "fr"), ("clean", "es"),
          ("aggregator", "fr")]
IDLE_SECONDS = 3


def fresh_database(base_url: str, name: str) -> str:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url


def pinned(core: int) -> Callable[[], None]:
    """A preexec_fn that pins the child (and what it forks) to one core."""
    def pin() -> None:
        os.sched_setaffinity(0, {core})
    return pin


def crawl_with(cores: list[int], database_url: str, sites: list, web: LocalWeb, redis_url: str,
               tmp: Path) -> tuple[int, float, float]:
    """One worker per entry of ``cores``, each pinned to that core: (articles stored, seconds from
    the first worker's start to the last one's end, seconds from the first article stored to
    the last: the steady rate, without start-up and the idle wait)."""
    prefix = f"nwbench-{uuid.uuid4().hex[:8]}"
    sources = tmp / "sources.yaml"
    sources.write_text(yaml.safe_dump(sources_for(web, sites, with_feeds=True)), encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": database_url, "NEWSWATCH_DATA_DIR": str(tmp), "NEWSWATCH_REDIS_URL": redis_url,
           "NEWSWATCH_REDIS_KEY_PREFIX": prefix, "NEWSWATCH_REDIS_IDLE_SECONDS": str(IDLE_SECONDS),
           "NEWSWATCH_DOWNLOAD_DELAY": "0", "NEWSWATCH_AUTOTHROTTLE": "false", "NEWSWATCH_LOG_LEVEL": "WARNING",
           "NEWSWATCH_EXTRACT_WORKERS": "1", "NEWSWATCH_MAX_PAGES_PER_OUTLET": "100000"}
    command = [sys.executable, "-m", "newswatch.cli", "crawl", "--worker", "--sources", str(sources), "--days", "3650"]
    started = time.perf_counter()
    workers = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                preexec_fn=pinned(core))  # noqa: PLW1509 - only sched_setaffinity, no locks
               for core in cores]
    for worker in workers:
        _, err = worker.communicate()
        if worker.returncode:
            raise SystemExit(err.decode()[-2000:])
    elapsed = time.perf_counter() - started - IDLE_SECONDS  # the idle wait before the last worker stops
    with get_engine(database_url).connect() as conn:
        count = conn.scalar(select(func.count(Article.id))) or 0
        first, last = conn.execute(select(func.min(Article.fetched_at), func.max(Article.fetched_at))).one()
    steady = (last - first).total_seconds() if first is not None and last is not None else 0.0
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)
    dispose_engines()
    return count, elapsed, steady


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the three runs; medians are printed")
    parser.add_argument("--weight", choices=PAGE_WEIGHTS, default="full")
    args = parser.parse_args()
    redis_url = os.environ.get("NEWSWATCH_TEST_REDIS_URL")
    base_pg = os.environ.get("NEWSWATCH_TEST_POSTGRES_URL")
    if not redis_url or not base_pg:
        raise SystemExit("set NEWSWATCH_TEST_REDIS_URL and NEWSWATCH_TEST_POSTGRES_URL")
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise SystemExit("needs two cores")
    per = -(-args.articles // len(SHAPES))
    sites = [build_outlet_site(f"Scale {i}", shape=s, language=lang, n_articles=per, today=date.today(), seed=70 + i,
                               weight=args.weight)
             for i, (s, lang) in enumerate(SHAPES)]
    n_articles = sum(len(s.articles) for s in sites)
    runs: dict[str, list[float]] = {"pg1": [], "pg2": [], "sqlite1": []}
    steady_runs: dict[str, list[float]] = {"pg1": [], "pg2": [], "sqlite1": []}
    with tempfile.TemporaryDirectory() as tmp, LocalWeb(sites) as web:
        for number in range(1, args.rounds + 1):
            for key, where in (("pg1", [cores[0]]), ("pg2", cores[:2]), ("sqlite1", [cores[0]])):
                if key.startswith("pg"):
                    url = fresh_database(base_pg, f"newswatch_scale_bench_{key}")
                else:
                    db = Path(tmp) / f"scale-{number}.db"
                    url = f"sqlite:///{db}"
                    upgrade(url)
                count, seconds, steady = crawl_with(where, url, sites, web, redis_url, Path(tmp))
                if count != n_articles:
                    print(f"warning: {key} stored {count}/{n_articles} articles")
                runs[key].append(count / seconds)
                steady_runs[key].append((count - 1) / steady if steady > 0 else 0.0)
                print(f"round {number}: {key} ({len(where)} worker(s) on core(s) {where}): {count} articles in "
                      f"{seconds:.1f} s = {count / seconds:.1f} articles/s; first to last article stored "
                      f"{steady:.1f} s = {steady_runs[key][-1]:.1f} articles/s", flush=True)
    pg1, pg2, sq1 = (statistics.median(runs[k]) for k in ("pg1", "pg2", "sqlite1"))
    spg1, spg2, ssq1 = (statistics.median(steady_runs[k]) for k in ("pg1", "pg2", "sqlite1"))
    print(f"\n{n_articles} articles ({args.weight} pages), medians of {args.rounds} round(s), {os.cpu_count()} cores:")
    print("articles/s: start to end (incl. start-up and the idle wait) | first to last article stored (steady)")
    print(f"1 worker pinned to 1 core, PostgreSQL + Redis: {pg1:.1f} | {spg1:.1f}")
    print(f"2 workers, each pinned to its own core, PostgreSQL + Redis: {pg2:.1f} | {spg2:.1f}")
    print(f"scaling 2 workers / 1 worker: {pg2 / pg1:.2f}x | {spg2 / spg1:.2f}x (goal >= 1.7x; PostgreSQL and "
          "Redis unpinned, sharing the same cores)")
    print(f"1 worker pinned to 1 core, SQLite + Redis: {sq1:.1f} | {ssq1:.1f} -> PostgreSQL / SQLite per worker: "
          f"{pg1 / sq1:.2f} | {spg1 / ssq1:.2f} (goal within 10 %)")


if __name__ == "__main__":
    main()
