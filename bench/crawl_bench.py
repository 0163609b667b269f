"""Crawl benchmark: a local web of >= 2,000 article pages crawled end to end, against
extraction alone on the same pages in one process.

Prints, from one run: end-to-end articles/s (spider open -> close, from the crawl run's
own times, and wall clock including start-up), trafilatura-only and newswatch-extraction-only
articles/s (one process, same HTML), the ratios, the crawl's peak RSS (crawler +
extraction workers, summed) and how busy it kept the cores. Each round crawls, then
extracts alone; medians over the rounds are printed, since the machines are shared.
Usage: python bench/crawl_bench.py [--articles 2000] [--outlets 8] [--rounds 3] [--weight full|light]
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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402

from common.article import ExtractionError  # noqa: E402
from localweb import LocalWeb, build_outlet_site, sources_for  # noqa: E402
from localweb.model import BASE  # noqa: E402
from localweb.pages import PAGE_WEIGHTS  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402
from storage.db import get_engine, upgrade  # noqa: E402
from storage.models import Article, CrawlRun  # noqa: E402

SHAPES = [("wordpress", "fr"), ("aggregator", "fr"), ("portal", "ar"), ("readmore", "fr"), ("clean", "en"),
          ("clean", "es"), ("wordpress", "ar"), ("portal", "fr")]


TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by a process and each of its descendants."""
    out = {}
    for member in _tree(pid):
        try:
            with open(f"/proc/{member}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            out[member] = (int(fields[11]) + int(fields[12])) / TICKS
        except (OSError, IndexError, ValueError):
            continue
    return out


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    members, todo = [], [pid]
    while todo:
        current = todo.pop()
        members.append(current)
        todo.extend(children.get(current, []))
    return members


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (KiB), from /proc."""
    total = 0
    for current in _tree(pid):
        try:
            with open(f"/proc/{current}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def real_pages_rate() -> tuple[float, int, float] | None:
    """trafilatura pages/s on the real fixture pages (read in place), to show how heavy the bench pages are."""
    import json

    import trafilatura

    root = ROOT.parent / "shared" / "fixtures" / "real-pages"
    manifest = root / "manifest.json"
    if not manifest.exists():
        return None
    import gzip

    htmls = []
    for entry in json.loads(manifest.read_text(encoding="utf-8"))["pages"]:
        raw = (root / entry["file"]).read_bytes()
        htmls.append(gzip.decompress(raw) if entry.get("compressed") else raw)
    if not htmls:
        return None
    elements = statistics.median(len(lxml.html.fromstring(h).xpath("//*")) for h in htmls)
    started = time.perf_counter()
    for html in htmls:
        trafilatura.extract(html, include_comments=False)
    return len(htmls) / (time.perf_counter() - started), len(htmls), elements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000, help="article pages in the local web")
    parser.add_argument("--outlets", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3,
                        help="crawl + extraction-alone rounds; medians are printed (shared machines are noisy)")
    parser.add_argument("--weight", choices=PAGE_WEIGHTS, default="full",
                        help="full: article pages with the markup mass of real news pages (default); "
                             "light: the test suite's pages, padded with one script (cheap to extract)")
    args = parser.parse_args()
    per_outlet = -(-args.articles // args.outlets)
    t0 = time.perf_counter()
    sites = [build_outlet_site(f"Bench {i}", shape=SHAPES[i % len(SHAPES)][0], language=SHAPES[i % len(SHAPES)][1],
                               n_articles=per_outlet, today=date.today(), seed=100 + i, weight=args.weight)
             for i in range(args.outlets)]
    n_articles = sum(len(s.articles) for s in sites)
    sizes = [len(s.resources[t.path].body) for s in sites for t in s.articles]
    elements = [len(lxml.html.fromstring(s.resources[t.path].body).xpath("//*")) for s in sites for t in s.articles[:50]]
    print(f"local web: {n_articles} articles on {len(sites)} outlets ({args.weight} pages), built in "
          f"{time.perf_counter() - t0:.1f} s; page size median {statistics.median(sizes) / 1024:.0f} KiB (min "
          f"{min(sizes) / 1024:.0f}, max {max(sizes) / 1024:.0f}), median {statistics.median(elements):.0f} elements")

    with LocalWeb(sites) as web:
        pages = [(s.resources[t.path].body.replace(BASE.encode(), web.base_url(s.name).encode()),
                  web.base_url(s.name) + t.path, s.outlets[0].timezone) for s in sites for t in s.articles]
        rounds = []
        for number in range(1, args.rounds + 1):
            crawl = crawl_once(web, sites, per_outlet)
            if crawl.stored != n_articles:
                print(f"warning: stored {crawl.stored}/{n_articles} articles")
            alone = extraction_alone(pages)
            rounds.append((crawl, alone))
            print(f"round {number}: end-to-end {crawl.rate:.1f}/s, trafilatura only {alone.trafilatura:.1f}/s, "
                  f"newswatch extraction only {alone.newswatch:.1f}/s -> {crawl.rate / alone.trafilatura:.2f}x / "
                  f"{crawl.rate / alone.newswatch:.2f}x; CPU {crawl.cpu_share:.0%} of {os.cpu_count()} cores")
        real_rate = real_pages_rate()

    def med(values: list[float]) -> float:
        return statistics.median(values)

    crawls = [c for c, _ in rounds]
    e2e = med([c.rate for c in crawls])
    print(f"\nmedians over {len(rounds)} round(s), each round crawling then extracting the same {n_articles} pages:")
    print(f"end-to-end:       {e2e:7.1f} articles/s (spider open->close; wall clock incl. start-up "
          f"{med([c.stored / c.wall for c in crawls]):.1f} articles/s)")
    print(f"trafilatura only: {med([a.trafilatura for _, a in rounds]):7.1f} articles/s "
          "(one process, same pages, trafilatura.extract)")
    print(f"newswatch extraction only: {med([a.newswatch for _, a in rounds]):7.1f} articles/s (one process, "
          "extract_article: trafilatura + noise rules + dates + language)")
    print(f"ratio end-to-end / trafilatura-only: {med([c.rate / a.trafilatura for c, a in rounds]):.2f}x; "
          f"end-to-end / extraction-only: {med([c.rate / a.newswatch for c, a in rounds]):.2f}x "
          f"(median of the rounds' ratios; cores: {os.cpu_count()})")
    print(f"peak RSS of the crawl (crawler + workers): {max(c.peak_kib for c in crawls) / 1024:.0f} MiB")
    print(f"CPU used by the crawl: {med([c.cpu_share for c in crawls]):.0%} of {os.cpu_count()} cores; crawler process "
          f"{med([c.crawler_cpu for c in crawls]) * 1000 / n_articles:.1f} ms and page processes "
          f"{med([c.workers_cpu for c in crawls]) * 1000 / n_articles:.1f} ms of CPU per article")
    if real_rate is not None:
        print(f"calibration: trafilatura on the {real_rate[1]} real pages of ../shared/fixtures/real-pages: "
              f"{real_rate[0]:.1f} pages/s, median {real_rate[2]:.0f} elements")


@dataclass
class Crawl:
    stored: int
    seconds: float  # spider open -> close, from the crawl run's own record
    wall: float
    peak_kib: int
    crawler_cpu: float
    workers_cpu: float

    @property
    def rate(self) -> float:
        return self.stored / self.seconds

    @property
    def cpu_share(self) -> float:
        return (self.crawler_cpu + self.workers_cpu) / self.wall / (os.cpu_count() or 1)


def crawl_once(web: LocalWeb, sites: list, per_outlet: int) -> Crawl:
    """One `newswatch crawl` of the whole local web into a fresh SQLite database."""
    with tempfile.TemporaryDirectory() as tmp:
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
        cpu: dict[int, float] = {}  # pid -> last CPU seconds seen (workers exit before the crawler)
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, tree_rss_kib(process.pid))
                cpu.update(tree_cpu_seconds(process.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _out, err = process.communicate()
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
        if process.returncode != 0:
            print(err.decode()[-3000:])
            raise SystemExit("crawl failed")
        engine = get_engine(url)
        with engine.connect() as conn:
            stored = conn.scalar(select(func.count(Article.id))) or 0
            run = conn.execute(select(CrawlRun.started_at, CrawlRun.finished_at)).one()
        engine.dispose()
    crawler_cpu = cpu.get(process.pid, 0.0)
    return Crawl(stored, (run.finished_at - run.started_at).total_seconds(), wall, peak, crawler_cpu,
                 sum(v for k, v in cpu.items() if k != process.pid))


@dataclass
class Alone:
    newswatch: float
    trafilatura: float


def extraction_alone(pages: list[tuple[bytes, str, str]]) -> Alone:
    """Articles/s of extraction alone in this one process: newswatch's, then trafilatura's."""
    import trafilatura

    t1 = time.perf_counter()
    for html, page_url, zone in pages:
        try:
            extract_article(html, page_url, timezone=zone)
        except ExtractionError:
            pass
    newswatch = len(pages) / (time.perf_counter() - t1)
    t2 = time.perf_counter()
    for html, page_url, _zone in pages:
        trafilatura.extract(html, url=page_url, include_comments=False)
    return Alone(newswatch, len(pages) / (time.perf_counter() - t2))


if __name__ == "__main__":
    main()
