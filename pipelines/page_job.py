"""One fetched page, start to finish, in an extraction process: extract → analyse → store.

Why here and not in the crawler process: on a 2-core machine the crawler process is
already busy with Scrapy itself (parsing, scheduling, HTTP); the database work of an
article (insert, story, matches — Python in SQLAlchemy and the driver) would compete with it for
the same interpreter lock. Each extraction process keeps its own database session,
matcher and story index, and commits one transaction per batch of pages
(``process_pages``), so a crash loses at most the pages in flight (a rerun fetches them
again).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from common.article import ExtractedArticle
from storage.articles import compress_html, content_hash, ensure_outlet
from storage.models import utcnow

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
    paywalled: bool = False  # headline + lede only: a short text is the article, not an empty page
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

    from common.urls import canonicalize

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
        from storage.db import get_engine, session_factory

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

STORY_REFRESH_SECONDS = 0.1
"""How stale a page process's story index may get: articles of one story often arrive at the
same moment in two processes, so each reads the others' new articles every 0.1 s (a page
takes ~0.02 s here) rather than every 5 s (``matching.store.REFRESH_SECONDS``)."""


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
    from pipelines.language import warm

    warm()  # py3langid's model, mapped from the user's cache (pipelines/langid_model.py)

    if database_url:
        store = _store(database_url, rules_dir)
        if store.matcher is not None:
            store.matcher.warm()  # every language's automaton, before the first page needs one


@dataclass
class _Analysed:
    """One page between extraction and its write: what the write needs, computed beforehand."""

    position: int
    job: PageJob
    article: ExtractedArticle
    url: str
    outlet_id: int
    html_zlib: bytes
    problems: list[str]
    digest: str = ""  # content hash
    sig: Any = None
    matches: Any = None


def _analyse(store: _Store, item: _Analysed) -> None:
    """Signature and topic matches, computed before the write transaction opens (on SQLite a
    writer locks the whole file: the lock must cover inserts, not analysis)."""
    if store.matcher is None:
        return
    from pipelines.matching.stories import signature

    article = item.article
    try:
        item.sig = signature(article.title, article.text, article.language)
        item.matches = store.matcher.match(article.title, article.text, article.language)
    except Exception as exc:  # noqa: BLE001 - computed again after the insert, from the stored row
        item.problems.append(f"analysis: {type(exc).__name__}: {exc}")
        item.sig = item.matches = None


Outcome = PageResult | Exception


def process_pages(jobs: list[PageJob]) -> list[Outcome]:
    """Extract, analyse and store several pages, in one write transaction; one outcome per job.

    An outcome is the page's PageResult, or the exception that kept it out: NotAnArticle /
    EmptyExtraction for pages that must not become articles, anything else for a failure.
    One page's trouble never costs the others theirs; if the commit itself fails, no page of
    the batch is stored and each one's outcome is that error (a rerun fetches them again).
    The jobs must share one database and rules folder (the crawl's pipeline sends them so).

    Why batches: on SQLite the write lock, the commit, the full-text index segment and the
    story-index refresh are paid once per transaction; per page they cost as much as a
    third of an extraction."""
    from pipelines.extract import MIN_TEXT_CHARS, PAYWALLED_MIN_TEXT_CHARS, extract_article

    outcomes: list[Outcome | None] = [None] * len(jobs)
    analysed: list[_Analysed] = []
    store: _Store | None = None
    for position, job in enumerate(jobs):
        try:
            article = extract_article(job.html, job.fetched_url, noise_selectors=job.noise_selectors,
                                      timezone=job.timezone, encoding=job.encoding, discovered_via=job.via,
                                      min_text_chars=PAYWALLED_MIN_TEXT_CHARS if job.paywalled else MIN_TEXT_CHARS)
            store = store or _store_for(job)
            item = _Analysed(position, job, article, choose_url(job.url, article.extra.get("declared_canonical")),
                             store.outlet_id(job), compress_html(job.html),
                             [store.rules_error] if store.rules_error else [], content_hash(article.text))
        except Exception as exc:  # noqa: BLE001 - reported per page by the pipeline
            outcomes[position] = exc
            continue
        _analyse(store, item)
        analysed.append(item)
    if store is not None and analysed:
        _write_all(store, analysed, outcomes)
    return [o if o is not None else RuntimeError("page not processed") for o in outcomes]


def _write_all(store: _Store, analysed: list[_Analysed], outcomes: list[Outcome | None]) -> None:
    """Store the analysed pages with their stories and matches, in one transaction.

    Articles and raw pages go in one batch, then the stories and matches of those stored;
    each step falls back to page by page should the database refuse the batch, so one
    page's trouble costs only that page (``storage.articles.store_articles``,
    ``matching.store.store_stories_and_matches``). Stories are chosen as each page is
    written (in memory), so the pages of one batch that tell the same story find each other."""
    from pipelines.matching.store import ArticleToMatch, store_stories_and_matches, story_index
    from storage.articles import NewArticle, store_articles
    from storage.db import begin_write

    session = store.session
    try:
        # the refresh reads other workers' articles: before the lock is taken
        index = story_index(session, STORY_REFRESH_SECONDS) if store.matcher is not None else None
        begin_write(session)
        results = store_articles(session, [
            NewArticle(item.article, item.url, item.outlet_id, item.job.html, item.job.fetched_url,
                       http_status=item.job.status, encoding=item.job.encoding, discovered_via=item.job.via,
                       crawl_run_id=item.job.crawl_run_id, html_zlib=item.html_zlib, content_hash=item.digest)
            for item in analysed
        ])
        fresh: list[ArticleToMatch] = []
        for item, result in zip(analysed, results, strict=True):
            if isinstance(result, Exception):
                outcomes[item.position] = result
                continue
            article = item.article
            outcomes[item.position] = PageResult(result.status, item.url, result.article_id, article.language,
                                                 item.problems)
            # an exact republication (same text as a stored article) joins its original's story
            # and carries its matches: "also published by" and nothing counted twice in digests
            if result.article_id is not None and index is not None:
                fresh.append(ArticleToMatch(
                    result.article_id, article.title or "", article.text, article.language,
                    article.published or result.fetched_at or utcnow(), result.duplicate_of, item.url, item.sig,
                    item.matches))
        if fresh and index is not None:
            try:  # never raises on odd text: such an article is kept without story; `newswatch rematch` redoes it
                store_stories_and_matches(session, fresh, store.matcher, index)
            except Exception as exc:  # noqa: BLE001 - the articles are kept
                logger.exception("matching failed for a batch of %d articles", len(fresh))
                for item in analysed:
                    outcome = outcomes[item.position]
                    if isinstance(outcome, PageResult) and outcome.article_id is not None:
                        outcome.problems.append(f"matching: {type(exc).__name__}: {exc}")
        session.commit()
    except BaseException as exc:
        session.rollback()
        for item in analysed:  # nothing of the batch is stored
            if isinstance(outcomes[item.position], PageResult) or outcomes[item.position] is None:
                outcomes[item.position] = exc if isinstance(exc, Exception) else RuntimeError(repr(exc))
        if not isinstance(exc, Exception):
            raise


def process_page(job: PageJob) -> PageResult:
    """One page through ``process_pages``: its result, or its exception raised."""
    outcome = process_pages([job])[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome
