"""One fetched page, start to finish, in an extraction process: extract → analyse → store.

Why here and not in the crawler process: on a 2-core machine the crawler process is
already busy with Scrapy itself (parsing, scheduling, HTTP); the database work of an
article (insert, story, matches — mostly Python in the ORM) would compete with it for
the same interpreter lock. Each extraction process keeps its own database session,
matcher and story index, and commits one transaction per article, so a crash loses at
most the articles in flight (a rerun fetches them again).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from pipelines.article import ExtractedArticle
from storage.articles import compress_html, ensure_outlet, store_article

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageJob:
    """Everything a worker process needs about one page (picklable)."""

    html: bytes
    url: str  # canonical URL the page was requested under
    fetched_url: str
    outlet: str
    country: str = ""
    homepage: str = ""
    languages: tuple[str, ...] = ()
    noise_selectors: tuple[str, ...] = ()
    timezone: str = "UTC"
    status: int = 200
    encoding: str | None = None
    via: str = ""
    database_url: str = ""
    rules_dir: str | None = None
    crawl_run_id: int | None = None


@dataclass
class PageResult:
    status: str  # stored | duplicate_content | duplicate_url
    url: str
    article_id: int | None = None
    language: str | None = None
    problems: list[str] = field(default_factory=list)  # matching or rules trouble, for the log and stats


def choose_url(request_canonical: str, declared: str | None) -> str:
    """The page's own canonical (``<link rel=canonical>``/og:url) when it stays on the same host."""
    from urllib.parse import urlsplit

    from crawler.urls import canonicalize

    if declared:
        try:
            candidate = canonicalize(declared)
        except ValueError:
            return request_canonical
        same_host = urlsplit(candidate).netloc == urlsplit(request_canonical).netloc
        if same_host and urlsplit(candidate).path not in ("", "/"):
            return candidate
    return request_canonical


class _Store:
    """This process's database session, matcher and outlet ids, for one database and rules folder."""

    def __init__(self, database_url: str, rules_dir: str | None) -> None:
        from pipelines.matching import store as matching_store
        from storage.db import get_engine, session_factory

        # articles of one story often arrive at the same moment in two processes: read the
        # others' new articles every 0.1 s (a page takes ~0.04 s here) rather than every 5 s
        matching_store.REFRESH_SECONDS = 0.1
        self.session: Session = session_factory(get_engine(database_url))()
        self.outlet_ids: dict[str, int] = {}
        self.matcher: Any = None
        self.rules_error: str | None = None
        if rules_dir:
            try:
                from pipelines.matching.engine import load_topics

                self.matcher = load_topics(Path(rules_dir))
            except Exception as exc:  # noqa: BLE001 - a rule typo must not stop the crawl: store, rematch later
                self.rules_error = f"topic rules not loaded, matching is off: {exc}"
                logger.error("%s", self.rules_error)

    def outlet_id(self, job: PageJob) -> int:
        if job.outlet not in self.outlet_ids:
            self.outlet_ids[job.outlet] = ensure_outlet(self.session, job.outlet, job.country, job.homepage,
                                                        list(job.languages))
            self.session.commit()
        return self.outlet_ids[job.outlet]


_STORES: dict[tuple[str, str | None], _Store] = {}


def _store_for(job: PageJob) -> _Store:
    return _store(job.database_url, job.rules_dir)


def _store(database_url: str, rules_dir: str | None) -> _Store:
    key = (database_url, rules_dir)
    if key not in _STORES:
        _STORES[key] = _Store(*key)
    return _STORES[key]


def warm_up(database_url: str, rules_dir: str | None) -> None:
    """Import the extraction stack and open this process's store and matcher while the crawl
    is still fetching robots.txt and feeds, so the first pages do not wait for it."""
    import pipelines.extract  # noqa: F401 - the import is the point (trafilatura, lxml, langid)

    if database_url:
        _store(database_url, rules_dir)


def _prepare(store: _Store, article: ExtractedArticle, problems: list[str]) -> Any:
    """Signature, matches and story candidates, computed before the write transaction opens
    (on SQLite a writer locks the whole file: the lock must cover inserts, not analysis)."""
    from datetime import UTC, datetime

    from pipelines.matching.store import Prepared, find_candidates, story_index
    from pipelines.matching.stories import signature

    try:
        sig = signature(article.title, article.text, article.language)
        matches = store.matcher.match(article.title, article.text, article.language)
        when = article.published or datetime.now(UTC)
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        candidates = find_candidates(story_index(store.session), sig, when)
    except Exception as exc:  # noqa: BLE001 - computed again after the insert, from the stored row
        problems.append(f"analysis: {type(exc).__name__}: {exc}")
        return Prepared()
    return Prepared(sig, matches, candidates)


def _story_and_matches(store: _Store, article_id: int, prepared: Any) -> None:
    from pipelines.matching.store import process_new_articles

    # process_new_articles keeps each article's work in a savepoint and never raises on odd text
    process_new_articles(store.session, [article_id], store.matcher, {article_id: prepared}, fresh=True)


def process_page(job: PageJob) -> PageResult:
    """Extract, analyse and store one page. Raises NotAnArticle / EmptyExtraction for pages
    that must not become articles; a database error propagates (the page is not stored)."""
    from pipelines.extract import extract_article

    article = extract_article(job.html, job.fetched_url, noise_selectors=job.noise_selectors,
                              timezone=job.timezone, encoding=job.encoding, discovered_via=job.via)
    store = _store_for(job)
    session = store.session
    url = choose_url(job.url, article.extra.get("declared_canonical"))
    problems = [store.rules_error] if store.rules_error else []
    prepared = _prepare(store, article, problems) if store.matcher is not None else None
    try:
        result = store_article(
            session, article, url=url, outlet_id=store.outlet_id(job), html=job.html, fetched_url=job.fetched_url,
            http_status=job.status, encoding=job.encoding, discovered_via=job.via, crawl_run_id=job.crawl_run_id,
            html_zlib=compress_html(job.html), commit=False,
        )
        if result.status == "stored" and store.matcher is not None:
            try:
                _story_and_matches(store, result.article_id or 0, prepared)
            except Exception as exc:  # noqa: BLE001 - the article is kept; `newswatch rematch` redoes it
                problems.append(f"matching: {type(exc).__name__}: {exc}")
                logger.exception("matching failed for %s", url)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return PageResult(result.status, url, result.article_id, article.language, problems)
