"""Crawl benchmark: a local web of >= 2,000 article pages crawled end to end by newswatch and
by trafilatura's own CLI, against extraction alone on the same pages in one process.

Prints, from one run: end-to-end articles/s (spider open -> close, from the crawl run's
own times, and wall clock including start-up), trafilatura-only and newswatch-extraction-only
articles/s (one process, same HTML), the ratios, the crawl's peak memory (PSS summed
over crawler, fork server and page processes: they share pages, which RSS would count
once per process) and how busy it kept the cores: each process's time on a core, waiting
for a core (held by the machine's other processes) and idle (nothing to do), from
/proc/PID/schedstat. Each round crawls, then extracts alone; medians over the rounds are
printed, since the machines are shared.

The trafilatura baseline crawls the same web as its documentation says: `--sitemap --list`
for the URLs, then `-i urls --parallel 4 --json --with-metadata`, with SLEEP_TIME 0 and
SSRF_PROTECTION off (a --config-file). It refuses IP-address URLs, so each site is on its
own loopback address (127.0.0.2, .3, ...) and has a host name (benchN.localweb) that only
the trafilatura process resolves (bench/trafilatura_named.py). Token F1 of both against the
generated articles' full text (bench/token_f1.py), articles/s and the peak PSS of each
whole process tree are printed, with newswatch / trafilatura ratios.
Usage: python bench/crawl_bench.py [--articles 2000] [--outlets 8] [--rounds 3] [--weight full|light]
                                   [--no-trafilatura]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402

from bench.token_f1 import prf  # noqa: E402
from bench.trafilatura_named import HOSTS_VAR  # noqa: E402
from common.article import ExtractionError  # noqa: E402
from localweb import LocalWeb, build_outlet_site, sources_for  # noqa: E402
from localweb.model import BASE, ArticleTruth  # noqa: E402
from localweb.pages import PAGE_WEIGHTS  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402
from storage.db import get_engine, upgrade  # noqa: E402
from storage.models import Article, CrawlRun  # noqa: E402

SHAPES = [("wordpress", "fr"), ("aggregator", "fr"), ("portal", "ar"), ("readmore", "fr"), ("clean", "en"),
          ("clean", "es"), ("wordpress", "ar"), ("portal", "fr")]


TICKS = os.sysconf("SC_CLK_TCK")


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


def _proc_kib(pid: int, name: str, key: str) -> int:
    """One KiB figure of a process from /proc/PID/<name> (0 once the process is gone)."""
    try:
        with open(f"/proc/{pid}/{name}") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def pss_kib(pid: int) -> int:
    """Proportional resident memory of one process (KiB): a page shared by N processes counts 1/N."""
    return _proc_kib(pid, "smaps_rollup", "Pss:")


def _rss_kib(pid: int) -> int:
    return _proc_kib(pid, "status", "VmRSS:")


@dataclass
class Sched:
    """One process's CPU scheduling, from /proc/PID/schedstat, between its first and last sample."""

    first: float
    last: float
    run0: float
    wait0: float
    run: float = 0.0  # seconds on a core
    wait: float = 0.0  # seconds runnable but waiting for a core (the machine's other processes)

    @property
    def life(self) -> float:
        return self.last - self.first

    @property
    def sleep(self) -> float:
        """Seconds it had nothing to do: waiting for pages, the network, a lock."""
        return max(0.0, self.life - self.run - self.wait)


