"""A large, growing local web for the volume benchmark: N outlets, each on its own loopback
address (127.0.x.y; all of 127/8 is loopback on Linux), with robots.txt, a feed, a sitemap
index and news sitemap, a homepage and article pages of real weight; new articles appear
over time at a set total rate.

Built lazily so 2,000–7,000 outlets fit in memory: eight page templates (shape x language)
are made once, and an article's page is generated from (outlet, number) when asked for, so
an outlet costs a few hundred bytes until it is crawled. One asyncio loop in one thread
serves every address (keep-alive HTTP/1.1) and records, per host, each request's start and
end: the politeness check (requests in flight per host, gaps between them) reads that log.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from localweb import lexicon, outlet, pages
from localweb.model import BASE
from localweb.pages import Art, Chrome, Urls

TEMPLATES = [("wordpress", "fr"), ("aggregator", "fr"), ("portal", "ar"), ("readmore", "fr"), ("clean", "en"),
             ("clean", "es"), ("wordpress", "ar"), ("portal", "fr")]
FEED_ITEMS = 30
COUNTRY = {"fr": "MA", "ar": "MA", "en": "FR", "es": "ES"}


def address(index: int) -> str:
    """Outlet ``index``'s loopback address: 127.0.1.2, 127.0.1.3, ... (clear of 127.0.0.x, used by tests)."""
    return f"127.0.{1 + index // 250}.{2 + index % 250}"


