"""Downloader middlewares: retries with exponential backoff that honour ``Retry-After``,
redirects that report loops and stay on the outlet's hosts (checked hop by hop), a
guard that refuses loopback, private, link-local and metadata addresses, and a per-run
short-circuit for hosts that do not exist or refuse connections (``UnreachableHosts``).

Scrapy's RetryMiddleware retries at once; outlets that answer 429/503 ask us to wait.
The wait is an ``asyncio.sleep`` after the download slot is freed, so it never blocks
other requests. Settings: RETRY_TIMES, RETRY_HTTP_CODES, NEWSWATCH_RETRY_BACKOFF_BASE,
NEWSWATCH_RETRY_BACKOFF_MAX.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import error

from common.urls import canonicalize
from crawler.netguard import PrivateAllowList, may_connect
from crawler.urls import is_ip_address, outlet_hosts, same_site, target

logger = logging.getLogger(__name__)

class RefusedRequest(IgnoreRequest):
    """A request the crawl refuses on purpose; ``kind`` names the crawl_errors record."""

    kind = "refused"

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        if kind:
            self.kind = kind


def _run_outlet(crawler: Crawler, request: Request) -> Any:
    """The outlet a request was made for (None for Scrapy's own robots.txt requests)."""
    by_name = getattr(crawler.spider, "by_name", None) or {}
    return by_name.get(request.meta.get("outlet", ""))


def unreachable_reason(exc: BaseException) -> tuple[str, str] | None:
    """(kind, reason) when ``exc`` says the host is not there at all: its name does not
    resolve, or nothing listens on its port. Timeouts and dropped connections are not
    included: a slow or overloaded server may answer the next request."""
    if isinstance(exc, CannotResolveHostError | error.DNSLookupError):
        return "dns", "DNS lookup failed"
    if isinstance(exc, DownloadConnectionRefusedError | error.ConnectionRefusedError):
        return "connection", "connection refused"
    if isinstance(exc, error.NoRouteError):
        return "connection", "no route to host"
    return None


@lru_cache(maxsize=65536)  # each request's URL is read by two middlewares and the headers signal
def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or "").lower(), port or (443 if parts.scheme == "https" else 80)


@dataclass
class UnreachableHosts:
    """Hosts found dead in this run, so that their other URLs are not tried.

    An offline run used to spend ~3 minutes on the 59 outlets of sources.yaml: every URL
    of every dead host (robots.txt, feeds, sitemaps, then a dozen probe locations) was
    tried and retried with backoff. A host whose first answer in the run is a DNS failure
    (any port) or a refused connection (that port) is marked dead: that request is not
    retried and the host's later requests are refused before any lookup. A host that has
    answered once (any HTTP status) is not marked: its failures are transient and retried
    as usual. The state lives for one run (one crawl process): the next run tries again."""

    answered_hosts: set[str] = field(default_factory=set)
    answered_ports: set[tuple[str, int]] = field(default_factory=set)
    dead_hosts: dict[str, tuple[str, str]] = field(default_factory=dict)  # host -> (kind, reason): DNS
    dead_ports: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)  # refused

    def answered(self, url: str) -> None:
        host, port = _host_port(url)
        self.answered_hosts.add(host)
        self.answered_ports.add((host, port))

    def dead(self, url: str) -> tuple[str, str] | None:
        """(kind, reason) when ``url``'s host or port was found dead earlier in this run."""
        host, port = _host_port(url)
        return self.dead_hosts.get(host) or self.dead_ports.get((host, port))

    def failed(self, url: str, exc: BaseException) -> tuple[str, str] | None:
        """Record a failed request; (kind, reason) when it leaves the host dead (not to be
        retried), None for other failures and for hosts that have answered in this run."""
        found = unreachable_reason(exc)
        if found is None:
            return None
        host, port = _host_port(url)
        if found[0] == "dns":
            if host in self.answered_hosts:
                return None
            self.dead_hosts.setdefault(host, found)
        else:
            if (host, port) in self.answered_ports:
                return None
            self.dead_ports.setdefault((host, port), found)
        return found


def unreachable_hosts(crawler: Crawler) -> UnreachableHosts:
    """The crawl's one ``UnreachableHosts``, shared by the middlewares that read and feed it;
    every response's headers (redirects and errors included) mark their host as answering."""
    hosts = getattr(crawler, "newswatch_unreachable", None)
    if hosts is None:
        hosts = UnreachableHosts()
        crawler.newswatch_unreachable = hosts  # type: ignore[attr-defined]

        def on_headers(request: Request, **_: Any) -> None:
            hosts.answered(request.url)

        crawler.signals.connect(on_headers, signal=signals.headers_received, weak=False)
    return hosts


