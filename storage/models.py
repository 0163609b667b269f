"""SQLAlchemy 2 models: the one schema every part of newswatch reads and writes.

Sections, each owned by one part of the pipeline:
- crawl store (backbone): outlets, articles, raw pages, crawl runs and their errors;
- matching (filter): stories and matches;
- alerts: deliveries and the stories each delivered;
- dashboard: analyst feedback on matches, the triage state of articles.

Migrations live in ``storage/migrations``; ``tests/test_migrations.py`` fails when these
models and the migrations drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime}


# --------------------------------------------------------------------- crawl store
class Outlet(Base):
    """An outlet from config/sources.yaml, mirrored so rows can refer to it."""

    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str] = mapped_column(String(8), default="")
    homepage: Mapped[str] = mapped_column(String(2000), default="")
    languages: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlRun(Base):
    """One ``newswatch crawl``: when, with which arguments, and Scrapy's stats."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|finished|failed
    finish_reason: Mapped[str | None] = mapped_column(String(100), default=None)
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # per outlet: {"Le360": {"articles": 12, "errors": 1, "empty": 0, "pages": 40, "last_error": "..."}}
    outlet_stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CrawlError(Base):
    """One clear record per thing that went wrong in a run (HTTP error, broken feed, ...)."""

    __tablename__ = "crawl_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True)
    outlet: Mapped[str] = mapped_column(String(200), default="", index=True)
    url: Mapped[str] = mapped_column(String(2000), default="")
    kind: Mapped[str] = mapped_column(String(50))  # http_404, timeout, feed_parse, too_large, binary, ...
    message: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class DiscoveredSource(Base):
    """A feed or sitemap found by probing the usual locations of an outlet (``/feed``,
    ``/sitemap.xml``, ...): reused by the next crawls, re-probed once it stops answering."""

    __tablename__ = "discovered_sources"
    __table_args__ = (UniqueConstraint("outlet", "url", name="uq_discovered_sources_outlet_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # feed|sitemap
    url: Mapped[str] = mapped_column(String(2000))
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_ok_at: Mapped[datetime] = mapped_column(default=utcnow)
    failed_at: Mapped[datetime | None] = mapped_column(default=None)  # set while it no longer answers


class Article(Base):
    """An extracted article. ``url`` is the canonical URL and is unique."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_outlet_published", "outlet_id", "published_at"),
        Index("ix_articles_fetched_at", "fetched_at"),
        # covering index of the dashboard's match list: SQLite must otherwise read past the
        # long ``text`` (overflow pages) of every matched article to reach its dates
        Index("ix_articles_list", "id", "published_at", "fetched_at", "outlet_id", "language", "story_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(500), default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    language: Mapped[str | None] = mapped_column(String(8), default=None, index=True)
    language_confidence: Mapped[float | None] = mapped_column(Float, default=None)
    site_name: Mapped[str | None] = mapped_column(String(300), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), default=None)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), default=None, index=True)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    discovered_via: Mapped[str] = mapped_column(String(20), default="")  # feed|sitemap|section|manual
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), default=None)

    outlet: Mapped[Outlet] = relationship()
    raw: Mapped[RawPage | None] = relationship(back_populates="article", uselist=False)
    matches: Mapped[list[Match]] = relationship(back_populates="article")


class RawPage(Base):
    """The fetched HTML, zlib-compressed, kept so articles can be re-extracted later."""

    __tablename__ = "raw_pages"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    fetched_url: Mapped[str] = mapped_column(String(2000), default="")
    http_status: Mapped[int] = mapped_column(Integer, default=200)
    encoding: Mapped[str | None] = mapped_column(String(40), default=None)
    html_zlib: Mapped[bytes] = mapped_column(LargeBinary)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)

    article: Mapped[Article] = relationship(back_populates="raw")


# ------------------------------------------------------------------------ matching
class Story(Base):
    """One event told by one or more articles (near-duplicates grouped by MinHash/LSH)."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    article_count: Mapped[int] = mapped_column(Integer, default=1)


class Match(Base):
    """An article flagged for a topic, with its score and why (``reasons``)."""

    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("article_id", "topic", name="uq_matches_article_topic"),
        Index("ix_matches_topic_score", "topic", "score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float)
    rules_version: Mapped[str] = mapped_column(String(64))
    # {"terms": [{"term", "group", "lang", "field", "start", "end"}...], "entities": [...],
    #  "snippets": [{"text", "start", "end"}], "rules": [...]}
    reasons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    matched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    article: Mapped[Article] = relationship(back_populates="matches")


# -------------------------------------------------------------------------- alerts
class Delivery(Base):
    """One message to one subscription: pending -> sent | failed (retried later)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="digest")  # digest|immediate|health
    channel: Mapped[str] = mapped_column(String(20))  # email|slack|outbox
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)


class DeliveredStory(Base):
    """A story is delivered at most once per subscription: the unique key enforces it."""

    __tablename__ = "delivered_stories"
    __table_args__ = (UniqueConstraint("subscription", "story_id", name="uq_delivered_subscription_story"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    subscription: Mapped[str] = mapped_column(String(200))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"))


# ----------------------------------------------------------------------- dashboard
class Feedback(Base):
    """An analyst's verdict on a match (relevant / not relevant), for tuning rules."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))  # relevant|not_relevant
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Triage(Base):
    """Where an analyst's triage of an article stands (new -> relevant | not_relevant | done),
    who set it and when. No row means "new": most articles are never touched."""

    __tablename__ = "triage"
    __table_args__ = (Index("ix_triage_state", "state", "article_id"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default="new")  # new|relevant|not_relevant|done
    by: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
# ---------------------------------------------------------------------- watch mode
class HttpValidator(Base):
    """A feed's or sitemap's HTTP validators (ETag, Last-Modified) and body digest, so
    ``newswatch watch`` polls with conditional GETs, across restarts (crawler/conditional.py)."""

    __tablename__ = "http_validators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    etag: Mapped[str | None] = mapped_column(String(500), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(100), default=None)
    body_sha1: Mapped[str | None] = mapped_column(String(40), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
