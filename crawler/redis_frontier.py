"""Shared crawl frontier for several workers: scrapy-redis's scheduler and queue, with a
seen-set whose entries expire.

scrapy-redis keeps its seen-set as one Redis SET that only grows (its users report
exactly that). Here each request fingerprint is its own key with a TTL:

- scheduling a request claims its URL with a short *lease* (NEWSWATCH_REDIS_LEASE,
  default 10 min): no other worker schedules it meanwhile;
- when an article page is stored (or dropped, or failed for good), its claim is extended
  to the *seen* TTL (NEWSWATCH_REDIS_SEEN_TTL, default 6 h);
- a worker killed mid-crawl loses the requests it had taken from the queue; their leases
  expire, and the next worker that walks the feeds claims them again. Stored articles are
  skipped anyway (the database is the lasting seen-set).

Memory is bounded by what one TTL window sees. Enabled by NEWSWATCH_REDIS_URL. Idle
workers wait NEWSWATCH_REDIS_IDLE_SECONDS for the queue to refill before they stop, so a
worker that starts first does not quit while another is still reading feeds.

No pickle on the wire: scrapy-redis pickles queued requests by default, and unpickling
runs code, so anyone who can write to Redis could run commands on every worker. Requests
travel as JSON (``crawler.redis_json``, set as SCHEDULER_SERIALIZER); a queue entry that
is not such JSON (an old pickle, a crafted entry) is recorded as a ``queue_entry`` crawl
error and skipped (``SafePriorityQueue``), and the worker goes on.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from common.signals import connect_handlers, crawl_error, on
from common.urls import canonicalize

logger = logging.getLogger(__name__)
LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


class SafePriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue that skips (and records) an entry it cannot read."""

    def _decode_request(self, encoded_request: bytes) -> Any:
        try:
            return super()._decode_request(encoded_request)
        except Exception as exc:  # noqa: BLE001 - whatever is wrong with the entry, the worker goes on
            head = bytes(encoded_request[:40]) if isinstance(encoded_request, bytes | bytearray) else b""
            message = (f"unreadable queue entry skipped ({len(encoded_request)} bytes, first bytes {head!r}): "
                       f"{type(exc).__name__}: {str(exc)[:200]}")
            logger.warning("%s", message)
            crawler = getattr(self.spider, "crawler", None)
            if crawler is not None:
                crawler.stats.inc_value("newswatch/errors/queue_entry")
                crawler.signals.send_catch_log(crawl_error, outlet="", url=f"redis:{self.key}", kind="queue_entry",
                                               message=message)
            return None


def ping(url: str, timeout: float = 3.0) -> None:
    """Connect and PING; raises redis's errors (or ValueError for a malformed URL)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def describe_redis_error(exc: BaseException) -> str:
    from common.settings import get_settings

    url = get_settings().redis_url
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return f"Redis unreachable: {reason} (NEWSWATCH_REDIS_URL={redacted(url)})"


def credentials_warning(url: str) -> str | None:
    """A warning when Redis, reachable from other machines, is used without a password."""
    parts = urlsplit(url)
    if parts.password or parts.scheme == "unix":
        return None
    host = (parts.hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (f"NEWSWATCH_REDIS_URL ({redacted(url)}) has no password and is not on this machine: anyone who "
            "reaches that Redis can steer every worker's crawl; use redis://:PASSWORD@host:6379/0 (docs/deploy.md)")


class ExpiringDupeFilter(RFPDupeFilter):
    """A seen-set of per-fingerprint keys, each a lease that expires, instead of one ever-growing SET."""

    lease: int = 600

    @classmethod
    def from_spider(cls, spider: Any) -> ExpiringDupeFilter:
        dupefilter = super().from_spider(spider)
        dupefilter.lease = spider.settings.getint("NEWSWATCH_REDIS_LEASE", cls.lease)
        return dupefilter

    def request_fingerprint(self, request: Any) -> str:
        """Fingerprint of the canonical URL: a feed's utm-tagged link and the sitemap's clean
        one are the same page, whichever worker meets it."""
        if request.method != "GET" or request.body:
            return super().request_fingerprint(request)
        return claim_fingerprint(request.url)

    def request_seen(self, request: Any) -> bool:
        claimed = self.server.set(f"{self.key}:{self.request_fingerprint(request)}", 1, nx=True, ex=self.lease)
        return not claimed

    def clear(self) -> None:
        for key in self.server.scan_iter(match=f"{self.key}:*", count=1000):
            self.server.delete(key)


def claim_fingerprint(url: str) -> str:
    return hashlib.sha1(canonicalize(url).encode("utf-8")).hexdigest()


class RedisFrontierExtension:
    """Extends an answered article's claim to the seen TTL; keeps idle workers alive a while."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.get("REDIS_URL") or "scrapy_redis" not in str(settings.get("SCHEDULER")):
            raise NotConfigured
        self.crawler = crawler
        self.server = get_redis_from_settings(settings)
        warning = credentials_warning(str(settings.get("REDIS_URL")))
        if warning:
            logger.warning("%s", warning)
        self.key_format = settings.get("SCHEDULER_DUPEFILTER_KEY")
        self.seen_ttl = settings.getint("NEWSWATCH_REDIS_SEEN_TTL", 6 * 3600)
        self.idle_seconds = settings.getfloat("NEWSWATCH_REDIS_IDLE_SECONDS", 30.0)
        self.last_activity = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisFrontierExtension:
        ext = cls(crawler)
        connect_handlers(crawler, ext)
        return ext

    def _mark_done(self, url: str) -> None:
        """The page is stored (or definitely not to be stored): hold its claim for the seen TTL."""
        spider = self.crawler.spider
        name = spider.name if spider else "news"
        key = f"{self.key_format % {'spider': name}}:{claim_fingerprint(url)}"
        self.server.set(key, 1, ex=self.seen_ttl)

    @on(signals.item_scraped, signals.item_dropped)
    def item_done(self, item: Any, **_: Any) -> None:
        self.last_activity = time.monotonic()
        if isinstance(item, dict) and item.get("claimed_url"):
            self._mark_done(item["claimed_url"])

    @on(crawl_error)
    def error_done(self, outlet: str, url: str, kind: str, message: str) -> None:
        self._mark_done(url)

    @on(signals.request_scheduled, signals.response_received)
    def activity(self, **_: Any) -> None:
        self.last_activity = time.monotonic()

    @on(signals.spider_idle)
    def spider_idle(self, spider: Spider) -> None:
        if time.monotonic() - self.last_activity < self.idle_seconds:
            raise DontCloseSpider


def redis_settings(redis_url: str, seen_ttl: int, lease: int, idle_seconds: float, key_prefix: str) -> dict[str, Any]:
    """Scrapy settings that switch the crawl to the shared Redis frontier."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_PERSIST": True,  # one worker finishing must not wipe the others' queue
        "SCHEDULER_QUEUE_CLASS": "crawler.redis_frontier.SafePriorityQueue",
        "SCHEDULER_SERIALIZER": "crawler.redis_json",  # never pickle: see the module docstring
        "SCHEDULER_QUEUE_KEY": f"{key_prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{key_prefix}:%(spider)s:seen",
        "DUPEFILTER_CLASS": "crawler.redis_frontier.ExpiringDupeFilter",
        "REDIS_URL": redis_url,
        "NEWSWATCH_REDIS_SEEN_TTL": seen_ttl,
        "NEWSWATCH_REDIS_LEASE": lease,
        "NEWSWATCH_REDIS_IDLE_SECONDS": idle_seconds,
    }