def refuse_if_dead(hosts: UnreachableHosts, request: Request) -> None:
    """Raise ``RefusedRequest`` (kind ``dns``/``connection``, as the failure itself) for a
    request to a host found dead earlier in this run: the outlet's error records and its
    health status ("unreachable") stay what they would have been."""
    found = hosts.dead(request.url)
    if found is not None:
        kind, reason = found
        host, port = _host_port(request.url)
        where = host if kind == "dns" else f"{host}:{port}"
        raise RefusedRequest(f"not tried: {where} failed earlier in this run ({reason})", kind=kind)


class UnreachableHostMiddleware:
    """Refuse, before the address check resolves its name and before robots.txt is fetched,
    every request to a host found dead earlier in this run (``UnreachableHosts``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.hosts = unreachable_hosts(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnreachableHostMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        try:
            refuse_if_dead(self.hosts, request)
        except RefusedRequest:
            self.crawler.stats.inc_value("newswatch/unreachable/skipped")
            raise


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date. None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based)."""
    if retry_after is not None:
        return min(retry_after, cap)
    return min(cap, base * (2 ** (attempt - 1))) * random.uniform(0.75, 1.25)


class BackoffRetryMiddleware(RetryMiddleware):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.backoff_base = crawler.settings.getfloat("NEWSWATCH_RETRY_BACKOFF_BASE", 1.0)
        middleware.backoff_max = crawler.settings.getfloat("NEWSWATCH_RETRY_BACKOFF_MAX", 60.0)
        middleware.hosts = unreachable_hosts(crawler)
        return middleware

    def process_request(self, request: Request) -> None:
        """Requests that waited for their host's robots.txt passed ``UnreachableHostMiddleware``
        before that fetch found the host dead: they stop here."""
        try:
            refuse_if_dead(self.hosts, request)
        except RefusedRequest:
            self.crawler.stats.inc_value("newswatch/unreachable/skipped")
            raise

    async def _wait(self, request: Request, retry_after: float | None) -> None:
        attempt = request.meta.get("retry_times", 0) + 1
        delay = backoff_delay(attempt, self.backoff_base, self.backoff_max, retry_after)
        if delay > 0:
            await asyncio.sleep(delay)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        if retry_after is not None and retry_after > self.backoff_max:
            return response  # the server asks for more patience than a crawl run has: give up now
        new_request = self._retry(request, response_status_message(response.status))
        if new_request is None:
            return response
        await self._wait(request, retry_after)
        return new_request

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        known = self.hosts.dead(request.url) is not None
        if self.hosts.failed(request.url, exception) is not None:
            if not known:
                self._unreachable(request, exception)
            return None  # a host that is not there: retrying only adds backoff to the run
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        new_request = self._retry(request, exception)
        if new_request is None:
            return None
        await self._wait(request, None)
        return new_request


    def _unreachable(self, request: Request, exception: Exception) -> None:
        host, port = _host_port(request.url)
        _kind, reason = unreachable_reason(exception) or ("", str(exception))
        where = host if _kind == "dns" else f"{host}:{port}"
        self.crawler.stats.inc_value("newswatch/unreachable/hosts")
        logger.info("%s: %s on the first request (%s); no retry, and no other URL of it in this run",
                    where, reason, request.url)


