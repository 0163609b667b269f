"""No pickle on the wire (issue 11 item 5): requests travel through Redis as JSON; a crafted
pickle entry is not executed, is recorded as a crawl error, and the worker goes on."""

from __future__ import annotations

import os
import pickle
import uuid
from pathlib import Path
from typing import Any

import pytest
import scrapy

from common.signals import crawl_error
from crawler import redis_json
from crawler.redis_frontier import SafePriorityQueue, credentials_warning, redis_settings

REDIS_URL = os.environ.get("NEWSWATCH_TEST_REDIS_URL", "")


class _Signals:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_catch_log(self, signal: object, **kwargs: Any) -> None:
        assert signal is crawl_error
        self.sent.append(kwargs)


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str) -> None:
        self.values[key] = self.values.get(key, 0) + 1


class _Crawler:
    def __init__(self) -> None:
        self.signals, self.stats = _Signals(), _Stats()


class _Spider(scrapy.Spider):
    name = "news"

    def parse_article(self, response: Any) -> None:
        pass

    def on_error(self, failure: Any) -> None:
        pass


class _Payload:
    """Unpickling this runs a shell command: what the crafted entry of issue 11 did."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def test_json_round_trip_of_a_request_dict() -> None:
    spider = _Spider()
    request = scrapy.Request("https://fr.le360.ma/politique/x-1?a=1", callback=spider.parse_article,
                             errback=spider.on_error, priority=5, headers={"Accept-Language": "fr"},
                             meta={"outlet": "Le360", "via": "feed", "canonical": "https://fr.le360.ma/politique/x-1",
                                   "published_hint": None, "redirect_urls": ["https://le360.ma/x"]},
                             body=b"\x00\xffbinary")
    data = redis_json.dumps(request.to_dict(spider=spider))
    assert b"__b64__" in data and not data.startswith(b"\x80")  # JSON, not pickle
    back = scrapy.utils.request.request_from_dict(redis_json.loads(data), spider=spider)
    assert back.url == request.url and back.meta == request.meta and back.body == request.body
    assert back.callback == spider.parse_article and back.priority == 5
    assert back.headers.get("Accept-Language") == b"fr"


@pytest.mark.parametrize("entry", [b"not json", b"[1, 2]", b'{"no": "url"}', b'{"url": 5}',
                                   pickle.dumps({"url": "https://x/"})])
def test_loads_refuses_anything_but_a_request_object(entry: bytes) -> None:
    with pytest.raises(ValueError):
        redis_json.loads(entry)


def test_settings_use_json_and_the_safe_queue() -> None:
    settings = redis_settings("redis://:pw@127.0.0.1:6379/0", 60, 60, 1.0, "nw")
    assert settings["SCHEDULER_SERIALIZER"] == "crawler.redis_json"
    assert settings["SCHEDULER_QUEUE_CLASS"] == "crawler.redis_frontier.SafePriorityQueue"


@pytest.mark.parametrize(("url", "warns"), [
    ("redis://10.0.0.5:6379/0", True),
    ("redis://redis:6379/0", True),
    ("redis://user@redis.internal:6379/0", True),
    ("redis://:s3cret@redis:6379/0", False),
    ("rediss://default:s3cret@redis.example:6380/0", False),
    ("redis://127.0.0.1:6379/0", False),
    ("redis://localhost:6379/0", False),
    ("redis://[::1]:6379/0", False),
    ("unix:///run/redis.sock", False),
])
def test_warning_when_redis_has_no_password_and_is_not_loopback(url: str, warns: bool) -> None:
    message = credentials_warning(url)
    assert (message is not None) is warns
    if message:
        assert "no password" in message and "docs/deploy.md" in message


@pytest.mark.skipif(not REDIS_URL, reason="NEWSWATCH_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)")
def test_crafted_pickle_entry_is_not_executed_but_recorded_and_the_queue_goes_on(tmp_path: Path) -> None:
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    spider = _Spider()
    spider.crawler = _Crawler()  # type: ignore[assignment]
    key = f"nwtest-{uuid.uuid4().hex}:%(spider)s:requests"
    queue = SafePriorityQueue(server, spider, key, serializer=redis_json)
    marker = tmp_path / "pwned"
    try:
        good = scrapy.Request("https://fr.le360.ma/a-1", callback=spider.parse_article, meta={"outlet": "Le360"})
        queue.push(good)
        # the attacker's entry, at the head of the queue (lowest score pops first)
        server.execute_command("ZADD", queue.key, -100, pickle.dumps(_Payload(marker)))
        assert len(queue) == 2
        first = queue.pop()
        second = queue.pop()
    finally:
        server.delete(queue.key)
        server.close()
    assert not marker.exists(), "the queue entry was unpickled and ran a command"
    assert first is None
    assert second is not None and second.url == good.url and second.meta["outlet"] == "Le360"
    [record] = spider.crawler.signals.sent  # type: ignore[attr-defined]
    assert record["kind"] == "queue_entry" and "unreadable queue entry skipped" in record["message"]
    assert record["url"] == f"redis:{queue.key}"
    assert spider.crawler.stats.values == {"newswatch/errors/queue_entry": 1}  # type: ignore[attr-defined]
