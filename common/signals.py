"""Custom Scrapy signals of newswatch, and how an extension declares its handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Callable[..., Any])

# Sent with outlet, url, kind, message whenever something goes wrong that a user should see
# (HTTP error, timeout, broken feed, oversized or binary response, empty extraction).
crawl_error = object()


def on(*signals: object) -> Callable[[Handler], Handler]:
    """Mark an extension method as the handler of these Scrapy or newswatch signals, next to
    its code; ``connect_handlers`` connects every marked method of an extension at once."""

    def mark(method: Handler) -> Handler:
        method.__signals__ = (*getattr(method, "__signals__", ()), *signals)  # type: ignore[attr-defined]
        return method

    return mark


def connect_handlers(crawler: Any, extension: object) -> None:
    """Connect each method of ``extension`` marked with ``on`` to its signals on the crawler."""
    for name in dir(type(extension)):
        for signal in getattr(getattr(type(extension), name, None), "__signals__", ()):
            crawler.signals.connect(getattr(extension, name), signal=signal)