def check_redirect(crawler: Crawler, redirected: Request, request: Request) -> None:
    """Refuse one redirect hop: off the outlet's hosts (``offsite_redirect``) or back to a URL
    of its own chain (``redirect_loop``).

    Every hop is checked against the outlet's hosts (the homepage host, its www. twin and
    the hosts it lists), the ``Location`` read as the fetcher reads it: nothing of a
    refused hop is fetched or stored. Scrapy's duplicate filter would drop a loop's second
    visit silently, and the page would simply be missing with no record of why."""
    chain = [*request.meta.get("redirect_urls", []), request.url]
    outlet = _run_outlet(crawler, request)
    if outlet is not None and not same_site(redirected.url, outlet):
        raise RefusedRequest(f"redirect off the outlet's hosts: {request.url} -> {redirected.url}",
                             kind="offsite_redirect")
    seen = {canonicalize(url) for url in chain}
    if canonicalize(redirected.url) in seen:
        raise RefusedRequest(f"redirect loop: {' -> '.join([*chain, redirected.url])}", kind="redirect_loop")


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    """HTTP redirects (3xx), each hop checked by ``check_redirect``."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        check_redirect(self.crawler, redirected, request)
        return super()._redirect(redirected, request, reason)


# Scrapy reads a meta refresh in the first 4,096 characters of the decoded page; a character
# takes at most 4 bytes (UTF-8, UTF-16 surrogates, UTF-32), plus a byte-order mark.
REFRESH_SCAN_BYTES = 4096 * 4 + 4


def may_hold_meta_refresh(body: bytes) -> bool:
    """False when the part of ``body`` Scrapy reads for a meta refresh cannot spell "refresh".

    Scrapy's check decodes the whole body (``response.text``) to read its first 4,096
    characters: ~5 % of the crawler's CPU, for pages that almost never hold one. In every
    encoding a news page uses (ASCII-compatible ones, UTF-16/32 once NULs are dropped) the
    word is its ASCII letters in the bytes, so a bounded, case-insensitive byte scan rules
    it out; a hit (even a false one) leaves the decision to Scrapy's full check."""
    head = body[:REFRESH_SCAN_BYTES].lower()  # two C passes: faster than a re.I search
    if b"refresh" in head:
        return True
    return b"\x00" in head and b"refresh" in head.replace(b"\x00", b"")


class OutletMetaRefreshMiddleware(MetaRefreshMiddleware):
    """``<meta http-equiv=refresh>`` redirects, checked like HTTP ones (a page can hold one).
    Pages whose first bytes cannot hold one skip Scrapy's check (``may_hold_meta_refresh``)."""

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if isinstance(response, HtmlResponse) and not may_hold_meta_refresh(response.body):
            return response
        return super().process_response(request, response)

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        check_redirect(self.crawler, redirected, request)
        return super()._redirect(redirected, request, reason)


class PrivateAddressMiddleware:
    """Refuse requests whose host is, or resolves to, a loopback, private, link-local or
    metadata address (``crawler.netguard``), unless the operator configured that address
    as the outlet's host or allows it with ``NEWSWATCH_ALLOW_PRIVATE_HOSTS``.

    Names are resolved through the reactor's resolver (Scrapy's caching, threaded one), so
    the check never blocks the reactor and the connection then uses the cached answer that
    was checked. A name that does not resolve is left to the downloader to report.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.allow = PrivateAllowList.parse(crawler.settings.get("NEWSWATCH_ALLOW_PRIVATE_HOSTS", "") or "")
        self._outlet_hosts: dict[str, set[str]] = {}
        self._all_hosts: tuple[list[Any], set[str]] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressMiddleware:
        return cls(crawler)

    def _configured_hosts(self, request: Request) -> set[str]:
        """The request's outlet's hosts; for requests of no outlet (robots.txt), those of every
        outlet of the run. Built once per outlet and once for the run: the union was rebuilt
        for every robots.txt request, 7,000 outlets each at EMM's scale."""
        outlet = _run_outlet(self.crawler, request)
        if outlet is not None:
            hosts = self._outlet_hosts.get(outlet.name)
            if hosts is None:
                hosts = self._outlet_hosts[outlet.name] = {host for host, _port in outlet_hosts(outlet)}
            return hosts
        outlets = getattr(self.crawler.spider, "outlets", [])
        if self._all_hosts is None or self._all_hosts[0] is not outlets:
            self._all_hosts = (outlets, {host for o in outlets for host, _port in outlet_hosts(o)})
        return self._all_hosts[1]

    async def process_request(self, request: Request) -> None:
        where = target(request.url)
        if where is None:
            raise RefusedRequest(f"not a fetchable http(s) URL: {request.url}", kind="bad_url")
        address = where.host
        if not is_ip_address(address):
            # the installed reactor: importing it at module level would install the default one
            from twisted.internet import reactor

            try:
                address = await maybe_deferred_to_future(reactor.resolve(where.host))  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - the download itself will fail and say why
                return None
        reason = may_connect(where.host, address, self._configured_hosts(request), self.allow)
        if reason is not None:
            self.crawler.stats.inc_value(f"newswatch/refused_address/{reason}")
            raise RefusedRequest(f"{reason} address {address} for host {where.host} refused", kind="private_address")
        return None
