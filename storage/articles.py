"""Writing articles: the one place that turns an extracted article into rows.

Idempotent by construction: the canonical URL is unique, so storing the same page twice
(a rerun after a crash, two workers at once) keeps one row and reports a duplicate.
Pages are written in batches with SQLAlchemy Core (``store_articles``): the ORM's unit of
work cost several times the SQL itself, per article.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.article import ExtractedArticle
from storage.models import Article, Outlet, RawPage, utcnow

log = logging.getLogger(__name__)


def content_hash(text: str) -> str:
    """Hash of the text with case, Unicode forms and white space folded (exact duplicates).

    White space is folded with split/join, not a regex: the same string (str.split and
    a regex's \\s agree on what is white space) at a fifth of the cost on an article's text."""
    folded = " ".join(unicodedata.normalize("NFKC", text).split()).casefold()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


HTML_COMPRESSION_LEVEL = 3
"""zlib level for stored raw pages. On the real fixture pages level 3 takes half the time of
the default 6 (2.2 vs 4.4 ms a page, about an eighth of an extraction) for output 12 % larger
(21 % of the HTML instead of 19 %)."""


def compress_html(html: bytes) -> bytes:
    return zlib.compress(html, HTML_COMPRESSION_LEVEL)


def decompress_html(blob: bytes) -> bytes:
    return zlib.decompress(blob)


@dataclass(frozen=True)
class StoreResult:
    article_id: int | None
    status: str  # stored | duplicate_url | duplicate_content
    duplicate_of: int | None = None
    fetched_at: datetime | None = None  # the stored row's, for the story step (its date when unpublished)


@dataclass(frozen=True)
class NewArticle:
    """One page to store: the extracted article, the URL to store it under, and its raw page.

    ``html_zlib`` and ``content_hash`` may come computed beforehand (the crawl does it before
    it takes SQLite's write lock, which then covers the inserts only); else they are made here."""

    article: ExtractedArticle
    url: str
    outlet_id: int
    html: bytes
    fetched_url: str
    http_status: int = 200
    encoding: str | None = None
    discovered_via: str = ""
    crawl_run_id: int | None = None
    fetched_at: datetime | None = None
    html_zlib: bytes | None = None
    content_hash: str | None = None


def ensure_outlet(session: Session, name: str, country: str = "", homepage: str = "",
                  languages: list[str] | None = None) -> int:
    """Id of the outlet row, creating (or refreshing) it from the config record."""
    row = session.scalar(select(Outlet).where(Outlet.name == name))
    if row is None:
        try:
            with session.begin_nested():  # added inside the savepoint: a failed insert leaves nothing pending
                row = Outlet(name=name, country=country, homepage=homepage, languages=languages or [])
                session.add(row)
        except IntegrityError:  # created meanwhile by another worker
            row = session.scalar(select(Outlet).where(Outlet.name == name))
            assert row is not None
    elif homepage and (row.homepage != homepage or row.country != country):
        row.homepage, row.country, row.languages = homepage, country, languages or row.languages
    return row.id


@dataclass(frozen=True)
class Claim:
    """How a page whose URL is stored already is settled (``settle_claim``)."""

    store_as: str | None  # the URL to store the page under; None: it is a duplicate
    move_taken_to: str | None = None  # first give the stored page this URL (its own) back


def settle_claim(url: str, fetched_url: str, digest: str, taken_hash: str, taken_fetched: str | None,
                 free: Callable[[str], bool]) -> Claim:
    """``url`` is stored already (text hash ``taken_hash``, fetched from ``taken_fetched``):
    where this page goes, if anywhere. ``free(url)`` says whether no article holds a URL.

    A page's declared canonical is a claim, and outlet pages are hostile: one page may name
    another article's URL. Only the same text makes it the same article. Otherwise the page
    that claimed a URL it was not fetched from keeps (or gets back) its own address, and the
    URL's own page is stored under it."""
    from common.urls import canonicalize

    if taken_hash == digest:
        return Claim(None)  # the same text: one article under two addresses
    own = canonicalize(fetched_url) if fetched_url else url
    taken_own = canonicalize(taken_fetched) if taken_fetched else url
    if own != url:  # this page claims a URL that another page holds: it stays at its own address
        return Claim(own if free(own) else None)
    if taken_own != url and free(taken_own):  # the stored page only claimed this URL: it gets its own back
        return Claim(url, move_taken_to=taken_own)
    return Claim(None)


_ARTICLES = Article.__table__
_RAW_PAGES = RawPage.__table__
# Core statements built once: they run for every page a crawl stores (the ORM's unit of work
# cost more than the SQL itself, several ms an article)
_TAKEN = (
    select(_ARTICLES.c.id, _ARTICLES.c.url, _ARTICLES.c.content_hash, _RAW_PAGES.c.fetched_url)
    .select_from(_ARTICLES.outerjoin(_RAW_PAGES, _RAW_PAGES.c.article_id == _ARTICLES.c.id))
    .where(_ARTICLES.c.url.in_(bindparam("urls", expanding=True)))
)
_URL_HELD = select(_ARTICLES.c.id).where(_ARTICLES.c.url == bindparam("url")).limit(1)
_ORIGINALS = (
    select(_ARTICLES.c.content_hash, func.min(_ARTICLES.c.id))
    .where(_ARTICLES.c.content_hash.in_(bindparam("digests", expanding=True)), _ARTICLES.c.duplicate_of_id.is_(None))
    .group_by(_ARTICLES.c.content_hash)
)
_MOVE = update(_ARTICLES).where(_ARTICLES.c.id == bindparam("b_id")).values(url=bindparam("b_url"))
_SET_ORIGINAL = (
    update(_ARTICLES).where(_ARTICLES.c.id == bindparam("b_id")).values(duplicate_of_id=bindparam("b_original"))
)
_INSERT_ARTICLES = insert(_ARTICLES).returning(_ARTICLES.c.id, sort_by_parameter_order=True)
_INSERT_RAW_PAGES = insert(_RAW_PAGES)


@dataclass
class _Holder:
    """What the claim needs of the article holding a URL: stored, or pending in this batch."""

    article_id: int | None
    content_hash: str
    fetched_url: str | None
    pending: int | None = None  # its row in this batch's insert


def store_articles(session: Session, items: Sequence[NewArticle]) -> list[StoreResult | Exception]:
    """Insert several articles and their raw pages, inside the session's transaction; one
    result per item, in order: duplicates are reported, a page that cannot be stored gets
    the exception that kept it out.

    The batch is written with a few Core statements (one multi-row insert of the articles,
    one of the raw pages) in a savepoint, each page judged as if the ones before it were
    stored (same URL, same text, canonical claims: ``settle_claim``). Should that fail (a
    page the database refuses, a row another worker committed meanwhile), the savepoint is
    rolled back and each page is written alone in its own savepoint, so one bad page costs
    only itself. On SQLite the caller must hold the write lock (``storage.db.begin_write``):
    a savepoint that opens the transaction cannot wait for the lock."""
    if not items:
        return []
    session.flush()  # rows the ORM holds (an outlet just created) go first: the articles refer to them
    try:
        with session.begin_nested():
            return list(_store_batch(session, items))
    except Exception as exc:  # noqa: BLE001 - found out page by page below
        log.info("storing %d pages one by one: the batch failed (%s: %s)", len(items), type(exc).__name__,
                 str(exc).splitlines()[0] if str(exc) else "")
    results: list[StoreResult | Exception] = []
    for item in items:
        try:
            with session.begin_nested():
                results.append(_store_batch(session, [item])[0])
        except IntegrityError:  # stored meanwhile by another worker
            results.append(StoreResult(None, "duplicate_url"))
        except Exception as exc:  # noqa: BLE001 - this page's outcome; the others go on
            results.append(exc)
    return results


def _store_batch(session: Session, items: Sequence[NewArticle]) -> list[StoreResult]:
    connection = session.connection()
    digests = [item.content_hash or content_hash(item.article.text) for item in items]
    holders: dict[str, _Holder] = {
        url: _Holder(article_id, digest, fetched)
        for article_id, url, digest, fetched in connection.execute(_TAKEN, {"urls": sorted({i.url for i in items})})
    }
    stored_originals: dict[str, int] = dict(connection.execute(_ORIGINALS, {"digests": sorted(set(digests))}).all())
    free_urls: set[str] = set()

    def free(candidate: str) -> bool:
        if candidate in holders:
            return False
        if candidate not in free_urls:
            if connection.execute(_URL_HELD, {"url": candidate}).first() is not None:
                return False
            free_urls.add(candidate)
        return True

    rows: list[dict[str, Any]] = []
    raw_pages: list[dict[str, Any]] = []
    pending_originals: dict[str, int] = {}  # content hash -> row of this batch (not itself a copy)
    copies_of_pending: dict[int, int] = {}  # row -> row of its original, both in this batch
    outcome: list[tuple[int | None, int | None]] = []  # per item: (row, stored original id)
    for item, digest in zip(items, digests, strict=True):
        url = item.url
        holder = holders.get(url)
        if holder is not None:
            claim = settle_claim(url, item.fetched_url, digest, holder.content_hash, holder.fetched_url, free)
            if claim.store_as is None:
                outcome.append((None, None))
                continue
            if claim.move_taken_to is not None:
                _move(session, holder, claim.move_taken_to, rows)
                holders[claim.move_taken_to] = holders.pop(url)
            url = claim.store_as
        position = len(rows)
        original = stored_originals.get(digest)
        if original is None:
            if digest in pending_originals:
                copies_of_pending[position] = pending_originals[digest]
            else:
                pending_originals[digest] = position
        article = item.article
        rows.append({
            "url": url, "outlet_id": item.outlet_id, "title": article.title or "", "text": article.text,
            "author": article.author, "published_at": article.published, "language": article.language,
            "language_confidence": article.language_confidence, "site_name": article.site_name,
            "description": article.description, "content_hash": digest, "duplicate_of_id": original,
            "story_id": None, "minhash": None, "word_count": len(article.text.split()),
            "discovered_via": item.discovered_via, "fetched_at": item.fetched_at or utcnow(),
            "crawl_run_id": item.crawl_run_id,
        })
        raw_pages.append({
            "fetched_url": item.fetched_url, "http_status": item.http_status, "encoding": item.encoding,
            "html_zlib": item.html_zlib if item.html_zlib is not None else compress_html(item.html),
            "size_bytes": len(item.html),
        })
        holders[url] = _Holder(None, digest, item.fetched_url, pending=position)
        outcome.append((position, original))
    ids: list[int] = []
    if rows:
        ids = [row_id for (row_id,) in connection.execute(_INSERT_ARTICLES, rows)]
        for position, page in enumerate(raw_pages):
            page["article_id"] = ids[position]
        connection.execute(_INSERT_RAW_PAGES, raw_pages)
        if copies_of_pending:  # an exact copy of a page stored just before it, in this batch
            connection.execute(_SET_ORIGINAL, [{"b_id": ids[copy], "b_original": ids[first]}
                                               for copy, first in copies_of_pending.items()])
    results = []
    for position, original in outcome:
        if position is None:
            results.append(StoreResult(None, "duplicate_url"))
            continue
        if position in copies_of_pending:
            original = ids[copies_of_pending[position]]
        status = "stored" if original is None else "duplicate_content"
        results.append(StoreResult(ids[position], status, original, rows[position]["fetched_at"]))
    return results


def _move(session: Session, holder: _Holder, url: str, rows: list[dict[str, Any]]) -> None:
    """Give the article holding a URL another one (its own, after a false canonical claim)."""
    if holder.pending is not None:
        rows[holder.pending]["url"] = url
        return
    session.connection().execute(_MOVE, {"b_id": holder.article_id, "b_url": url})
    loaded = session.identity_map.get(session.identity_key(Article, holder.article_id))
    if loaded is not None:  # a row this session read earlier: read it again when next used
        session.expire(loaded, ["url"])


def store_article(
    session: Session,
    article: ExtractedArticle,
    *,
    url: str,
    outlet_id: int,
    html: bytes,
    fetched_url: str,
    http_status: int = 200,
    encoding: str | None = None,
    discovered_via: str = "",
    crawl_run_id: int | None = None,
    fetched_at: datetime | None = None,
    html_zlib: bytes | None = None,
    commit: bool = True,
) -> StoreResult:
    """Insert one article and its raw page (``store_articles`` with one page); duplicates are
    reported, not raised.

    With ``commit=False`` the rows are only written in a savepoint, so the caller can add the
    article's story and matches, and other articles, and commit everything at once. On
    SQLite the caller must then hold the write lock already (``storage.db.begin_write``)."""
    from storage.db import begin_write

    item = NewArticle(article, url, outlet_id, html, fetched_url, http_status, encoding, discovered_via,
                      crawl_run_id, fetched_at, html_zlib)
    if commit:
        begin_write(session)  # SQLite: wait for the write lock now, not fail in the savepoint
    result = store_articles(session, [item])[0]
    if isinstance(result, Exception):
        if commit:
            session.rollback()
        raise result
    if commit:
        session.commit()
    return result


@dataclass(frozen=True)
class Publication:
    """Another outlet's (or the same outlet's) article in an article's story."""

    article_id: int
    outlet: str
    url: str
    title: str
    language: str | None
    published_at: datetime | None
    copy: bool  # an exact republication of the same text (content hash), not a retelling


def also_published_by(session: Session, article_id: int, limit: int = 50) -> list[Publication]:
    """The other articles of ``article_id``'s story, earliest first: who else told it.

    Exact copies (same content hash: wire copies, aggregators) are flagged ``copy``. An
    article without a story yet has no others. For the dashboard's "also published by"."""
    row = session.execute(select(Article.story_id, Article.content_hash).where(Article.id == article_id)).first()
    if row is None or row.story_id is None:
        return []
    query = (
        select(Article.id, Outlet.name, Article.url, Article.title, Article.language, Article.published_at,
               Article.fetched_at, Article.content_hash)
        .join(Outlet, Article.outlet_id == Outlet.id)
        .where(Article.story_id == row.story_id, Article.id != article_id)
        .order_by(Article.published_at.is_(None), Article.published_at, Article.id)
        .limit(limit)
    )
    return [
        Publication(a_id, outlet, url, title or "", language, published or fetched, digest == row.content_hash)
        for a_id, outlet, url, title, language, published, fetched, digest in session.execute(query)
    ]
