"""Full-text search conditions over article titles and texts, per dialect.

Migration 0002 builds the indexes (FTS5 ``articles_fts`` on SQLite, a GIN expression
index on PostgreSQL); this module turns what an analyst typed into a condition on
``Article.id`` that uses them. User input is never passed as query syntax: it is split
into words and each word is quoted, so ``"`` or ``NEAR(`` cannot break the query.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, column, select, text

from storage.models import Article

MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)

# must be the very expression of the index in migration 0002, or PostgreSQL will not use it
PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, coalesce(articles.title, '') || ' ' || coalesce(articles.text, ''))"
)


def search_words(query: str) -> list[str]:
    """The words of ``query`` (letters, digits, underscore in any script), at most MAX_TERMS."""
    return _WORD.findall(query.replace("\x00", " "))[:MAX_TERMS]


def fts5_expression(query: str) -> str | None:
    """An FTS5 MATCH string: every word quoted, all required. None when nothing to search."""
    words = search_words(query)
    if not words:
        return None
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def article_search_condition(dialect: str, query: str, article_id: Any = None) -> ColumnElement[bool] | None:
    """A WHERE condition selecting articles whose title or text hold every word of ``query``.

    ``article_id`` is the id column the condition applies to (default ``Article.id``)."""
    article_id = Article.id if article_id is None else article_id
    words = search_words(query)
    if not words:
        return None
    if dialect == "sqlite":
        fts = fts5_expression(query)
        subquery = (
            text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :fts")
            .bindparams(fts=fts)
            .columns(column("rowid", Integer))
        )
        return article_id.in_(subquery)  # type: ignore[no-any-return]
    if dialect == "postgresql":
        return text(f"{PG_DOCUMENT} @@ plainto_tsquery('simple'::regconfig, :tsq)").bindparams(
            tsq=" ".join(words)
        )  # type: ignore[return-value]
    # any other backend: a plain (slow) substring search on every word
    clauses = [Article.title.contains(word) | Article.text.contains(word) for word in words]
    return article_id.in_(select(Article.id).where(and_(*clauses)))  # type: ignore[no-any-return]
