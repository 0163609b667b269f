"""The one config-driven spider: every outlet of sources.yaml, found through its feeds,
news sitemaps (or those robots.txt lists), section pages, or discovered from its homepage.

Run: ``scrapy crawl news -a outlets="Le360,Hespress FR" -a days=2 [-a sources=FILE]``
or ``newswatch crawl``. Already-stored URLs are not fetched again (incremental).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from sqlalchemy import select
from twisted.python.failure import Failure

from common.outlets import Outlet, load_sources, select_outlets
from common.signals import crawl_error
from common.sniff import looks_binary
from common.urls import canonicalize
from crawler import discovery
from crawler.middlewares import RefusedRequest
from crawler.urls import (
    OutletIndex,
    UrlDigests,
    is_navigation,
    same_site,
    within_outlet,
)
from storage.db import get_engine
from storage.discovered import Finding, load_discovered, save_discovered
from storage.models import Article, RawPage
from storage.models import Outlet as OutletRow

HTML_TYPES = (b"text/html", b"application/xhtml")
MAX_SITEMAP_DEPTH = 3  # a configured or robots.txt sitemap is depth 0; an index's children one deeper


def error_kind(failure: Failure) -> tuple[str, str]:
    """A short kind ('http_404', 'timeout', ...) and message for a failed request."""
    exc = failure.value
    if isinstance(exc, RefusedRequest):
        return exc.kind, str(exc)
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
    if "DNS" in name or "Resolve" in name:
        return "dns", text
    if "Refused" in name or "Connection" in name:
        return "connection", text
    if "robots.txt" in text:
        return "robots", text
    return name.lower(), text


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        outlets: str = "",
        sources: str | None = None,
        days: str | int | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.clock = clock  # "now" for the crawl window; tests pass a fixed one
        self.outlet_names = [n.strip() for n in outlets.split(",") if n.strip()] if outlets else []
        self.sources_arg = sources
        self.days_arg = days
        self.outlets: list[Outlet] = []
        self.registry: list[Outlet] = []
        self.registry_index = OutletIndex([])
        self.stored_urls: UrlDigests = UrlDigests()
        self.scheduled: set[str] = set()
        self.pages_per_outlet: Counter[str] = Counter()
        # discovery state: robots.txt readers per host, the probing cache and its findings
        self.robots_readers: dict[str, list[Outlet]] = {}
        self.cached: dict[tuple[str, str], list[str]] = {}
        self.findings: list[Finding] = []
        self.probing: set[tuple[str, str]] = set()
        self.probe_pending: Counter[tuple[str, str, int]] = Counter()
        self.probe_found: dict[tuple[str, str], set[str]] = {}
        self.shared_sitemaps: set[tuple[str, tuple[str, ...]]] = set()

    # ----------------------------------------------------------------- set-up
    def _configure(self) -> None:
        settings = self.crawler.settings
        path = self.sources_arg or settings.get("NEWSWATCH_SOURCES_FILE")
        # every outlet of the registry bounds the others, even those not crawled in this run
        self.registry = load_sources(path)
        self.registry_index = OutletIndex(self.registry)
        self.outlets = select_outlets(self.registry, self.outlet_names)
        days = float(self.days_arg if self.days_arg is not None else settings.getfloat("NEWSWATCH_CRAWL_DAYS", 2))
        self.cutoff = self.clock() - timedelta(days=days)
        self.max_pages = settings.getint("NEWSWATCH_MAX_PAGES_PER_OUTLET", 500)
        self.max_inflated = settings.getint("DOWNLOAD_MAXSIZE", 8 * 1024 * 1024)
        self.by_name = {o.name: o for o in self.outlets}
        self.stored_urls = self._load_stored_urls(settings.get("NEWSWATCH_DATABASE_URL"))
        self._configure_discovery(settings.get("NEWSWATCH_DATABASE_URL"))
        self.logger.info("crawling %d outlet(s); %d URLs already stored", len(self.outlets), len(self.stored_urls))

    def _load_stored_urls(self, database_url: str) -> UrlDigests:
        """URLs whose own page is stored: each stored page's fetched URL (and the article URL
        when no raw page says where it came from). Not a page's claimed canonical: a page
        that names another article's URL as its canonical must not keep that article out.

        Streamed into ``UrlDigests`` (8 bytes a URL): no list or set of strings is ever held.
        A fetched URL equal to its article URL is canonical already (article URLs are
        ``canonicalize`` outputs, and it is idempotent), so only the others are canonicalised:
        that step cost ~25 us a row at every pass."""
        names = [o.name for o in self.outlets]
        query = (
            select(Article.url, RawPage.fetched_url)
            .join(OutletRow, Article.outlet_id == OutletRow.id)
            .outerjoin(RawPage, RawPage.article_id == Article.id)
            .where(OutletRow.name.in_(names))
        )
        with get_engine(database_url).connect() as conn:
            rows = conn.execution_options(stream_results=True, max_row_buffer=10_000).execute(query)
            return UrlDigests(url if not fetched or fetched == url else canonicalize(fetched) for url, fetched in rows)

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
            request = self._sitemap_request(sitemap, outlet, depth=0)
            if request:
                yield request
        for section in outlet.sections:
            yield self._request(section, outlet, self.parse_section, via="section")
        if not outlet.feeds:
            yield self._request(outlet.homepage, outlet, self.parse_homepage, via="section")
        yield from self.discovery_start_requests(outlet)

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
        dont_filter = kwargs.pop("dont_filter", False)
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, dont_filter=dont_filter, **kwargs)

    def _outlet(self, response: Response) -> Outlet:
        return self.by_name[response.meta["outlet"]]

    # ------------------------------------------------------------- discovery
    def record_error(self, outlet: str, url: str, kind: str, message: str) -> None:
        self.crawler.stats.inc_value(f"newswatch/errors/{kind}")
        self.crawler.signals.send_catch_log(crawl_error, outlet=outlet, url=url, kind=kind, message=message)

    def on_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        kind, message = error_kind(failure)
        if request.meta.get("probe"):  # a usual location that does not answer: expected, not an error
            yield from self._probe_settled(request, found=False)
            return
        if request.meta.get("robots_for"):  # no robots.txt: each outlet waiting on it probes instead
            for name in request.meta["robots_for"]:
                yield from self._no_robots_sitemap(self.by_name[name])
        if kind == "robots":
            self.logger.debug("forbidden by robots.txt: %s", request.url)
            self.crawler.stats.inc_value("newswatch/robots_forbidden")
            return
        if kind == "http_404" and request.meta.get("optional"):
            return
        # network failures (dns, connection, timeout) are summed up per outlet in the crawl summary
        level = logging.DEBUG if kind in ("dns", "connection", "timeout") else logging.WARNING
        self.logger.log(level, "%s: %s %s (%s)", request.meta.get("outlet"), kind, request.url, message)
        self.record_error(request.meta.get("outlet", ""), request.url, kind, message)

    # ------------------------------------------- robots.txt, probing, cache
    def _configure_discovery(self, database_url: str) -> None:
        """Group the outlets that read robots.txt by host (one fetch per host, whatever the
        number of editions) and load the feeds and sitemaps earlier runs found by probing."""
        for outlet in self.outlets:
            if not outlet.sitemaps:
                self.robots_readers.setdefault(_netloc(outlet.homepage), []).append(outlet)
        self.database_url = database_url
        self.cached = load_discovered(get_engine(database_url), [o.name for o in self.outlets])

    def discovery_start_requests(self, outlet: Outlet) -> Iterator[scrapy.Request]:
        """Cached probe finds, and the host's robots.txt (requested by the first of its outlets)."""
        kinds = [kind for kind, listed in (("feed", outlet.feeds), ("sitemap", outlet.sitemaps)) if not listed]
        for kind in kinds:
            for url in self.cached.get((outlet.name, kind), []):
                yield self._probe_request(url, outlet, kind, stage=-1)
        readers = self.robots_readers.get(_netloc(outlet.homepage), [])
        if readers and readers[0] is outlet:
            robots = urljoin(outlet.homepage, "/robots.txt")
            meta = {"dont_obey_robotstxt": True, "robots_for": [o.name for o in readers]}
            yield self._request(robots, outlet, self.parse_robots, via="sitemap", meta=meta)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        """The host's Sitemap: lines, shared out to every outlet of the host, each keeping its own."""
        group = [self.by_name[name] for name in response.meta.get("robots_for", [response.meta["outlet"]])]
        served: set[str] = set()
        text = response.text if isinstance(response, scrapy.http.TextResponse) else ""
        for sitemap in discovery.robots_sitemaps(text, response.url):
            # a Sitemap: line is followed only on the reading outlet's own hosts
            readers = discovery.robots_sitemap_readers(sitemap, group)
            served.update(o.name for o in readers)
            request = self._shared_sitemap_request(sitemap, readers, depth=0)
            if request:
                yield request
        for outlet in group:
            if outlet.name not in served:
                yield from self._no_robots_sitemap(outlet)

    def _no_robots_sitemap(self, outlet: Outlet) -> Iterator[scrapy.Request]:
        if not self.cached.get((outlet.name, "sitemap")):
            yield from self._start_probe(outlet, "sitemap")

    def _shared_sitemap_request(self, url: str, readers: list[Outlet], depth: int) -> scrapy.Request | None:
        """One request for a sitemap read by several outlets of a host (never twice for the same
        readers), bounded like ``_sitemap_request``: refused beyond MAX_SITEMAP_DEPTH, and
        counted with each reader's pages (a reader at its cap no longer reads sitemaps)."""
        if depth > MAX_SITEMAP_DEPTH:
            self.crawler.stats.inc_value("newswatch/skipped_sitemap_depth")
            return None
        open_readers = [o for o in readers if self.pages_per_outlet[o.name] < self.max_pages]
        if len(open_readers) < len(readers):
            self.crawler.stats.inc_value("newswatch/skipped_outlet_cap")
        if not open_readers:
            return None
        key = (url, tuple(o.name for o in open_readers))
        if key in self.shared_sitemaps:
            return None
        self.shared_sitemaps.add(key)
        for outlet in open_readers:
            self.pages_per_outlet[outlet.name] += 1
        meta = {"readers": [o.name for o in open_readers], "sitemap_depth": depth}
        return self._request(url, open_readers[0], self.parse_shared_sitemap, via="sitemap", meta=meta,
                             dont_filter=True)

    def parse_shared_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """A sitemap read by several outlets, most specific first, so an edition claims its own
        articles before a whole-host outlet sees them; an index's children are requested once
        for every outlet that wants them."""
        readers = discovery.by_specificity([self.by_name[name] for name in response.meta["readers"]])
        sitemap = self._read_sitemap(response, readers[0])
        if sitemap is None:
            return
        if sitemap.is_index:
            children: dict[str, list[Outlet]] = {}
            for outlet in readers:
                for url in self._index_children(sitemap, outlet):
                    children.setdefault(url, []).append(outlet)
            depth = response.meta.get("sitemap_depth", 0) + 1
            for url, outlets in children.items():
                child = self._shared_sitemap_request(url, outlets, depth)
                if child:
                    yield child
            return
        for outlet in readers:
            yield from self._follow_entries(sitemap.entries, outlet, "sitemap")

    def _start_probe(self, outlet: Outlet, kind: str) -> Iterator[scrapy.Request]:
        if (outlet.name, kind) in self.probing:
            return
        self.probing.add((outlet.name, kind))
        self.crawler.stats.inc_value(f"newswatch/probe/{kind}/started")
        yield from self._probe_stage(outlet, kind, 0)

    def _probe_stage(self, outlet: Outlet, kind: str, stage: int) -> Iterator[scrapy.Request]:
        urls = discovery.probe_urls(outlet.homepage, outlet.path_prefix, kind, stage)
        self.probe_pending[(outlet.name, kind, stage)] += len(urls)
        for url in urls:
            yield self._probe_request(url, outlet, kind, stage)

    def _probe_request(self, url: str, outlet: Outlet, kind: str, stage: int) -> scrapy.Request:
        """A usual location (stage 0 in the outlet's path, 1 at the host root) or a cached find (-1)."""
        meta = {"probe": kind, "probe_stage": stage, "optional": True}
        return self._request(url, outlet, self.parse_probe, via=kind, meta=meta, dont_filter=True)

    def parse_probe(self, response: Response) -> Iterator[scrapy.Request]:
        outlet, kind = self._outlet(response), response.meta["probe"]
        try:  # a probe answer is inflated under the same cap as any sitemap
            body = discovery.inflate(response.body, self.max_inflated)
        except (ValueError, _DecompressionMaxSizeExceeded):
            body = b""
        answer = discovery.probe_answer(kind, body, response.url, outlet)
        found = self.probe_found.setdefault((outlet.name, kind), set())
        duplicate = response.url in found or (kind == "feed" and found and response.meta["probe_stage"] >= 0)
        yield from self._probe_settled(response.request, found=answer is not None)
        if answer is None or duplicate:
            return
        found.add(response.url)
        self.findings.append(Finding(outlet.name, kind, response.url, ok=True))
        self.crawler.stats.inc_value(f"newswatch/probe/{kind}/found")
        if kind == "feed":
            yield from self.parse_feed(response)
        else:
            request = self._shared_sitemap_request(response.url, [outlet], depth=0)
            if request:  # parse this answer now; the request only marks the sitemap as taken
                yield from self.parse_shared_sitemap(response.replace(request=request))  # type: ignore[arg-type]

    def _probe_settled(self, request: scrapy.Request, found: bool) -> Iterator[scrapy.Request]:
        """Count a probe answer; a stage without any find moves on to the host root. A cached
        find that no longer answers is marked failed and its kind probed afresh."""
        outlet, kind, stage = self.by_name[request.meta["outlet"]], request.meta["probe"], request.meta["probe_stage"]
        if stage < 0:
            if not found:
                self.findings.append(Finding(outlet.name, kind, request.url, ok=False))
                yield from self._start_probe(outlet, kind)
            return
        key = (outlet.name, kind, stage)
        self.probe_pending[key] -= 1
        if found or self.probe_found.get((outlet.name, kind)):
            return
        if self.probe_pending[key] == 0 and stage == 0:
            yield from self._probe_stage(outlet, kind, 1)

    def closed(self, reason: str) -> None:
        """Keep what probing learnt for the next run."""
        try:
            save_discovered(get_engine(self.database_url), self.findings)
        except Exception as exc:  # the cache is an optimisation: a failure must not fail the run
            self.logger.warning("could not save discovered feeds/sitemaps: %s", exc)

    def parse_homepage(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self._outlet(response)
        if not self._is_html(response):
            return
        advertised = discovery.advertised_feeds(response.body, response.url, outlet)
        for feed in advertised:
            yield self._request(feed, outlet, self.parse_feed, via="feed")
        if not advertised and not self.cached.get((outlet.name, "feed")):
            yield from self._start_probe(outlet, "feed")
        yield from self.parse_section(response)

    def parse_section(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self._outlet(response)
        if not self._is_html(response):
            return
        for link in discovery.article_links(response.body, response.url, outlet):
            request = self._article_request(link, outlet, "section")
            if request:
                yield request

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self._outlet(response)
        try:
            feed = discovery.parse_feed(response.body, response.url)
        except discovery.DiscoveryError as exc:
            self.record_error(outlet.name, response.url, "feed_parse", str(exc))
            return
        if feed.problem:
            self.record_error(outlet.name, response.url, "feed_parse", feed.problem)
        yield from self._follow_entries(feed.entries, outlet, "feed")

    def _sitemap_request(self, url: str, outlet: Outlet, depth: int) -> scrapy.Request | None:
        """A sitemap fetch, counted with the outlet's pages (its cap bounds sitemaps too) and
        refused beyond MAX_SITEMAP_DEPTH: an index that links fresh indexes ends."""
        if depth > MAX_SITEMAP_DEPTH:
            self.crawler.stats.inc_value("newswatch/skipped_sitemap_depth")
            return None
        if self.pages_per_outlet[outlet.name] >= self.max_pages:
            self.crawler.stats.inc_value("newswatch/skipped_outlet_cap")
            return None
        self.pages_per_outlet[outlet.name] += 1
        return self._request(url, outlet, self.parse_sitemap, via="sitemap", meta={"sitemap_depth": depth})

    def _read_sitemap(self, response: Response, outlet: Outlet) -> discovery.Sitemap | None:
        """The parsed sitemap, its gzip layers undone under the DOWNLOAD_MAXSIZE cap; None (and
        one error record) when it is too large, not gzip it claims to be, or not a sitemap."""
        try:
            body = discovery.inflate(response.body, self.max_inflated)
            return discovery.parse_sitemap(body, response.url)
        except _DecompressionMaxSizeExceeded as exc:
            self.record_error(outlet.name, response.url, "too_large", f"sitemap inflates past the size cap: {exc}")
        except (ValueError, discovery.DiscoveryError) as exc:
            self.record_error(outlet.name, response.url, "sitemap_parse", str(exc))
        return None

    def _index_children(self, sitemap: discovery.Sitemap, outlet: Outlet) -> list[str]:
        """Child sitemaps of an index on the outlet's hosts, unless their lastmod is older than the window."""
        return [entry.url for entry in sitemap.entries
                if not (entry.published and entry.published < self.cutoff) and same_site(entry.url, outlet)]

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self._outlet(response)
        sitemap = self._read_sitemap(response, outlet)
        if sitemap is None:
            return
        if sitemap.is_index:
            depth = response.meta.get("sitemap_depth", 0) + 1
            for url in self._index_children(sitemap, outlet):
                request = self._sitemap_request(url, outlet, depth)
                if request:
                    yield request
            return
        yield from self._follow_entries(sitemap.entries, outlet, "sitemap")

    def _follow_entries(self, entries: list[discovery.Entry], outlet: Outlet, via: str) -> Iterator[scrapy.Request]:
        for entry in entries:
            if entry.published and entry.published < self.cutoff:
                self.crawler.stats.inc_value("newswatch/skipped_old")
                continue
            if not within_outlet(entry.url, outlet) or is_navigation(entry.url, outlet):
                continue
            request = self._article_request(entry.url, outlet, via, entry.published)
            if request:
                yield request

    def _owner(self, url: str, outlet: Outlet) -> Outlet | None:
        """The outlet of this run to credit ``url`` to: the most specific outlet of the registry
        that contains it (an edition beats the broader outlet that reached it first); None
        when that outlet is not crawled in this run or nothing contains it."""
        owner = self.registry_index.owner(url)
        if owner is None:
            return None
        if owner.name != outlet.name:
            self.crawler.stats.inc_value("newswatch/credited_to_edition")
        return self.by_name.get(owner.name)

    def _article_request(
        self, url: str, outlet: Outlet, via: str, published: datetime | None = None
    ) -> scrapy.Request | None:
        owner = self._owner(url, outlet)
        if owner is None:
            self.crawler.stats.inc_value("newswatch/skipped_other_outlet")
            return None
        if owner is not outlet and is_navigation(url, owner):
            return None
        outlet = owner
        canonical = canonicalize(url)
        if canonical in self.stored_urls:
            self.crawler.stats.inc_value("newswatch/skipped_stored")
            self.crawler.stats.inc_value(f"newswatch/already_stored/{outlet.name}")  # status "ok", not "no articles"
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

    def _response_outlet(self, response: Response) -> Outlet | None:
        """The outlet the page at ``response.url`` (after redirects) belongs to; None, with a
        record, when that is not the outlet it was requested for (the redirect middleware
        already refuses other hosts; this is the last check before anything is stored)."""
        outlet = self._outlet(response)
        if not same_site(response.url, outlet):
            self.record_error(outlet.name, response.url, "offsite_redirect",
                              f"page answered from off the outlet's hosts (requested {response.request.url})")
            return None
        owner = self.registry_index.owner(response.url)
        if owner is None or owner.name != outlet.name:
            self.crawler.stats.inc_value("newswatch/skipped_other_outlet")
            return None
        return outlet

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        outlet = self._response_outlet(response)
        if outlet is None:
            return
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
            "outlet_config": outlet,  # the record this crawl read: the page stage needs no sources.yaml of its own
            "url": response.meta.get("canonical") or canonicalize(response.url),
            "fetched_url": response.url,
            "claimed_url": (response.meta.get("redirect_urls") or [response.request.url])[0],
            "status": response.status,
            "html": body,
            "encoding": encoding if header_charset else None,
            "via": response.meta.get("via", ""),
            "published_hint": response.meta.get("published_hint"),
        }


def _netloc(url: str) -> str:
    return urlsplit(url).netloc.lower()