@dataclass
class TreeSample:
    """What the sampler saw of a process tree.

    Why PSS beside RSS: the page processes share the fork server's pages copy-on-write, and
    RSS summed over the tree counts those once per process. Why schedstat: on a shared
    machine a low "CPU busy" share is either our processes idling (sleep) or other processes
    holding the cores (wait); only the first is ours to fix."""

    peak: int = 0  # KiB, the whole tree's highest summed RSS seen
    peak_pss_kib: int = 0  # KiB, the whole tree's highest summed PSS seen: its real memory
    cpu: dict[int, float] = field(default_factory=dict)  # pid -> CPU seconds (last seen; children exit first)
    sched: dict[int, Sched] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # pid -> command line
    parents: dict[int, int] = field(default_factory=dict)

    def read(self, members: list[int], now: float) -> int:
        """One tick over the tree's processes; returns the tree's summed RSS (KiB)."""
        rss = pss = 0
        for member in members:
            try:
                with open(f"/proc/{member}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                if fields[0] == "Z":
                    continue  # exited, not yet reaped: its life is over
                with open(f"/proc/{member}/schedstat") as fh:
                    run_ns, wait_ns = (int(v) for v in fh.read().split()[:2])
                if member not in self.names:
                    with open(f"/proc/{member}/cmdline", "rb") as fh:
                        self.names[member] = fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
                    self.parents[member] = int(fields[1])
            except (OSError, ValueError, IndexError):
                continue
            self.cpu[member] = (int(fields[11]) + int(fields[12])) / TICKS
            rss += _rss_kib(member)
            pss += pss_kib(member)
            seen = self.sched.setdefault(member, Sched(now, now, run_ns / 1e9, wait_ns / 1e9))
            seen.last, seen.run, seen.wait = now, run_ns / 1e9 - seen.run0, wait_ns / 1e9 - seen.wait0
        self.peak = max(self.peak, rss)
        self.peak_pss_kib = max(self.peak_pss_kib, pss)
        return rss

    def shares(self, which: str) -> tuple[float, float, float]:
        """(on a core, waiting for a core, asleep) as shares of the lives of the processes named
        ``which``: "crawler" (the newswatch command), "pages" (the page processes) or "all"."""
        def kind(pid: int) -> str:
            if "newswatch.cli" in self.names.get(pid, ""):
                return "crawler"
            # forked by the fork server (a multiprocessing process itself), not the server
            return "pages" if "multiprocessing" in self.names.get(self.parents.get(pid, 0), "") else "other"

        chosen = [s for pid, s in self.sched.items() if which == "all" or kind(pid) == which]
        life = sum(s.life for s in chosen) or 1.0
        return (sum(s.run for s in chosen) / life, sum(s.wait for s in chosen) / life,
                sum(s.sleep for s in chosen) / life)


@contextmanager
def tree_sampler(pid: int | None, interval: float,
                 on_sample: Callable[[int], None] | None = None) -> Iterator[TreeSample]:
    """The benches' one sampler: while the ``with`` block runs, a thread reads the process
    tree of ``pid`` (None: every child tree of this process) every ``interval`` seconds:
    summed RSS and PSS, CPU and scheduling per process (each summed RSS also goes to
    ``on_sample``)."""
    sample, stop = TreeSample(), threading.Event()
    me = os.getpid()

    def run() -> None:
        while not stop.is_set():
            members = _tree(pid) if pid is not None else [m for m in _tree(me) if m != me]
            rss = sample.read(members, time.perf_counter())
            if on_sample:
                on_sample(rss)
            stop.wait(interval)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield sample
    finally:
        stop.set()
        thread.join()


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


def truth_key(url: str) -> tuple[int, str]:
    """Port (one per site, whether asked by address or by name), path and query of a URL
    without tracking parameters: how stored URLs meet the truth (outlets of one shape can
    publish the same path)."""
    parts = urlsplit(url)
    query = "&".join(q for q in parts.query.split("&") if q and not q.startswith("utm_"))
    return parts.port or 80, parts.path + ("?" + query if query else "")


@dataclass
class Quality:
    found: int  # articles of the truth present in the output
    extra: int  # output documents that are not articles of the truth (listings, about, ...)
    f1: float  # mean token F1 over the found articles
    recall_f1: float  # mean token F1 over all articles of the truth (a missing one counts 0)


def score(texts: dict[str, str], truth: dict[tuple[int, str], ArticleTruth]) -> Quality:
    """Token F1 of extracted texts (keyed by URL) against the full text of the truth articles."""
    f1s: dict[tuple[int, str], float] = {}
    extra = 0
    for url, text in texts.items():
        key = truth_key(url)
        if key in truth:
            f1s[key] = max(f1s.get(key, 0.0), prf(text, truth[key].text)[2])
        else:
            extra += 1
    found = len(f1s)
    return Quality(found, extra, statistics.fmean(f1s.values()) if f1s else 0.0,
                   sum(f1s.values()) / len(truth) if truth else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000, help="article pages in the local web")
    parser.add_argument("--outlets", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3,
                        help="crawl + extraction-alone rounds; medians are printed (shared machines are noisy)")
    parser.add_argument("--weight", choices=PAGE_WEIGHTS, default="full",
                        help="full: article pages with the markup mass of real news pages (default); "
                             "light: the test suite's pages, padded with one script (cheap to extract)")
    parser.add_argument("--no-trafilatura", action="store_true", help="skip the trafilatura-CLI crawl")
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

    addresses = {s.name: f"127.0.0.{2 + i}" for i, s in enumerate(sites)}
    names = {s.name: f"bench{i}.localweb" for i, s in enumerate(sites)}
    with LocalWeb(sites, addresses=addresses, names=names) as web:
        truth = {truth_key(web.base_url(s.name) + t.path): t for s in sites for t in s.articles}
        assert len(truth) == n_articles
        pages = [(s.resources[t.path].body.replace(BASE.encode(), web.base_url(s.name).encode()),
                  web.base_url(s.name) + t.path, s.outlets[0].timezone) for s in sites for t in s.articles]
        rounds = []
        for number in range(1, args.rounds + 1):
            crawl = crawl_once(web, sites, per_outlet, truth)
            if crawl.stored != n_articles:
                print(f"warning: stored {crawl.stored}/{n_articles} articles")
            traf = None if args.no_trafilatura else trafilatura_once(web, sites, addresses, names, truth)
            alone = extraction_alone(pages)
            rounds.append((crawl, traf, alone))
            line = (f"round {number}: newswatch {crawl.rate:.1f}/s (wall {crawl.wall_rate:.1f}/s, F1 "
                    f"{crawl.quality.f1:.3f}, PSS {crawl.pss_kib / 1024:.0f} MiB)")
            if traf is not None:
                line += (f", trafilatura CLI {traf.wall_rate:.1f}/s (F1 {traf.quality.f1:.3f}, "
                         f"PSS {traf.pss_kib / 1024:.0f} MiB) -> {crawl.wall_rate / traf.wall_rate:.2f}x wall clock")
            print(line + f"; trafilatura only {alone.trafilatura:.1f}/s, newswatch extraction only "
                  f"{alone.newswatch:.1f}/s; CPU {crawl.cpu_share:.0%} of {os.cpu_count()} cores")
        real_rate = real_pages_rate()

    def med(values: list[float]) -> float:
        return statistics.median(values)

    crawls = [c for c, _, _ in rounds]
    e2e = med([c.rate for c in crawls])
    print(f"\nmedians over {len(rounds)} round(s), each round crawling then extracting the same {n_articles} pages:")
    print(f"end-to-end:       {e2e:7.1f} articles/s (spider open->close; wall clock incl. start-up "
          f"{med([c.wall_rate for c in crawls]):.1f} articles/s)")
    print(f"trafilatura only: {med([a.trafilatura for _, _, a in rounds]):7.1f} articles/s "
          "(one process, same pages, trafilatura.extract)")
    print(f"newswatch extraction only: {med([a.newswatch for _, _, a in rounds]):7.1f} articles/s (one process, "
          "extract_article: trafilatura + noise rules + dates + language)")
    print(f"ratio end-to-end / trafilatura-only: {med([c.rate / a.trafilatura for c, _, a in rounds]):.2f}x; "
          f"end-to-end / extraction-only: {med([c.rate / a.newswatch for c, _, a in rounds]):.2f}x "
          f"(median of the rounds' ratios; cores: {os.cpu_count()})")
    print(f"peak memory of the crawl (crawler + page processes): PSS {max(c.pss_kib for c in crawls) / 1024:.0f} MiB "
          f"(RSS summed, shared pages counted once per process: {max(c.peak_kib for c in crawls) / 1024:.0f} MiB)")
    print(f"CPU used by the crawl: {med([c.cpu_share for c in crawls]):.0%} of {os.cpu_count()} cores; crawler process "
          f"{med([c.crawler_cpu for c in crawls]) * 1000 / n_articles:.1f} ms and page processes "
          f"{med([c.workers_cpu for c in crawls]) * 1000 / n_articles:.1f} ms of CPU per article")

    def sched(shares: list[tuple[float, float, float]]) -> str:
        run, wait, sleep = (med([s[i] for s in shares]) for i in range(3))
        return f"on a core {run:.0%}, waiting for a core {wait:.0%}, idle {sleep:.0%}"

    print(f"time of the page processes (from start to end): {sched([c.pages_sched for c in crawls])}; crawler "
          f"process: {sched([c.crawler_sched for c in crawls])} (waiting = the machine's other processes held "
          f"the cores; idle = nothing to do)")
    print(f"newswatch quality: {med([c.quality.found for c in crawls]):.0f}/{n_articles} articles stored, "
          f"token F1 {med([c.quality.f1 for c in crawls]):.3f} (over all truth articles "
          f"{med([c.quality.recall_f1 for c in crawls]):.3f}), {med([c.quality.extra for c in crawls]):.0f} non-articles")
    trafs = [(c, t) for c, t, _ in rounds if t is not None]
    if trafs:
        ts = [t for _, t in trafs]
        print(f"trafilatura CLI crawl ({TRAFILATURA_PARALLEL} threads, --sitemap --list then -i): "
              f"{med([t.wall_rate for t in ts]):.1f} articles/s wall clock (listing {med([t.list_seconds for t in ts]):.1f} s"
              f" + extraction {med([t.extract_seconds for t in ts]):.1f} s), {med([t.quality.found for t in ts]):.0f}/"
              f"{n_articles} articles, token F1 {med([t.quality.f1 for t in ts]):.3f} (over all truth articles "
              f"{med([t.quality.recall_f1 for t in ts]):.3f}), {med([t.quality.extra for t in ts]):.0f} non-article "
              f"documents, peak PSS {max(t.pss_kib for t in ts) / 1024:.0f} MiB (RSS "
              f"{max(t.peak_kib for t in ts) / 1024:.0f} MiB), CPU {med([t.cpu for t in ts]) * 1000 / n_articles:.1f} "
              f"ms per article; extraction step {sched([t.sched for t in ts])}")
        print(f"newswatch / trafilatura CLI: {med([c.wall_rate / t.wall_rate for c, t in trafs]):.2f}x articles/s "
              f"(wall clock, both incl. start-up; spider open->close: "
              f"{med([c.rate / t.wall_rate for c, t in trafs]):.2f}x), F1 {med([c.quality.f1 for c, _ in trafs]):.3f} "
              f"vs {med([t.quality.f1 for t in ts]):.3f}, peak PSS "
              f"{max(c.pss_kib for c, _ in trafs) / 1024:.0f} vs {max(t.pss_kib for t in ts) / 1024:.0f} MiB")
    if real_rate is not None:
        print(f"calibration: trafilatura on the {real_rate[1]} real pages of ../shared/fixtures/real-pages: "
              f"{real_rate[0]:.1f} pages/s, median {real_rate[2]:.0f} elements")


@dataclass
class Measured:
    returncode: int
    out: bytes
    err: bytes
    wall: float
    peak_kib: int
    cpu: dict[int, float]  # pid -> CPU seconds (last seen; children exit before their parent)
    sample: TreeSample  # the whole sampling: PSS, scheduling per process


def run_measured(command: list[str], env: dict[str, str], stdin: bytes | None = None) -> Measured:
    """Run a command, sampling its whole process tree (memory, CPU, scheduling) every 0.2 s."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
    with tree_sampler(process.pid, 0.2) as sampler:
        out, err = process.communicate(stdin)
        wall = time.perf_counter() - started
    sampler.cpu.setdefault(process.pid, 0.0)
    return Measured(process.returncode, out, err, wall, sampler.peak, sampler.cpu, sampler)


@dataclass
class Crawl:
    stored: int
    seconds: float  # spider open -> close, from the crawl run's own record
    wall: float
    peak_kib: int  # RSS summed over the tree (counts shared pages once per process)
    crawler_cpu: float
    workers_cpu: float
    quality: Quality
    pss_kib: int = 0  # PSS summed over the tree: its real memory
    crawler_sched: tuple[float, float, float] = (0.0, 0.0, 0.0)  # on a core, waiting for one, asleep
    pages_sched: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def rate(self) -> float:
        return self.stored / self.seconds

    @property
    def wall_rate(self) -> float:
        return self.stored / self.wall

    @property
    def cpu_share(self) -> float:
        return (self.crawler_cpu + self.workers_cpu) / self.wall / (os.cpu_count() or 1)


def crawl_once(web: LocalWeb, sites: list, per_outlet: int, truth: dict[tuple[int, str], ArticleTruth]) -> Crawl:
    """One `newswatch crawl` of the whole local web into a fresh SQLite database."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_for(web, sites, with_feeds=True)), encoding="utf-8")
        env = {**os.environ, "DATABASE_URL": url, "NEWSWATCH_DATA_DIR": tmp, "NEWSWATCH_DOWNLOAD_DELAY": "0",
               "NEWSWATCH_AUTOTHROTTLE": "false", "NEWSWATCH_MAX_PAGES_PER_OUTLET": str(per_outlet + 10),
               "NEWSWATCH_LOG_LEVEL": "WARNING"}
        run = run_measured([sys.executable, "-m", "newswatch.cli", "crawl", "--sources", str(sources),
                            "--days", "3650"], env)
        if run.returncode != 0:
            print(run.err.decode()[-3000:])
            raise SystemExit("crawl failed")
        engine = get_engine(url)
        with engine.connect() as conn:
            stored = conn.scalar(select(func.count(Article.id))) or 0
            times = conn.execute(select(CrawlRun.started_at, CrawlRun.finished_at)).one()
            texts = {row.url: row.text for row in conn.execute(select(Article.url, Article.text))}
        engine.dispose()
    crawler_pid = min(run.cpu)  # the Popen'd process; its children have later pids
    return Crawl(stored, (times.finished_at - times.started_at).total_seconds(), run.wall, run.peak_kib,
                 run.cpu.get(crawler_pid, 0.0), sum(v for k, v in run.cpu.items() if k != crawler_pid),
                 score(texts, truth), run.sample.peak_pss_kib, run.sample.shares("crawler"),
                 run.sample.shares("pages"))


TRAFILATURA_PARALLEL = 4
TRAFILATURA_CONFIG = """[DEFAULT]
DOWNLOAD_TIMEOUT = 30
MAX_FILE_SIZE = 20000000
MIN_FILE_SIZE = 10
SLEEP_TIME = 0
USER_AGENTS =
COOKIE =
MAX_REDIRECTS = 2
SSRF_PROTECTION = off
INSECURE_SSL_FALLBACK = on
MIN_EXTRACTED_SIZE = 250
MIN_OUTPUT_SIZE = 1
MIN_OUTPUT_COMM_SIZE = 1
MAX_TREE_SIZE =
EXTRACTION_TIMEOUT = 30
MIN_DUPLCHECK_SIZE = 100
MAX_REPETITIONS = 2
EXTENSIVE_DATE_SEARCH = on
EXTERNAL_URLS = off
"""


@dataclass
class TrafilaturaCrawl:
    documents: int
    list_seconds: float
    extract_seconds: float
    peak_kib: int
    cpu: float
    quality: Quality
    pss_kib: int = 0
    sched: tuple[float, float, float] = (0.0, 0.0, 0.0)  # on a core, waiting for one, asleep

    @property
    def wall_rate(self) -> float:
        """Articles of the truth extracted per second of the two steps."""
        return self.quality.found / (self.list_seconds + self.extract_seconds)


def trafilatura_once(web: LocalWeb, sites: list, addresses: dict[str, str], names: dict[str, str],
                     truth: dict[tuple[int, str], ArticleTruth]) -> TrafilaturaCrawl:
    """trafilatura's CLI over the same web: list the sitemaps' URLs, then download and extract them."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "settings.cfg"
        config.write_text(TRAFILATURA_CONFIG, encoding="utf-8")
        homepages = Path(tmp) / "homepages.txt"
        homepages.write_text("".join(web.named_base_url(s.name) + s.outlets[0].path_prefix + "\n" for s in sites),
                             encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env[HOSTS_VAR] = ",".join(f"{names[s.name]}={addresses[s.name]}" for s in sites)
        wrapper = [sys.executable, str(ROOT / "bench" / "trafilatura_named.py"), "--config-file", str(config)]
        listed = run_measured([*wrapper, "-i", str(homepages), "--sitemap", "--list"], env)
        if listed.returncode != 0:
            raise SystemExit("trafilatura --sitemap --list failed: " + listed.err.decode()[-2000:])
        urls = Path(tmp) / "urls.txt"
        urls.write_bytes(listed.out)
        extracted = run_measured([*wrapper, "-i", str(urls), "--parallel", str(TRAFILATURA_PARALLEL), "--json",
                                  "--with-metadata"], env)
        if extracted.returncode != 0:
            raise SystemExit("trafilatura -i failed: " + extracted.err.decode()[-2000:])
    texts: dict[str, str] = {}
    for line in extracted.out.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        url = record.get("source") or record.get("url") or ""
        texts[url] = record.get("text") or record.get("raw_text") or ""
    return TrafilaturaCrawl(len(texts), listed.wall, extracted.wall, max(listed.peak_kib, extracted.peak_kib),
                            sum(listed.cpu.values()) + sum(extracted.cpu.values()), score(texts, truth),
                            max(listed.sample.peak_pss_kib, extracted.sample.peak_pss_kib), extracted.sample.shares("all"))


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
