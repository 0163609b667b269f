"""Crawl benchmark: a local web of >= 2,000 article pages crawled end to end, against
extraction alone on the same pages in one process.

Prints, from one run: end-to-end articles/s (spider open -> close, from the crawl run's
own times, and wall clock including start-up), trafilatura-only and newswatch-extraction-only
articles/s (one process, same HTML), the ratios, and the crawl's peak RSS (crawler +
extraction workers, summed). Usage: python bench/crawl_bench.py [--articles 2000] [--outlets 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswatch.localweb import LocalWeb, build_outlet_site, sources_for  # noqa: E402
from newswatch.localweb.model import BASE  # noqa: E402
from pipelines.article import ExtractionError  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402
from storage.db import get_engine, upgrade  # noqa: E402
from storage.models import Article, CrawlRun  # noqa: E402

SHAPES = [("wordpress", "fr"), ("aggregator", "fr"), ("portal", "ar"), ("readmore", "fr"), ("clean", "en"),
          ("clean", "es"), ("wordpress", "ar"), ("portal", "fr")]


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (KiB), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
        todo.extend(children.get(current, []))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000, help="article pages in the local web")
    parser.add_argument("--outlets", type=int, default=8)
    args = parser.parse_args()
    per_outlet = -(-args.articles // args.outlets)
    t0 = time.perf_counter()
    sites = [build_outlet_site(f"Bench {i}", shape=SHAPES[i % len(SHAPES)][0], language=SHAPES[i % len(SHAPES)][1],
                               n_articles=per_outlet, today=date.today(), seed=100 + i) for i in range(args.outlets)]
    n_articles = sum(len(s.articles) for s in sites)
    sizes = [len(s.resources[t.path].body) for s in sites for t in s.articles]
    print(f"local web: {n_articles} articles on {len(sites)} outlets, built in {time.perf_counter() - t0:.1f} s; "
          f"page size median {statistics.median(sizes) / 1024:.0f} KiB (min {min(sizes) / 1024:.0f}, "
          f"max {max(sizes) / 1024:.0f})")

    with tempfile.TemporaryDirectory() as tmp, LocalWeb(sites) as web:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_for(web, sites, with_feeds=True)), encoding="utf-8")
        env = {**os.environ, "DATABASE_URL": url, "NEWSWATCH_DATA_DIR": tmp, "NEWSWATCH_DOWNLOAD_DELAY": "0",
               "NEWSWATCH_AUTOTHROTTLE": "false", "NEWSWATCH_MAX_PAGES_PER_OUTLET": str(per_outlet + 10),
               "NEWSWATCH_LOG_LEVEL": "WARNING"}
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "newswatch.cli", "crawl", "--sources", str(sources),
                                    "--days", "3650"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, tree_rss_kib(process.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, err = process.communicate()
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
        if process.returncode != 0:
            print(err.decode()[-3000:])
            raise SystemExit("crawl failed")
        with get_engine(url).connect() as conn:
            stored = conn.scalar(select(func.count(Article.id)))
            run = conn.execute(select(CrawlRun.started_at, CrawlRun.finished_at)).one()
        crawl_seconds = (run.finished_at - run.started_at).total_seconds()
        e2e = stored / crawl_seconds

        # extraction alone, one process, same pages
        pages = [(s.resources[t.path].body.replace(BASE.encode(), web.base_url(s.name).encode()),
                  web.base_url(s.name) + t.path, s.outlets[0].timezone) for s in sites for t in s.articles]
        t1 = time.perf_counter()
        for html, page_url, zone in pages:
            try:
                extract_article(html, page_url, timezone=zone)
            except ExtractionError:
                pass
        extract_only = len(pages) / (time.perf_counter() - t1)
        import trafilatura

        t2 = time.perf_counter()
        for html, page_url, _zone in pages:
            trafilatura.extract(html, url=page_url, include_comments=False)
        trafilatura_only = len(pages) / (time.perf_counter() - t2)

    print(f"stored {stored}/{n_articles} articles")
    print(f"end-to-end:       {e2e:7.1f} articles/s (spider open->close {crawl_seconds:.1f} s; "
          f"wall clock incl. start-up {wall:.1f} s = {stored / wall:.1f} articles/s)")
    print(f"trafilatura only: {trafilatura_only:7.1f} articles/s (one process, same pages, trafilatura.extract)")
    print(f"newswatch extraction only: {extract_only:7.1f} articles/s (one process, extract_article: "
          f"trafilatura + noise rules + dates + language)")
    print(f"ratio end-to-end / trafilatura-only: {e2e / trafilatura_only:.2f}x; "
          f"end-to-end / extraction-only: {e2e / extract_only:.2f}x (cores: {os.cpu_count()})")
    print(f"peak RSS of the crawl (crawler + workers): {peak / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