@dataclass
class VolumeOutlet:
    index: int
    chrome: Chrome
    zone: ZoneInfo
    first: float  # epoch seconds at which article 0 appeared
    interval: float  # seconds between two of its articles
    paths: dict[str, int] = field(default_factory=dict)  # article path -> number, as they appear
    arts: dict[int, Art] = field(default_factory=dict)  # the newest articles, for the feed and sitemap

    @property
    def name(self) -> str:
        return f"Volume {self.index}"

    def published_count(self, now: float) -> int:
        return max(0, int((now - self.first) // self.interval) + 1)


def _template(shape: str, lang: str, seed: int) -> Chrome:
    rng = random.Random(seed)
    urls = Urls(shape, "")
    authors = outlet.AGGREGATED_SOURCES if shape == "aggregator" and lang == "fr" else lexicon.AUTHORS[lang]
    chrome = outlet._make_chrome(f"Template {shape} {lang}", lang, shape, urls, rng, authors)
    today = datetime.now(UTC).date()
    arts = outlet._articles(rng, lang, shape, 60, today, ZoneInfo("Africa/Casablanca"), authors, start_id=1000)
    for a in arts:
        a.path = urls.article(a)
    chrome.latest = arts
    chrome.ticker = [(t, arts[i % len(arts)].path) for i, t in enumerate(lexicon.TICKER[:50])]
    chrome.weight = "full"
    return chrome


class VolumeWeb:
    """``n`` outlets publishing ``rate`` new articles a second in all (each at its own pace),
    after a ``backlog`` of articles each already online; served on ``port`` of every address."""

    def __init__(self, n: int, rate: float, backlog: int = 2, latency: float = 0.05, seed: int = 7) -> None:
        self.n, self.rate, self.latency = n, rate, latency
        self.started = time.time()
        rng = random.Random(seed)
        templates = {key: _template(*key, seed=i) for i, key in enumerate(TEMPLATES)}
        self.outlets: list[VolumeOutlet] = []
        mean_interval = n / rate
        for i in range(n):
            key = TEMPLATES[i % len(TEMPLATES)]
            base = templates[key]
            chrome = Chrome(name=f"Volume {i}", lang=base.lang, shape=base.shape, urls=base.urls, authors=base.authors,
                            tags=base.tags, css=base.css, scripts=base.scripts, pad_lines=base.pad_lines,
                            pad_offsets=base.pad_offsets, ticker=base.ticker, weight="full", latest=base.latest)
            interval = mean_interval * rng.uniform(0.5, 1.5)
            zone = ZoneInfo(outlet.DEFAULT_TIMEZONES.get(COUNTRY[base.lang], "UTC"))
            self.outlets.append(VolumeOutlet(i, chrome, zone, self.started - backlog * interval + rng.uniform(0, interval),
                                             interval))
        self.by_address = {address(o.index): o for o in self.outlets}
        self.port = 0
        self.log: list[tuple[str, str, float, float]] = []  # (address, path, start, end)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[Any] = []
        self._lock = threading.Lock()

    # ---- content -------------------------------------------------------------------------
    def art(self, o: VolumeOutlet, number: int) -> Art:
        """Article ``number`` of an outlet, the same every time it is made."""
        cached = o.arts.get(number)
        if cached is not None:
            return cached
        rng = random.Random(zlib.crc32(f"{o.index}:{number}".encode()))
        when = datetime.fromtimestamp(o.first + number * o.interval, o.zone).replace(second=0, microsecond=0)
        topic = rng.choice(outlet.TOPIC_CYCLE)
        lang = o.chrome.lang
        weekday = lexicon.WEEKDAYS[lang][when.weekday()]
        a = Art(id=100_000 + number * 10_000 + o.index, section=lexicon.TOPIC_SECTION[topic], topic=topic,
                title=lexicon.make_title(rng, lang, topic, weekday) + f" ({o.index}-{number})",
                author=rng.choice(list(o.chrome.authors)), published=when, modified=None,
                date_mode="jsonld", paragraphs=lexicon.make_paragraphs(rng, lang, topic, rng.randint(300, 1200), weekday),
                tags=rng.sample(lexicon.TAGS[lang], 3), size_target=int(rng.triangular(40_000, 150_000, 70_000)))
        a.path = o.chrome.urls.article(a)
        return a

    def newest(self, o: VolumeOutlet, now: float) -> list[Art]:
        """The newest articles online (at most FEED_ITEMS), registering their paths as they appear."""
        count = o.published_count(now)
        numbers = list(range(max(0, count - FEED_ITEMS), count))
        arts = [self.art(o, k) for k in numbers]
        o.arts = {k: a for k, a in zip(numbers, arts, strict=True)}
        for k, a in zip(numbers, arts, strict=True):
            o.paths.setdefault(a.path, k)
        return list(reversed(arts))

    def answer(self, addr: str, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for one request, links under this host's base."""
        o = self.by_address.get(addr)
        if o is None:
            return 404, "text/plain", b"no such outlet"
        now = time.time()
        c, base = o.chrome, f"http://{addr}:{self.port}"
        newest = self.newest(o, now)
        clean = path.split("?", 1)[0] if "utm_" in path else path
        if clean == "/robots.txt":
            body, kind = outlet.robots_txt([], [c.urls.sitemap_index()]), "text/plain; charset=utf-8"
        elif clean == c.urls.feed():
            stamp = datetime.fromtimestamp(now, o.zone)
            body = outlet._atom(c, newest, stamp) if pages.FEED_KIND[c.shape] == "atom" else outlet._rss(c, newest, stamp)
            kind = "application/xml; charset=utf-8"
        elif clean == c.urls.sitemap_index():
            body, kind = outlet._sitemap_index([c.urls.news_sitemap(1)], datetime.fromtimestamp(now, o.zone)), \
                "application/xml; charset=utf-8"
        elif clean == c.urls.news_sitemap(1):
            body, kind = outlet._news_sitemap(c, newest), "application/xml; charset=utf-8"
        elif clean == c.urls.home():
            body, kind = pages.listing_page(c, o.name, clean, newest, kind="WebSite"), outlet.HTML
        elif clean in o.paths:
            body, kind = pages.article_page(c, self.art(o, o.paths[clean])), outlet.HTML
        else:
            return 404, outlet.HTML, b"<html><body><p>Not found</p></body></html>"
        return 200, kind, body.replace(BASE, base).encode("utf-8")

    # ---- serving -------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        addr = writer.get_extra_info("sockname")[0]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                start = time.time()
                line = head.split(b"\r\n", 1)[0].decode("latin-1").split()
                method, path = (line[0], line[1]) if len(line) >= 2 else ("GET", "/")
                if self.latency:
                    await asyncio.sleep(self.latency)
                status, kind, body = self.answer(addr, path)
                reason = "OK" if status == 200 else "Not Found"
                writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                             f"Date: {format_datetime(datetime.now(UTC), usegmt=True)}\r\n\r\n".encode()
                             + (body if method != "HEAD" else b""))
                await writer.drain()
                with self._lock:
                    self.log.append((addr, path, start, time.time()))
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    def start(self) -> VolumeWeb:
        probe = socket.socket()
        probe.bind((address(0), 0))
        self.port = probe.getsockname()[1]
        probe.close()
        ready = threading.Event()

        async def serve() -> None:
            for addr in self.by_address:
                self._servers.append(await asyncio.start_server(self._handle, addr, self.port, backlog=64,
                                                                reuse_address=True))
            ready.set()
            await asyncio.Event().wait()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(serve())
            except RuntimeError:  # stopped
                pass

        self._thread = threading.Thread(target=run, name="volume-web", daemon=True)
        self._thread.start()
        if not ready.wait(120):
            raise RuntimeError("the volume web did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> VolumeWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def sources(self) -> dict[str, Any]:
        """A sources.yaml dict listing every outlet with its feed and sitemap."""
        out = []
        for o in self.outlets:
            base = f"http://{address(o.index)}:{self.port}"
            out.append({"name": o.name, "homepage": base + o.chrome.urls.home(), "country": COUNTRY[o.chrome.lang],
                        "languages": [o.chrome.lang], "timezone": str(o.zone),
                        "feeds": [base + o.chrome.urls.feed()], "sitemaps": [base + o.chrome.urls.sitemap_index()]})
        return {"outlets": out}

    def published(self, now: float | None = None) -> int:
        """Articles online at ``now`` over all outlets."""
        moment = time.time() if now is None else now
        return sum(o.published_count(moment) for o in self.outlets)


def politeness(log: list[tuple[str, str, float, float]], delay: float) -> dict[str, float | list[str]]:
    """Per host: the most requests ever in flight at once, the gaps between request starts, and
    the gaps shorter than half the delay (Scrapy randomises it to 0.5-1.5x) with their paths."""
    by_host: dict[str, list[tuple[float, float, str]]] = {}
    for addr, path, start, end in log:
        by_host.setdefault(addr, []).append((start, end, path))
    max_in_flight, gaps, short = 0, [], []
    for addr, spans in by_host.items():
        events = sorted([(s, 1) for s, _, _ in spans] + [(e, -1) for _, e, _ in spans])
        current = 0
        for _t, step in events:
            current += step
            max_in_flight = max(max_in_flight, current)
        spans.sort()
        for (a, _, path_a), (b, _, path_b) in zip(spans, spans[1:], strict=False):
            gaps.append(b - a)
            if b - a < delay / 2:
                short.append(f"{addr} {path_a} -> {path_b} {1000 * (b - a):.0f} ms")
    gaps.sort()
    nan = float("nan")
    return {"hosts": len(by_host), "max_in_flight": max_in_flight, "min_gap": gaps[0] if gaps else nan,
            "p5_gap": gaps[len(gaps) // 20] if gaps else nan, "median_gap": gaps[len(gaps) // 2] if gaps else nan,
            "gaps": len(gaps), "short": short}
