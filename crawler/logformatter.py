"""Log lines that name the page, never dump it: Scrapy's default formatter prints whole
items, and ours carry the raw HTML. Dropped pages (not an article, duplicate) are routine
and logged at DEBUG; the counts are in the run's stats and summary.

Scrapy sets its loggers to DEBUG and leaves the level to the handlers, so a quiet run made
(and redacted) a "Crawled (200)" and a "stored" record per page only to drop them: ~4 % of
the crawler's CPU. These per-page lines are not made when no handler would print them."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import logformatter
from scrapy.http import Response
from twisted.python.failure import Failure


def _where(item: Any, response: Response | None) -> str:
    if isinstance(item, dict) and item.get("fetched_url"):
        return str(item["fetched_url"])
    return response.url if response is not None else "?"


def debug_emitted(name: str = "scrapy.core.engine") -> bool:
    """Whether a DEBUG record of logger ``name`` would reach a handler that prints it."""
    logger: logging.Logger | None = logging.getLogger(name)
    if not logging.getLogger(name).isEnabledFor(logging.DEBUG):
        return False
    while logger is not None:
        if any(handler.level <= logging.DEBUG for handler in logger.handlers):
            return True
        if not logger.propagate:
            return False
        logger = logger.parent
    return False


class NewswatchLogFormatter(logformatter.LogFormatter):
    def crawled(self, request: Any, response: Any, spider: Any) -> logformatter.LogFormatterResult | None:  # type: ignore[override]
        return super().crawled(request, response, spider) if debug_emitted() else None

    def scraped(self, item: Any, response: Any, spider: Any) -> logformatter.LogFormatterResult | None:  # type: ignore[override]
        if not debug_emitted("scrapy.core.scraper"):
            return None
        return {"level": logging.DEBUG, "msg": "stored %(url)s", "args": {"url": _where(item, response)}}

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> logformatter.LogFormatterResult | None:  # type: ignore[override]
        if not debug_emitted("scrapy.core.scraper"):
            return None
        return {"level": logging.DEBUG, "msg": "dropped %(url)s: %(reason)s",
                "args": {"url": _where(item, response), "reason": exception}}

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any) -> logformatter.LogFormatterResult:
        return {"level": logging.ERROR, "msg": "error processing %(url)s",
                "args": {"url": _where(item, response)}}

    def spider_error(self, failure: Failure, request: Any, response: Any, spider: Any) -> logformatter.LogFormatterResult:
        return {"level": logging.ERROR, "msg": "spider error processing %(request)s",
                "args": {"request": request}}
