"""Scrapy adapter of the store outcome: the page was stored by its worker process
(``pipelines.page_job``); here a URL already stored becomes a typed drop that Scrapy
counts, and what was stored is counted in the run's stats.

The article is committed with its story and matches in its batch's transaction; a matching
problem never loses the article (``newswatch rematch`` can redo it).
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from pipelines.page_job import PageResult, choose_url

__all__ = ["DuplicateArticle", "StorePipeline", "choose_url"]


class DuplicateArticle(DropItem):
    """The canonical URL is stored already."""

    figure = "duplicates"


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        result: PageResult = item["result"]
        if result.status == "duplicate_url":
            raise DuplicateArticle(f"already stored: {result.url}")
        self.crawler.stats.inc_value(f"newswatch/articles/{result.status}")
        item["article_id"] = result.article_id
        item["stored_url"] = result.url
        return item
