"""Scrapy adapter of the store stage: canonical URL, exact duplicates, rows, then matching.

The article is committed first (so a crash later costs nothing stored), then stories and
topic matches are computed for it in their own transaction: a rule problem never loses an
article, and ``newswatch rematch`` can redo the matching later.
Settings: NEWSWATCH_DATABASE_URL, NEWSWATCH_RULES_DIR.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy.orm import Session

from crawler.urls import canonicalize
from storage.articles import StoreResult, ensure_outlet, store_article
from storage.db import get_engine, session_factory

logger = logging.getLogger(__name__)


class DuplicateArticle(DropItem):
    """The canonical URL is stored already."""


def choose_url(request_canonical: str, declared: str | None) -> str:
    """The page's own canonical (``<link rel=canonical>``/og:url) when it stays on the same host."""
    if declared:
        try:
            candidate = canonicalize(declared)
        except ValueError:
            return request_canonical
        if urlsplit(candidate).netloc == urlsplit(request_canonical).netloc and urlsplit(candidate).path not in ("", "/"):
            return candidate
    return request_canonical


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.database_url = crawler.settings.get("NEWSWATCH_DATABASE_URL")
        self.rules_dir = crawler.settings.get("NEWSWATCH_RULES_DIR")
        self.outlet_ids: dict[str, int] = {}
        self.matcher: Any = None
        self.session: Session | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        self.session = session_factory(get_engine(self.database_url))()
        self.matcher = self._load_matcher()
        # all database work happens in this one thread, so the reactor keeps downloading
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newswatch-store")

    def _load_matcher(self) -> Any:
        try:
            from pipelines.matching.engine import load_topics
        except ImportError:
            logger.warning("matching is not installed; articles are stored without topic matches")
            return None
        try:
            return load_topics(self.rules_dir)
        except Exception as exc:  # a rule typo must not stop the crawl: store, rematch later
            logger.error("topic rules not loaded, matching is off for this run: %s", exc)
            self.crawler.stats.set_value("newswatch/rules_error", str(exc))
            return None

    def close_spider(self, spider: Spider | None = None) -> None:
        self.writer.shutdown(wait=True)
        if self.session is not None:
            self.session.close()

    def _outlet_id(self, name: str) -> int:
        if name not in self.outlet_ids:
            spider = self.crawler.spider
            outlet = getattr(spider, "by_name", {}).get(name)
            assert self.session is not None
            self.outlet_ids[name] = ensure_outlet(
                self.session, name, outlet.country if outlet else "", outlet.homepage if outlet else "",
                list(outlet.languages) if outlet else [],
            )
            self.session.commit()
        return self.outlet_ids[name]

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        result, url = await asyncio.wrap_future(self.writer.submit(self._store, item))
        if result.status == "duplicate_url":
            raise DuplicateArticle(f"already stored: {url}")
        self.crawler.stats.inc_value(f"newswatch/articles/{result.status}")
        item["article_id"] = result.article_id
        item["stored_url"] = url
        item.pop("html", None)
        return item

    def _store(self, item: dict[str, Any]) -> tuple[StoreResult, str]:
        """The article, its raw page, its story and matches: one transaction (writer thread)."""
        assert self.session is not None
        article = item["article"]
        url = choose_url(item["url"], article.extra.get("declared_canonical"))
        analysis = article.extra.pop("analysis", None) or {}
        try:
            result = store_article(
                self.session, article, url=url, outlet_id=self._outlet_id(item["outlet"]), html=item["html"],
                fetched_url=item["fetched_url"], http_status=item.get("status", 200), encoding=item.get("encoding"),
                discovered_via=item.get("via", ""), crawl_run_id=getattr(self.crawler, "newswatch_run_id", None),
                html_zlib=article.extra.pop("html_zlib", None), commit=False,
            )
            if result.status == "stored" and self.matcher is not None:
                self._match(result.article_id, analysis)
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise
        return result, url

    def _match(self, article_id: int | None, analysis: dict[str, Any]) -> None:
        """Story and matches, from what the extraction process computed when it could.
        If matching fails, the article is still stored (rematch redoes it)."""
        assert self.session is not None and article_id is not None
        try:  # process_new_articles keeps each article's work in a savepoint of its own
            self._story_and_matches(article_id, analysis)
        except Exception:  # logged with traceback; the article is stored, rematch can redo it
            logger.exception("matching failed for article %s", article_id)
            self.crawler.stats.inc_value("newswatch/errors/matching")

    def _story_and_matches(self, article_id: int, analysis: dict[str, Any]) -> None:
        from pipelines.matching.store import process_new_articles
        from pipelines.matching.stories import Signature

        assert self.session is not None
        sig = Signature.from_bytes(analysis["signature"]) if "signature" in analysis else None
        matches = analysis.get("matches")
        known = set(self.matcher.topic_names)
        if matches is not None and any(m.topic not in known or m.rules_version != self.matcher.version_of(m.topic)
                                       for m in matches):
            matches = None  # the rule files changed during the crawl: match with this process's rules
        process_new_articles(self.session, [article_id], self.matcher, {article_id: (sig, matches)})
