"""Extensions declare their signal handlers with ``common.signals.on``; one call connects them."""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.signalmanager import SignalManager

from common.signals import connect_handlers, crawl_error, on
from crawler.recorder import CrawlRecorder
from crawler.redis_frontier import RedisFrontierExtension


class _Crawler:
    def __init__(self) -> None:
        self.signals = SignalManager()


class _Extension:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @on(signals.item_scraped, signals.item_dropped)
    def item_done(self, **kwargs: Any) -> None:
        self.calls.append(("item_done", kwargs))

    @on(crawl_error)
    def error(self, **kwargs: Any) -> None:
        self.calls.append(("error", kwargs))

    def not_a_handler(self, **kwargs: Any) -> None:
        self.calls.append(("not_a_handler", kwargs))

    @property
    def a_property(self) -> int:  # dir() lists it too: it must not be touched
        raise AssertionError("read")


def test_each_marked_method_is_connected_to_each_of_its_signals() -> None:
    crawler, ext = _Crawler(), _Extension()
    connect_handlers(crawler, ext)
    crawler.signals.send_catch_log(signals.item_scraped, item=1)
    crawler.signals.send_catch_log(signals.item_dropped, item=2)
    crawler.signals.send_catch_log(crawl_error, url="u")
    crawler.signals.send_catch_log(signals.spider_idle)
    assert [name for name, _ in ext.calls] == ["item_done", "item_done", "error"]
    assert ext.calls[2][1]["url"] == "u"


def _declared(cls: type) -> dict[str, set[object]]:
    return {name: set(fn.__signals__) for name, fn in vars(cls).items() if hasattr(fn, "__signals__")}


def test_the_crawl_extensions_listen_to_what_they_handle() -> None:
    assert _declared(CrawlRecorder) == {
        "spider_opened": {signals.spider_opened}, "spider_closed": {signals.spider_closed},
        "item_scraped": {signals.item_scraped}, "item_dropped": {signals.item_dropped},
        "response_received": {signals.response_received}, "on_crawl_error": {crawl_error},
    }
    assert _declared(RedisFrontierExtension) == {
        "activity": {signals.request_scheduled, signals.response_received},
        "item_done": {signals.item_scraped, signals.item_dropped},
        "error_done": {crawl_error}, "spider_idle": {signals.spider_idle},
    }
