"""Log lines that name the page, never dump it: Scrapy's default formatter prints whole
items, and ours carry the raw HTML. Dropped pages (not an article, duplicate) are routine
and logged at DEBUG; the counts are in the run's stats and summary."""

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


class NewswatchLogFormatter(logformatter.LogFormatter):
    def scraped(self, item: Any, response: Any, spider: Any) -> logformatter.LogFormatterResult:
        return {"level": logging.DEBUG, "msg": "stored %(url)s", "args": {"url": _where(item, response)}}

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> logformatter.LogFormatterResult:
        return {"level": logging.DEBUG, "msg": "dropped %(url)s: %(reason)s",
                "args": {"url": _where(item, response), "reason": exception}}

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any) -> logformatter.LogFormatterResult:
        return {"level": logging.ERROR, "msg": "error processing %(url)s",
                "args": {"url": _where(item, response)}}

    def spider_error(self, failure: Failure, request: Any, response: Any, spider: Any) -> logformatter.LogFormatterResult:
        return {"level": logging.ERROR, "msg": "spider error processing %(request)s",
                "args": {"request": request}}
