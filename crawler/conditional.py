"""Conditional GET for polled feeds and sitemaps: an idle poll costs headers only.

``newswatch watch`` re-reads the same few feed and sitemap URLs every couple of minutes.
This downloader middleware remembers each one's validators (``ETag``, ``Last-Modified``)
and the SHA-1 of its body in the ``http_validators`` table, sends ``If-None-Match`` /
``If-Modified-Since`` on the next poll, and hands a ``304 Not Modified`` (or a 200 whose body
is byte-identical to the last one, for servers without validators) to a no-op callback, so
an unchanged feed is neither re-parsed nor followed. Only requests whose ``meta["via"]`` is
``feed`` or ``sitemap`` are touched, and only when the spider runs in poll mode
(``-a poll=1``): a daily crawl keeps fetching in full.

New validators are saved when the pass ends, and only for outlets whose pass had no error
and only when the pass finished: a feed whose new items could not all be fetched is read in
full again next time, instead of hiding them behind a 304 forever.

Why our own middleware rather than Scrapy's HTTP cache with ``RFC2616Policy``: the cache
would also store every feed body on disk, keys by request fingerprint on a local folder (not
the shared database, so a second machine or a fresh container starts cold), and replays a
cached 200 for a 304 — which the spider would then re-parse. Here a 304 is simply the end.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from sqlalchemy import Engine, select, update

from common.signals import crawl_error
from storage.db import get_engine
from storage.models import HttpValidator

POLLED_VIA = ("feed", "sitemap")
POLLED_CALLBACKS = ("parse_feed", "parse_sitemap")  # not robots.txt: its sitemaps are re-read each pass


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None
    body_sha1: str | None = None


def conditional_headers(v: Validators | None) -> dict[str, str]:
    """The request headers that make a GET conditional on what we saw last time."""
    if v is None:
        return {}
    headers: dict[str, str] = {}
    if v.etag:
        headers["If-None-Match"] = v.etag
    if v.last_modified:
        headers["If-Modified-Since"] = v.last_modified
    return headers


def _header(headers: Mapping[Any, Any], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return text.strip() or None


def validators_from(headers: Mapping[Any, Any], body: bytes) -> Validators:
    """What a 200 response lets us send next time. A weak ETag is fine for If-None-Match."""
    return Validators(_header(headers, "ETag"), _header(headers, "Last-Modified"), hashlib.sha1(body).hexdigest())


def is_sitemap_index(body: bytes) -> bool:
    """A sitemap index is re-read in full every pass: it is small, and often a static file
    whose bytes never change while the news sitemap it lists does."""
    head = body[:65536]
    if head[:2] == b"\x1f\x8b":
        head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 4096)
    return b"<sitemapindex" in head[:4096]


def not_modified(response: Response) -> Iterable[Any]:
    """The callback of an unchanged feed or sitemap: nothing to parse, nothing to follow."""
    return ()


def load_validators(engine: Engine) -> dict[str, Validators]:
    with engine.connect() as conn:
        rows = conn.execute(select(HttpValidator.url, HttpValidator.etag, HttpValidator.last_modified,
                                   HttpValidator.body_sha1))
        return {url: Validators(etag, modified, sha) for url, etag, modified, sha in rows}


def save_validators(engine: Engine, changed: Mapping[str, Validators]) -> None:
    """Upsert, portable across SQLite and PostgreSQL (one writer per poll pass)."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for url, v in changed.items():
            values = {"etag": v.etag, "last_modified": v.last_modified, "body_sha1": v.body_sha1, "updated_at": now}
            done = conn.execute(update(HttpValidator).where(HttpValidator.url == url).values(**values))
            if not done.rowcount:
                conn.execute(HttpValidator.__table__.insert().values(url=url, **values))


class ConditionalGetMiddleware:
    """Downloader middleware; active only for spiders started with ``poll`` set."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.engine: Engine | None = None
        self.known: dict[str, Validators] = {}
        self.seen: dict[str, tuple[str, Validators]] = {}  # url -> (outlet, validators of this pass)
        self.failed_outlets: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(mw.on_crawl_error, signal=crawl_error)
        return mw

    @staticmethod
    def _active(spider: Spider) -> bool:
        return bool(getattr(spider, "poll", ""))

    def spider_opened(self, spider: Spider) -> None:
        if not self._active(spider):
            return
        self.engine = get_engine(self.crawler.settings.get("NEWSWATCH_DATABASE_URL"))
        self.known = load_validators(self.engine)
        spider.logger.info("poll mode: %d stored feed/sitemap validator(s)", len(self.known))

    def on_crawl_error(self, outlet: str = "", **_: Any) -> None:
        self.failed_outlets.add(outlet)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if not self._active(self.crawler.spider) or request.meta.get("via") not in POLLED_VIA \
                or getattr(request.callback, "__name__", "") not in POLLED_CALLBACKS:
            return None
        prepared = request.meta.get("newswatch_conditional")
        if prepared == request.url:  # a retry of one we prepared
            return None
        request.meta["newswatch_conditional"] = request.url  # a redirect gets the target's validators
        if not prepared:
            request.meta["handle_httpstatus_list"] = [*request.meta.get("handle_httpstatus_list", ()), 304]
            self.stats.inc_value("newswatch/poll/requests")
        for name in ("If-None-Match", "If-Modified-Since"):
            request.headers.pop(name, None)
        for name, value in conditional_headers(self.known.get(request.url)).items():
            request.headers[name] = value
        return None

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if not request.meta.get("newswatch_conditional"):
            return response
        if response.status == 304:
            self.stats.inc_value("newswatch/poll/not_modified")
            return response.replace(request=request.replace(callback=not_modified))
        if response.status != 200:
            return response
        if is_sitemap_index(response.body):
            self.stats.inc_value("newswatch/poll/sitemap_index")
            return response
        fresh = validators_from(response.headers, response.body)
        old = self.known.get(request.url)
        self.seen[request.url] = (request.meta.get("outlet", ""), fresh)
        if old is not None and old.body_sha1 == fresh.body_sha1:
            self.stats.inc_value("newswatch/poll/unchanged")  # a server without validators, same bytes
            return response.replace(request=request.replace(callback=not_modified))
        self.stats.inc_value("newswatch/poll/changed")
        return response

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if not self._active(spider) or self.engine is None:
            return
        if reason != "finished":
            spider.logger.info("poll pass %s: feed validators not saved (next pass reads them in full)", reason)
            return
        changed = {url: v for url, (outlet, v) in self.seen.items()
                   if outlet not in self.failed_outlets and self.known.get(url) != v}
        held = sum(1 for outlet, _ in self.seen.values() if outlet in self.failed_outlets)
        if changed:
            save_validators(self.engine, changed)
        self.stats.set_value("newswatch/poll/validators_saved", len(changed))
        self.stats.set_value("newswatch/poll/validators_held", held)
