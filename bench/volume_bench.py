"""Volume benchmark: EMM-like load on one box — N outlets (default 2,000) on their own
loopback addresses, new articles appearing all the time, crawled for M minutes
(default 15) by back-to-back `newswatch crawl` passes with politeness on, as the scheduler
would run them.

Prints: articles/s sustained (stored over the whole window, and per pass), whether the crawl
keeps up with what was published (and how late articles are stored after they appear),
the crawl's memory over time (peak RSS of the whole process tree, per pass and per minute:
flat after warm-up?), per-host politeness measured from the server's own request log (the
most requests ever in flight to one host, the gaps between requests to one host against
the configured delay), the database size and the frontier (requests per pass), and a
linear extrapolation to 7,000 outlets and 300,000 articles a day from the CPU measured
per article and per outlet poll.

Usage: python bench/volume_bench.py [--outlets 2000] [--minutes 15] [--rate 5] [--backlog 2]
       [--delay 0.25] [--per-host 4] [--latency 0.05] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import yaml
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crawl_bench import tree_sampler  # noqa: E402
from bench.volume_web import VolumeWeb, address, politeness  # noqa: E402
from storage.db import dispose_engines, get_engine, upgrade  # noqa: E402
from storage.models import Article  # noqa: E402

EMM_ARTICLES_PER_DAY = 300_000
EMM_OUTLETS = 7_000


@dataclass
class Pass:
    started: float  # seconds since the benchmark's start
    seconds: float
    stored: int  # articles stored by this pass
    requests: int  # requests the server answered during it
    peak_kib: int
    cpu: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outlets", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--rate", type=float, default=5.0,
                        help="new articles a second over all outlets (EMM: 300,000/day = 3.5/s)")
    parser.add_argument("--backlog", type=int, default=2, help="articles each outlet already has online at the start")
    parser.add_argument("--delay", type=float, default=0.25, help="NEWSWATCH_DOWNLOAD_DELAY (s between requests to a host)")
    parser.add_argument("--per-host", type=int, default=4, help="NEWSWATCH_CONCURRENCY_PER_DOMAIN")
    parser.add_argument("--latency", type=float, default=0.05, help="server time per response (s)")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, VolumeWeb(args.outlets, args.rate, args.backlog, args.latency) as web:
        print(f"volume web: {args.outlets} outlets on 127.0.1.2..{address(args.outlets - 1)}, port {web.port}; "
              f"{web.published()} articles online at the start, +{args.rate:g}/s; built in {time.perf_counter() - t0:.1f} s",
              flush=True)
        db_file = Path(tmp) / "volume.db"
        url = args.database_url or f"sqlite:///{db_file}"
        upgrade(url)
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(yaml.safe_dump(web.sources()), encoding="utf-8")
        env = {**os.environ, "DATABASE_URL": url, "NEWSWATCH_DATA_DIR": tmp, "NEWSWATCH_LOG_LEVEL": "WARNING",
               "NEWSWATCH_DOWNLOAD_DELAY": str(args.delay), "NEWSWATCH_CONCURRENCY_PER_DOMAIN": str(args.per_host)}
        engine = get_engine(url)

        def stored() -> int:
            with engine.connect() as conn:
                return conn.scalar(select(func.count(Article.id))) or 0

        # what a pass costs whatever the outlets (start-up, imports, page processes): one outlet, once
        returncode, err, _peak, fixed_cpu = run_sampled(
            [sys.executable, "-m", "newswatch.cli", "crawl", "--sources", str(sources), "--days", "2", "--outlet",
             web.outlets[0].name], env, lambda rss: None)
        if returncode:
            raise SystemExit("one-outlet pass failed: " + err.decode()[-3000:])
        print(f"a pass over one outlet: {fixed_cpu:.1f} s of CPU (the fixed cost of a pass)", flush=True)
        web.log.clear()
        start = time.time()
        published_at_start = web.published(start)
        deadline = time.perf_counter() + args.minutes * 60
        passes: list[Pass] = []
        timeline: list[tuple[float, int]] = []  # (seconds since start, tree RSS KiB)
        while time.perf_counter() < deadline:
            before, requests_before = stored(), len(web.log)
            p_start = time.perf_counter()
            returncode, err, peak, cpu = run_sampled(
                [sys.executable, "-m", "newswatch.cli", "crawl", "--sources", str(sources), "--days", "2"], env,
                lambda rss: timeline.append((time.time() - start, rss)))
            if returncode:
                print(err.decode()[-3000:])
                raise SystemExit("crawl pass failed")
            p = Pass(p_start - (deadline - args.minutes * 60), time.perf_counter() - p_start, stored() - before,
                     len(web.log) - requests_before, peak, cpu)
            passes.append(p)
            print(f"pass {len(passes)} at {p.started / 60:5.1f} min: {p.stored} articles in {p.seconds:.0f} s "
                  f"({p.stored / p.seconds:.1f}/s), {p.requests} requests, peak RSS {p.peak_kib / 1024:.0f} MiB, "
                  f"CPU {p.cpu:.0f} s", flush=True)
        end = time.time()
        window = end - start
        with engine.connect() as conn:
            total = conn.scalar(select(func.count(Article.id))) or 0
            lags = [(f.replace(tzinfo=UTC) - p.astimezone(UTC)).total_seconds() if p.tzinfo else
                    (f - p).total_seconds()
                    for f, p in conn.execute(select(Article.fetched_at, Article.published_at)
                                             .where(Article.published_at.is_not(None)))]
        dispose_engines()
        db_bytes = db_file.stat().st_size if db_file.exists() else 0
        published_total = web.published(end)
        log = list(web.log)

    steady = passes[1:] or passes
    print(f"\n{args.outlets} outlets, {window / 60:.1f} min, {len(passes)} passes "
          f"(delay {args.delay:g} s, {args.per_host} per host, server latency {args.latency * 1000:.0f} ms); "
          f"machine: {os.cpu_count()} cores, shared")
    print(f"stored {total} of {published_total} articles published by the end ({published_at_start} at the start, "
          f"{published_total - published_at_start} new during the window)")
    print(f"sustained: {total / window:.2f} articles/s over the window; after the first pass (the backlog) "
          f"{sum(p.stored for p in steady) / sum(p.seconds for p in steady):.2f} articles/s stored while "
          f"{args.rate:g}/s appeared; goal >= 3.5/s")
    if lags:
        lags.sort()
        print(f"lateness (stored - published): median {statistics.median(lags) / 60:.1f} min, "
              f"p95 {lags[int(len(lags) * 0.95)] / 60:.1f} min (includes the backlog articles)")
    minutes: dict[int, int] = {}
    for t, rss in timeline:
        minutes[int(t // 60)] = max(minutes.get(int(t // 60), 0), rss)
    print("memory (peak RSS of the crawl's process tree per minute, MiB): "
          + " ".join(f"{rss / 1024:.0f}" for _, rss in sorted(minutes.items())))
    print("memory per pass (MiB): " + " ".join(f"{p.peak_kib / 1024:.0f}" for p in passes))
    polite = politeness(log, args.delay)
    short = polite["short"]
    assert isinstance(short, list)
    print(f"politeness (server log, {len(log)} requests to {polite['hosts']:.0f} hosts): at most "
          f"{polite['max_in_flight']:.0f} request(s) in flight to one host (limit {args.per_host}); gaps between "
          f"requests to one host: min {polite['min_gap'] * 1000:.0f} ms, p5 {polite['p5_gap'] * 1000:.0f} ms, "
          f"median {polite['median_gap'] * 1000:.0f} ms (delay {args.delay * 1000:.0f} ms, Scrapy randomises "
          f"0.5-1.5x); {len(short)} of {polite['gaps']:.0f} gaps shorter than half the delay"
          + (": " + "; ".join(short[:5]) if short else ""))
    print(f"database: {total} articles, {db_bytes / 2**20:.0f} MiB ({db_bytes / max(total, 1) / 1024:.1f} KiB per "
          f"article with its compressed page) ; frontier: {max(p.requests for p in passes)} requests in the "
          f"largest pass, {statistics.median(p.requests for p in passes):.0f} median (in memory, dropped after each pass)")
    extrapolate(passes, args.outlets, fixed_cpu)


def run_sampled(command: list[str], env: dict[str, str],
                on_sample: Callable[[int], None]) -> tuple[int, bytes, int, float]:
    """Run one crawl pass; every second its process tree's RSS goes to ``on_sample``.
    Returns (exit code, stderr, peak RSS KiB, CPU seconds of the whole tree)."""
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with tree_sampler(process.pid, 1.0, on_sample) as sampler:
        _, err = process.communicate()
    return process.returncode, err, sampler.peak, sum(sampler.cpu.values())


def extrapolate(passes: list[Pass], outlets: int, fixed_cpu: float, poll_minutes: float = 15.0) -> None:
    """CPU per pass = fixed + a * articles + b * outlets: ``a`` and fixed + b * outlets fitted over
    the passes, the fixed part measured by a one-outlet pass; then scaled to EMM's volume."""
    if len(passes) < 2 or len({p.stored for p in passes}) < 2:
        print("extrapolation: needs at least 2 passes with different article counts (run longer)")
        return
    per_article, intercept = statistics.linear_regression([p.stored for p in passes], [p.cpu for p in passes])
    per_outlet = max(0.0, intercept - fixed_cpu) / outlets
    pass_seconds = statistics.median(p.seconds for p in passes[1:])  # the first one clears the backlog
    emm_pass = pass_seconds * EMM_OUTLETS / outlets
    interval = max(poll_minutes * 60, emm_pass)
    polls_per_day = 86_400 / interval
    article_cores = EMM_ARTICLES_PER_DAY * per_article / 86_400
    poll_cores = polls_per_day * (EMM_OUTLETS * per_outlet + fixed_cpu) / 86_400
    print(f"extrapolation: {per_article * 1000:.0f} ms of crawl CPU per article (fetch, extraction, store), "
          f"{per_outlet * 1000:.1f} ms per outlet poll (robots, feed, sitemaps), {fixed_cpu:.1f} s fixed per pass; "
          f"{EMM_OUTLETS} outlets polled every {interval / 60:.0f} min (a pass would take ~{emm_pass / 60:.1f} min at "
          f"this pace) and {EMM_ARTICLES_PER_DAY} articles/day need {article_cores + poll_cores:.2f} cores "
          f"({article_cores:.2f} for articles, {poll_cores:.2f} for polling) of the 2")


if __name__ == "__main__":
    main()
