"""Shared crawl frontier for several workers: scrapy-redis's scheduler and queue, with a
seen-set whose entries expire.

scrapy-redis keeps its seen-set as one Redis SET that only grows (its users report
exactly that). Here each request fingerprint is its own key, set with NX and a TTL
(NEWSWATCH_REDIS_SEEN_TTL, default 6 h): two workers never fetch the same URL within
that window, memory is bounded by what one window sees, and a URL that a killed worker
had claimed but never stored becomes fetchable again once its claim expires (stored
articles are skipped anyway, by the database). Enabled by NEWSWATCH_REDIS_URL.
"""

from __future__ import annotations

from typing import Any

from scrapy_redis.dupefilter import RFPDupeFilter

KEY_PREFIX = "newswatch"


class ExpiringDupeFilter(RFPDupeFilter):
    """A seen-set of per-fingerprint keys with a TTL instead of one ever-growing SET."""

    ttl: int = 6 * 3600

    @classmethod
    def from_spider(cls, spider: Any) -> ExpiringDupeFilter:
        dupefilter = super().from_spider(spider)
        dupefilter.ttl = spider.settings.getint("NEWSWATCH_REDIS_SEEN_TTL", cls.ttl)
        return dupefilter

    def request_seen(self, request: Any) -> bool:
        fingerprint = self.request_fingerprint(request)
        claimed = self.server.set(f"{self.key}:{fingerprint}", 1, nx=True, ex=self.ttl)
        return not claimed

    def clear(self) -> None:
        for key in self.server.scan_iter(match=f"{self.key}:*", count=1000):
            self.server.delete(key)


def redis_settings(redis_url: str, seen_ttl: int) -> dict[str, Any]:
    """Scrapy settings that switch the crawl to the shared Redis frontier."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_PERSIST": True,  # one worker finishing must not wipe the others' queue
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{KEY_PREFIX}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{KEY_PREFIX}:%(spider)s:seen",
        "DUPEFILTER_CLASS": "crawler.redis_frontier.ExpiringDupeFilter",
        "REDIS_URL": redis_url,
        "NEWSWATCH_REDIS_SEEN_TTL": seen_ttl,
    }
