"""Re-extraction: run today's extractor over the raw pages kept in the store.

Why the raw HTML is kept at all: a better extractor, a new noise rule or a fixed date parser
should reach the articles already stored, without crawling again (the outlet may have
changed or removed the page since). ``reextract`` reads each stored page, extracts it again
with the outlet's current options, and reports per field what changed; unless it is a dry
run it writes the new values (and the new content hash) and re-matches the articles whose
title, text or language changed, so flags follow the text.

A page that the extractor now rejects (``NotAnArticle`` / ``EmptyExtraction``) is reported,
never deleted: removing an analyst's article is a human decision.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.article import ExtractedArticle, ExtractionError
from storage.articles import content_hash, decompress_html
from storage.models import Article, Outlet, RawPage

log = logging.getLogger(__name__)

FIELDS = ("title", "text", "author", "published_at", "language", "site_name", "description")
MATCH_FIELDS = frozenset({"title", "text", "language"})
BATCH = 200

# (html, fetched_url, outlet name, http charset) -> the article, or ExtractionError raised
Extractor = Callable[[bytes, str, str, str | None], ExtractedArticle]


@dataclass
class ReextractReport:
    checked: int = 0
    changed_articles: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (id, url, reason)
    failed: list[tuple[int, str, str]] = field(default_factory=list)
    changed_fields: Counter[str] = field(default_factory=Counter)
    rematched: int = 0
    examples: dict[str, list[tuple[int, Any, Any]]] = field(default_factory=dict)  # field -> (id, old, new)

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "changed_articles": self.changed_articles,
            "changed_fields": dict(self.changed_fields),
            "rejected": [{"id": i, "url": u, "reason": r} for i, u, r in self.rejected],
            "failed": [{"id": i, "url": u, "error": e} for i, u, e in self.failed],
            "rematched": self.rematched,
        }


def _new_values(article: ExtractedArticle) -> dict[str, Any]:
    return {
        "title": article.title or "",
        "text": article.text,
        "author": article.author,
        "published_at": article.published,
        "language": article.language,
        "site_name": article.site_name,
        "description": article.description,
    }


def _same(old: Any, new: Any) -> bool:
    """Equal values; datetimes compared as instants (the store hands them back in UTC)."""
    if isinstance(old, datetime) and isinstance(new, datetime) and (old.tzinfo is None) != (new.tzinfo is None):
        return False
    return bool(old == new)


def diff_article(row: Article, article: ExtractedArticle) -> dict[str, tuple[Any, Any]]:
    """Fields whose freshly extracted value differs from the stored one: field -> (old, new)."""
    changes = {}
    for name, new in _new_values(article).items():
        old = getattr(row, name)
        if not _same(old, new):
            changes[name] = (old, new)
    return changes


def reextract(
    session: Session,
    extractor: Extractor,
    *,
    outlets: Iterable[str] = (),
    since: datetime | None = None,
    dry_run: bool = False,
    rematch: Callable[[Session, list[int]], int] | None = None,
    examples: int = 3,
) -> ReextractReport:
    """Extract every stored page again (optionally of some outlets, fetched since a moment).

    ``rematch(session, article_ids)`` re-runs topic matching over articles whose title, text
    or language changed and returns the number of match rows changed; it is not called on a
    dry run. The session is committed per batch (nothing is written on a dry run)."""
    report = ReextractReport()
    query = select(Article.id).join(RawPage, RawPage.article_id == Article.id)
    names = list(outlets)
    if names:
        query = query.join(Outlet, Outlet.id == Article.outlet_id).where(Outlet.name.in_(names))
    if since is not None:
        query = query.where(Article.fetched_at >= since)
    ids = list(session.scalars(query.order_by(Article.id)))
    for start in range(0, len(ids), BATCH):
        to_rematch: list[int] = []
        rows = session.scalars(select(Article).where(Article.id.in_(ids[start:start + BATCH])).order_by(Article.id))
        for row in rows:
            report.checked += 1
            raw = row.raw
            try:
                html = decompress_html(raw.html_zlib)
                article = extractor(html, raw.fetched_url or row.url, row.outlet.name, raw.encoding)
            except ExtractionError as exc:
                report.rejected.append((row.id, row.url, f"{exc.kind}: {exc.reason}"))
                continue
            except Exception as exc:  # noqa: BLE001 - one damaged blob must not stop the run
                report.failed.append((row.id, row.url, f"{type(exc).__name__}: {exc}"))
                continue
            changes = diff_article(row, article)
            if not changes:
                continue
            report.changed_articles += 1
            for name, (old, new) in changes.items():
                report.changed_fields[name] += 1
                shown = report.examples.setdefault(name, [])
                if len(shown) < examples:
                    shown.append((row.id, old, new))
            if dry_run:
                continue
            for name, (_old, new) in changes.items():
                setattr(row, name, new)
            if "text" in changes:
                row.content_hash = content_hash(row.text)
                row.word_count = len(row.text.split())
            if MATCH_FIELDS & changes.keys():
                to_rematch.append(row.id)
        if dry_run:
            session.rollback()
            continue
        session.flush()
        if rematch is not None and to_rematch:
            report.rematched += rematch(session, to_rematch)
        session.commit()
    return report
