"""The one config-driven spider: every outlet of sources.yaml, found through its feeds,
news sitemaps (or those robots.txt lists), section pages, or discovered from its homepage.

Run: ``scrapy crawl news -a outlets="Le360,Hespress FR" -a days=2 [-a sources=FILE]``
or ``newswatch crawl``. Already-stored URLs are not fetched again (incremental).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from sqlalchemy import select
from twisted.python.failure import Failure

from crawler.discovery import (
    DiscoveryError,
    Entry,
    discover_feeds,
    page_links,
    parse_feed,
    parse_sitemap,
    robots_sitemaps,
)
from crawler.signals import crawl_error
from crawler.sources import Outlet, load_sources, select_outlets
from crawler.urls import canonicalize, is_navigation, looks_like_article, within_outlet
from storage.db import get_engine
from storage.models import Article, RawPage
from storage.models import Outlet as OutletRow

HTML_TYPES = (b"text/html", b"application/xhtml")


def error_kind(failure: Failure) -> tuple[str, str]:
    """A short kind ('http_404', 'timeout', ...) and message for a failed request."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}", f"HTTP {exc.response.status}"
    name = type(exc).__name__
    text = str(exc) or name
    if "Timeout" in name or "timed out" in text.lower():
        return "timeout", text
    if "redirect" in text.lower():
        return "redirect_loop", text
    if "maxsize" in text.lower() or "Cancelled" in name:
        return "too_large", text
    if "DNS" in name:
        return "dns", text
    if "Refused" in name or "Connection" in name:
        return "connection", text
    if "robots.txt" in text:
        return "robots", text
    return name.lower(), text


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, outlets: str = "", sources: str | None = None, days: str | int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.outlet_names = [n.strip() for n in outlets.split(",") if n.strip()] if outlets else []
        self.sources_arg = sources
        self.days_arg = days
        self.outlets: list[Outlet] = []
        self.stored_urls: set[str] = set()
        self.scheduled: set[str] = set()
        self.pages_per_outlet: Counter[str] = Counter()

    # ----------------------------------------------------------------- set-up
    def _configure(self) -> None:
        settings = self.crawler.settings
        path = self.sources_arg or settings.get("NEWSWATCH_SOURCES_FILE")
        self.outlets = select_outlets(load_sources(path), self.outlet_names)
        days = float(self.days_arg if self.days_arg is not None else settings.getfloat("NEWSWATCH_CRAWL_DAYS", 2))
        self.cutoff = datetime.now(UTC) - timedelta(days=days)
        self.max_pages = settings.getint("NEWSWATCH_MAX_PAGES_PER_OUTLET", 500)
        self.by_name = {o.name: o for o in self.outlets}
        self.stored_urls = self._load_stored_urls(settings.get("NEWSWATCH_DATABASE_URL"))
        self.logger.info("crawling %d outlet(s); %d URLs already stored", len(self.outlets), len(self.stored_urls))

    def _load_stored_urls(self, database_url: str) -> set[str]:
        names = [o.name for o in self.outlets]
        query = (
            select(Article.url, RawPage.fetched_url)
            .join(OutletRow, Article.outlet_id == OutletRow.id)
            .outerjoin(RawPage, RawPage.article_id == Article.id)
            .where(OutletRow.name.in_(names))
        )
        urls: set[str] = set()
        with get_engine(database_url).connect() as conn:
            for url, fetched in conn.execute(query):
                urls.add(url)
                if fetched:
                    urls.add(canonicalize(fetched))
        return urls

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self._configure()
        poll = bool(getattr(self, "poll", ""))  # -a poll=1: `newswatch watch`
        for outlet in self.outlets:
            for request in self.poll_start_requests(outlet) if poll else self.outlet_start_requests(outlet):
                yield request

    def outlet_start_requests(self, outlet: Outlet) -> Iterator[scrapy.Request]:
        for feed in outlet.feeds:
            yield self._request(feed, outlet, self.parse_feed, via="feed")
        for sitemap in outlet.sitemaps:
            yield self._request(sitemap, outlet, self.parse_sitemap, via="sitemap")
        for section in outlet.sections:
            yield self._request(section, outlet, self.parse_section, via="section")
        if not outlet.feeds:
            yield self._request(outlet.homepage, outlet, self.parse_homepage, via="section")
        if not outlet.sitemaps:
            robots = urljoin(outlet.homepage, "/robots.txt")
            yield self._request(robots, outlet, self.parse_robots, via="sitemap", meta={"dont_obey_robotstxt": True})

    def poll_start_requests(self, outlet: Outlet) -> Iterator[scrapy.Request]:
        """Poll mode: only the feeds and (news) sitemaps, or robots.txt's sitemaps when none is
        configured; crawler/conditional.py makes these GETs conditional."""
        for feed in outlet.feeds:
            yield self._request(feed, outlet, self.parse_feed, via="feed")
        for sitemap in outlet.sitemaps:
            yield self._request(sitemap, outlet, self.parse_sitemap, via="sitemap")
        if not outlet.feeds and not outlet.sitemaps:
            robots = urljoin(outlet.homepage, "/robots.txt")
            yield self._request(robots, outlet, self.parse_robots, via="sitemap", meta={"dont_obey_robotstxt": True})

    def _request(self, url: str, outlet: Outlet, callback: Any, via: str, **kwargs: Any) -> scrapy.Request:
        meta = {"outlet": outlet.name, "via": via, **kwargs.pop("meta", {})}
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, dont_filter=False, **kwargs)

    def _outlet(self, response: Response) -> Outlet:
        return self.by_name[response.meta["outlet"]]

    # ------------------------------------------------------------- discovery
    def record_error(self, outlet: str, url: str, kind: str, message: str) -> None:
        self.crawler.stats.inc_value(f"newswatch/errors/{kind}")
        self.crawler.signals.send_catch_log(crawl_error, outlet=outlet, url=url, kind=kind, message=message)

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        kind, message = error_kind(failure)
        if kind == "robots":
            self.logger.debug("forbidden by robots.txt: %s", request.url)
            self.crawler.stats.inc_value("newswatch/robots_forbidden")
            return
        if kind == "http_404" and request.meta.get("optional"):
            return
        self.logger.warning("%s: %s %s (%s)", request.meta.get("outlet"), kind, request.url, message)
        self.record_error(request.meta.get("outlet", ""), request.url, kind, message)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self._outlet(response)
        for sitemap in robots_sitemaps(response.text, response.url):
            if within_outlet(sitemap, outlet) or urlsplit(sitemap).path.count("/") <= 1:
                yield self._request(sitemap, outlet, self.parse_sitemap, via="sitemap")

    def parse_homepage(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self._outlet(response)
        if not self._is_html(response):
            return
        for feed in discover_feeds(response.body, response.url):
            if within_outlet(feed, outlet):
                yield self._request(feed, outlet, self.parse_feed, via="feed")
        yield from self.parse_section(response)

    def parse_section(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self._outlet(response)
        if not self._is_html(response):
            return
        for link in page_links(response.body, response.url):
            if looks_like_article(link, outlet):
                request = self._article_request(link, outlet, "section")
                if request:
                    yield request

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self._outlet(response)
        try:
            feed = parse_feed(response.body, response.url)
        except DiscoveryError as exc:
            self.record_error(outlet.name, response.url, "feed_parse", str(exc))
            return
        if feed.problem:
            self.record_error(outlet.name, response.url, "feed_parse", feed.problem)
        yield from self._follow_entries(feed.entries, outlet, "feed")

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self._outlet(response)
        body = response.body
        if body[:2] == b"\x1f\x8b":
            import gzip

            try:
                body = gzip.decompress(body)
            except OSError as exc:
                self.record_error(outlet.name, response.url, "sitemap_parse", f"bad gzip: {exc}")
                return
        try:
            sitemap = parse_sitemap(body, response.url)
        except DiscoveryError as exc:
            self.record_error(outlet.name, response.url, "sitemap_parse", str(exc))
            return
        if sitemap.is_index:
            # newest child sitemaps first; skip children whose lastmod is older than the window
            for entry in sitemap.entries:
                if entry.published and entry.published < self.cutoff:
                    continue
                if within_outlet(entry.url, outlet) or urlsplit(entry.url).netloc == urlsplit(outlet.homepage).netloc:
                    yield self._request(entry.url, outlet, self.parse_sitemap, via="sitemap")
            return
        yield from self._follow_entries(sitemap.entries, outlet, "sitemap")

    def _follow_entries(self, entries: list[Entry], outlet: Outlet, via: str) -> Iterator[scrapy.Request]:
        for entry in entries:
            if entry.published and entry.published < self.cutoff:
                self.crawler.stats.inc_value("newswatch/skipped_old")
                continue
            if not within_outlet(entry.url, outlet) or is_navigation(entry.url, outlet):
                continue
            request = self._article_request(entry.url, outlet, via, entry.published)
            if request:
                yield request

    def _article_request(
        self, url: str, outlet: Outlet, via: str, published: datetime | None = None
    ) -> scrapy.Request | None:
        canonical = canonicalize(url)
        if canonical in self.stored_urls:
            self.crawler.stats.inc_value("newswatch/skipped_stored")
            return None
        if canonical in self.scheduled:
            return None
        if self.pages_per_outlet[outlet.name] >= self.max_pages:
            self.crawler.stats.inc_value("newswatch/skipped_outlet_cap")
            return None
        self.scheduled.add(canonical)
        self.pages_per_outlet[outlet.name] += 1
        meta = {"canonical": canonical, "published_hint": published.isoformat() if published else None}
        return self._request(url, outlet, self.parse_article, via=via, meta=meta)

    # --------------------------------------------------------------- article
    def _is_html(self, response: Response) -> bool:
        content_type = (response.headers.get("Content-Type") or b"text/html").lower()
        return any(t in content_type for t in HTML_TYPES) and isinstance(response, scrapy.http.TextResponse)

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        outlet = self._outlet(response)
        body = response.body
        if not self._is_html(response):
            content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
            self.record_error(outlet.name, response.url, "not_html", f"Content-Type {content_type!r}")
            return
        if looks_binary(body):
            self.record_error(outlet.name, response.url, "binary", "binary body labelled as HTML")
            return
        encoding = getattr(response, "encoding", None)
        header_charset = b"charset=" in (response.headers.get("Content-Type") or b"").lower()
        yield {
            "outlet": outlet.name,
            "url": response.meta.get("canonical") or canonicalize(response.url),
            "fetched_url": response.url,
            "claimed_url": (response.meta.get("redirect_urls") or [response.request.url])[0],
            "status": response.status,
            "html": body,
            "encoding": encoding if header_charset else None,
            "via": response.meta.get("via", ""),
            "published_hint": response.meta.get("published_hint"),
        }


def looks_binary(body: bytes) -> bool:
    """NUL bytes or mostly control bytes in the first 4 KB: not a web page whatever its label."""
    head = body[:4096]
    if not head:
        return False
    if head.count(b"\x00") > 0:
        return True
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return control / len(head) > 0.05


_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])
