"""The database side of the match stage: stories and Match rows for stored articles.

``process_new_articles`` is what the crawl pipeline calls after storing articles: it puts
each article in a story (near-duplicate / same event in the last 7 days, else a new one)
and writes one Match row per matched topic (unique (article_id, topic): re-running changes
nothing; a rule change updates or removes rows). Odd text never raises: that article is
logged in one line and skipped. ``rematch`` re-runs changed rules over stored articles;
``iter_match_rows`` feeds ``newswatch export matches``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session

from pipelines.matching.engine import Matcher, TopicMatch
from pipelines.matching.stories import WINDOW, Signature, StoryIndex, signature
from storage.models import Article, Match, Outlet, Story, utcnow

log = logging.getLogger(__name__)

BATCH = 200


REFRESH_SECONDS = 5.0
"""How stale this process's story index may get before it reads other processes' new articles
(its own are added as they are stored); a crawl stores dozens of articles a second."""


@dataclass
class _IndexState:
    index: StoryIndex
    last_id: int = 0
    refreshed_at: float = float("-inf")
    evicted_at: float = float("-inf")


LOOKBACK_IDS = 32
"""On PostgreSQL each refresh also re-reads this many ids below the highest seen: two workers'
ids can commit out of order, and an article committed late must still join the index.
(SQLite has one writer at a time, so its ids commit in order.)"""

EVICT_SECONDS = 60.0

_NEW_SIGNATURES = (
    select(Article.id, Article.story_id, Article.minhash, Article.published_at, Article.fetched_at)
    .where(Article.id > bindparam("after"), Article.minhash.is_not(None), Article.story_id.is_not(None))
    .where(Article.fetched_at >= bindparam("horizon"))
    .order_by(Article.id)
)


_INDEXES: dict[str, _IndexState] = {}


def reset_story_indexes() -> None:
    """Forget in-memory LSH state (tests; or after bulk changes to stories)."""
    _INDEXES.clear()


def _when(article: Article) -> datetime:
    when = article.published_at or article.fetched_at or utcnow()
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def story_index(session: Session, refresh_seconds: float = REFRESH_SECONDS) -> StoryIndex:
    """This process's index for the session's database, topped up from stored signatures when
    it is more than ``refresh_seconds`` old (the crawl's page processes ask for fresher)."""
    bind = session.get_bind()
    key = bind.engine.url.render_as_string(hide_password=True) if hasattr(bind, "engine") else str(id(bind))
    state = _INDEXES.get(key)
    if state is None:
        state = _INDEXES[key] = _IndexState(StoryIndex())
    if time.monotonic() - state.refreshed_at < refresh_seconds:
        return state.index
    state.refreshed_at = time.monotonic()
    horizon = utcnow() - WINDOW
    # Core, not ORM: this runs before every article a crawl stores
    connection = session.connection()
    lookback = 0 if connection.dialect.name == "sqlite" else LOOKBACK_IDS
    rows = connection.execute(_NEW_SIGNATURES, {"after": max(0, state.last_id - lookback), "horizon": horizon}).all()
    for art_id, story_id, blob, published, fetched in rows:
        state.last_id = max(state.last_id, art_id)
        if blob is None or story_id is None or art_id in state.index:
            continue  # this process's own articles are already in (added as they were stored)
        try:
            sig = Signature.from_bytes(blob)
        except ValueError as exc:
            log.warning("article %s: unreadable story signature (%s); ignored", art_id, exc)
            continue
        state.index.add(art_id, sig, story_id, published or fetched)
    if time.monotonic() - state.evicted_at >= EVICT_SECONDS:
        state.evicted_at = time.monotonic()
        state.index.evict_before(horizon - WINDOW)
    return state.index


def assign_story(
    session: Session, article: Article, index: StoryIndex, sig: Signature | None = None
) -> tuple[Story, Signature]:
    """Put ``article`` in the story of its closest recent article, or start a new story.

    ``sig`` may come precomputed: the crawl computes it in its extraction processes before
    it opens the write transaction, so the database stays locked (SQLite: the whole file)
    for the inserts, not the analysis. The caller adds the article to ``index`` once the
    database work is committed."""
    if sig is None:
        sig = signature(article.title or "", article.text or "", article.language)
    when = _when(article)
    story = None
    candidates = index.candidates(sig, when, exclude=article.id)[:5]
    if article.duplicate_of_id is not None:
        # an exact republication (same content hash): its original's story, whatever its age
        original_story = session.scalar(select(Article.story_id).where(Article.id == article.duplicate_of_id))
        if original_story is not None:
            story = session.get(Story, original_story)
            candidates = []
    if candidates:
        # the index is per process: check the database still agrees (another process, a
        # rolled-back transaction or a recreated database may have changed things) — one query
        stored = {
            key: (story_id, blob)
            for key, story_id, blob in session.execute(
                select(Article.id, Article.story_id, Article.minhash).where(Article.id.in_([c[0] for c in candidates]))
            )
        }
        for key, story_id, _ in candidates:
            known = index.signature_of(key)
            row = stored.get(key)
            if row is not None and known is not None and row[0] == story_id and row[1] == known.to_bytes():
                story = session.get(Story, story_id)
                if story is not None:
                    break
            index.remove(key)
    if story is None:
        story = Story(title=(article.title or article.text[:200]).strip()[:1000], first_seen=when, last_seen=when, article_count=0)
        session.add(story)
        session.flush()
    story.article_count = (story.article_count or 0) + 1
    if when < story.first_seen:
        story.first_seen = when
    if when > story.last_seen:
        story.last_seen = when
    article.story_id = story.id
    article.minhash = sig.to_bytes()
    return story, sig


def save_matches(
    session: Session, article: Article, matches: list[TopicMatch], topics: Iterable[str], fresh: bool = False
) -> int:
    """Make the article's Match rows for ``topics`` equal ``matches`` (insert/update/delete).

    ``fresh``: the article was inserted in this transaction, so it has no rows to compare with."""
    topics = set(topics)
    wanted = {m.topic: m for m in matches if m.topic in topics}
    existing: dict[str, Match] = {}
    if not fresh:
        existing = {
            m.topic: m
            for m in session.scalars(select(Match).where(Match.article_id == article.id, Match.topic.in_(topics)))
        }
    changed = 0
    for topic, row in existing.items():
        if topic not in wanted:
            session.delete(row)
            changed += 1
    for topic, m in wanted.items():
        current = existing.get(topic)
        if current is None:
            session.add(Match(article_id=article.id, topic=topic, score=m.score, rules_version=m.rules_version, reasons=m.reasons))
            changed += 1
        elif (current.score, current.rules_version, current.reasons) != (m.score, m.rules_version, m.reasons):
            current.score, current.rules_version, current.reasons = m.score, m.rules_version, m.reasons
            current.matched_at = utcnow()
            changed += 1
    return changed


def _match_article(article: Article, matcher: Matcher) -> list[TopicMatch]:
    return matcher.match(article.title or "", article.text or "", article.language)


def carried_matches(session: Session, article: Article, matcher: Matcher) -> list[TopicMatch] | None:
    """The matches an exact republication carries from its original: the original's Match rows,
    when they were made with the current rules of every topic (else None: match it afresh).

    A copy says what its original says; carrying the rows keeps one verdict per text (an
    aggregator's headline wording cannot flag or unflag it) and costs no scan. Digests group
    by story, and the copy is in its original's story, so nothing is sent twice."""
    if article.duplicate_of_id is None:
        return None
    topics = matcher.topic_names
    rows = list(session.scalars(select(Match).where(Match.article_id == article.duplicate_of_id, Match.topic.in_(topics))))
    if any(row.rules_version != matcher.version_of(row.topic) for row in rows):
        return None
    original = session.get(Article, article.duplicate_of_id)
    if original is None or (not rows and original.story_id is None):
        return None  # never processed: nothing to carry
    return [TopicMatch(row.topic, row.score, row.rules_version, dict(row.reasons or {})) for row in rows]


@dataclass
class Prepared:
    """What the crawl's extraction processes computed for one article before storing it."""

    sig: Signature | None = None
    matches: list[TopicMatch] | None = None


Precomputed = dict[int, Prepared]


def process_new_articles(
    session: Session,
    article_ids: list[int],
    matcher: Matcher,
    precomputed: Precomputed | None = None,
    fresh: bool = False,
) -> None:
    """Stories + matches for freshly stored articles. Never raises on an odd article.

    ``precomputed`` maps an article id to its signature and matches when they
    were computed elsewhere (the crawl's extraction processes); missing parts are computed here.
    ``fresh``: the articles were inserted by this session's open transaction (no story, no
    Match rows yet), so they are taken from the session and nothing is compared."""
    if not article_ids:
        return
    index = story_index(session)
    topics = matcher.topic_names
    for start in range(0, len(article_ids), BATCH):
        chunk = article_ids[start : start + BATCH]
        if fresh:
            articles = [a for a in (session.get(Article, i) for i in chunk) if a is not None]
        else:
            articles = list(session.scalars(select(Article).where(Article.id.in_(chunk)).order_by(Article.id)))
        for article in articles:
            prepared = (precomputed or {}).get(article.id) or Prepared()
            sig, matches = prepared.sig, prepared.matches
            try:
                storied = None
                with session.begin_nested():
                    if article.story_id is None:
                        storied = assign_story(session, article, index, sig=sig)
                    carried = carried_matches(session, article, matcher)
                    if carried is not None:
                        matches = carried
                    if matches is None:
                        matches = _match_article(article, matcher)
                    save_matches(session, article, matches, topics, fresh=fresh)
                if storied is not None:  # only once the savepoint holds: no ghost entries
                    index.add(article.id, storied[1], storied[0].id, _when(article))
            except Exception as exc:  # noqa: BLE001 - one bad article must not stop the crawl
                log.error("match: article %s (%s) skipped: %s: %s", article.id, article.url, type(exc).__name__, exc)
        session.flush()


@dataclass
class Fresh:
    """An article this transaction has just inserted, with what its story and matches need.

    ``sig`` and ``matches`` may come precomputed (the crawl computes them in its extraction
    processes before the write transaction opens); missing ones are computed here."""

    article_id: int
    title: str
    text: str
    language: str | None
    when: datetime  # published, else fetched: where it sits in the story window
    duplicate_of_id: int | None = None
    url: str = ""
    sig: Signature | None = None
    matches: list[TopicMatch] | None = None


_ARTICLES = Article.__table__
_STORIES = Story.__table__
_MATCHES = Match.__table__
_STORY_CHECK = select(_ARTICLES.c.id, _ARTICLES.c.story_id, _ARTICLES.c.minhash).where(
    _ARTICLES.c.id.in_(bindparam("ids", expanding=True)))
_STORY_OF = select(_ARTICLES.c.story_id).where(_ARTICLES.c.id == bindparam("b_id"))
_MATCH_ROWS_OF = select(_MATCHES.c.topic, _MATCHES.c.score, _MATCHES.c.rules_version, _MATCHES.c.reasons).where(
    _MATCHES.c.article_id == bindparam("b_id"), _MATCHES.c.topic.in_(bindparam("topics", expanding=True)))
_NEW_STORY = insert(_STORIES).returning(_STORIES.c.id)
_SET_STORY = update(_ARTICLES).where(_ARTICLES.c.id == bindparam("b_id")).values(
    story_id=bindparam("b_story"), minhash=bindparam("b_minhash"))
_first = bindparam("b_first", type_=_STORIES.c.first_seen.type)
_last = bindparam("b_last", type_=_STORIES.c.last_seen.type)
_GROW_STORY = update(_STORIES).where(_STORIES.c.id == bindparam("b_id")).values(
    article_count=func.coalesce(_STORIES.c.article_count, 0) + bindparam("b_added"),
    first_seen=case((_STORIES.c.first_seen > _first, _first), else_=_STORIES.c.first_seen),
    last_seen=case((_STORIES.c.last_seen < _last, _last), else_=_STORIES.c.last_seen),
)
_INSERT_MATCHES = insert(_MATCHES)


def store_stories_and_matches(session: Session, fresh: list[Fresh], matcher: Matcher, index: StoryIndex) -> None:
    """Stories and Match rows for articles this transaction has just inserted, as
    ``process_new_articles`` makes them, in a few Core statements for the whole batch.
    Never raises on an odd article: it is logged and left without story or matches
    (``newswatch rematch`` redoes it).

    Each article is judged after the ones before it (a page finds the story an earlier page
    of the batch started). The batch runs in a savepoint; should the database refuse it,
    each article is written alone in its own savepoint instead. Articles join ``index`` as
    they get their story (taken out again if their savepoint is rolled back)."""
    if not fresh:
        return
    for item in fresh:  # the analysis, outside any savepoint: its trouble is the article's own
        try:
            if item.sig is None:
                item.sig = signature(item.title, item.text, item.language)
            if item.matches is None and item.duplicate_of_id is None:  # a copy may carry its original's
                item.matches = matcher.match(item.title, item.text, item.language)
        except Exception as exc:  # noqa: BLE001
            _skipped(item, exc)
            item.sig = None
    ready = [item for item in fresh if item.sig is not None]
    try:
        with session.begin_nested():
            _StoryWriter(session, matcher, index).write(ready)
        return
    except Exception as exc:  # noqa: BLE001 - found out article by article below
        log.info("stories of %d articles written one by one: the batch failed (%s)", len(ready), type(exc).__name__)
    for item in ready:
        try:
            with session.begin_nested():
                _StoryWriter(session, matcher, index).write([item])
        except Exception as exc:  # noqa: BLE001 - one bad article must not stop the crawl
            _skipped(item, exc)


def _skipped(item: Fresh, exc: Exception) -> None:
    log.error("match: article %s (%s) skipped: %s: %s", item.article_id, item.url, type(exc).__name__, exc)


class _StoryWriter:
    """One savepoint's story and match writes: the batch's choices in memory, then a few statements."""

    def __init__(self, session: Session, matcher: Matcher, index: StoryIndex) -> None:
        self.connection = session.connection()
        self.session, self.matcher, self.index = session, matcher, index
        self.topics = matcher.topic_names
        self.story_of: dict[int, int] = {}  # article of this batch -> its story
        self.minhash_of: dict[int, bytes] = {}
        self.rows_of: dict[int, list[TopicMatch]] = {}  # article of this batch -> its Match rows

    def write(self, items: list[Fresh]) -> None:
        added: list[int] = []
        try:
            self._write(items, added)
        except BaseException:
            for key in added:  # the savepoint is rolled back: no ghost entries in the index
                self.index.remove(key)
            raise

    def _write(self, items: list[Fresh], added: list[int]) -> None:
        now = utcnow()
        grown: dict[int, list[Any]] = {}  # story -> [articles added, earliest, latest]
        articles: list[dict[str, Any]] = []
        matches: list[dict[str, Any]] = []
        for item in items:
            assert item.sig is not None
            original_story, carried = self._original(item)
            found = item.matches if carried is None else carried
            if found is None:  # a copy whose original's rows are stale or missing: its own matches
                try:
                    found = self.matcher.match(item.title, item.text, item.language)
                except Exception as exc:  # noqa: BLE001
                    _skipped(item, exc)
                    continue
            wanted = {m.topic: m for m in found if m.topic in self.topics}
            when = item.when if item.when.tzinfo else item.when.replace(tzinfo=UTC)
            story_id = original_story if original_story is not None else self._closest(item.sig, when, item.article_id)
            if story_id is None:
                title = (item.title or item.text[:200]).strip()[:1000]
                story_id = self.connection.execute(
                    _NEW_STORY, {"title": title, "first_seen": when, "last_seen": when, "article_count": 1}).scalar_one()
            else:
                counts = grown.setdefault(story_id, [0, when, when])
                counts[0] += 1
                counts[1], counts[2] = min(counts[1], when), max(counts[2], when)
            minhash = item.sig.to_bytes()
            articles.append({"b_id": item.article_id, "b_story": story_id, "b_minhash": minhash})
            matches.extend({"article_id": item.article_id, "topic": m.topic, "score": m.score,
                            "rules_version": m.rules_version, "reasons": m.reasons, "matched_at": now}
                           for m in wanted.values())
            self.story_of[item.article_id], self.minhash_of[item.article_id] = story_id, minhash
            self.rows_of[item.article_id] = list(wanted.values())
            self.index.add(item.article_id, item.sig, story_id, when)
            added.append(item.article_id)
        if articles:
            self.connection.execute(_SET_STORY, articles)
        if grown:
            self.connection.execute(_GROW_STORY, [{"b_id": story, "b_added": n, "b_first": first, "b_last": last}
                                                  for story, (n, first, last) in grown.items()])
            for story in grown:  # a Story this session loaded earlier is read again when next used
                loaded = self.session.identity_map.get(self.session.identity_key(Story, story))
                if loaded is not None:
                    self.session.expire(loaded)
        if matches:
            self.connection.execute(_INSERT_MATCHES, matches)

    def _original(self, item: Fresh) -> tuple[int | None, list[TopicMatch] | None]:
        """An exact copy's original: its story (the copy joins it, whatever its age) and the
        matches the copy carries (``carried_matches``: None when they must be made afresh)."""
        original = item.duplicate_of_id
        if original is None:
            return None, None
        if original in self.rows_of:  # stored earlier in this batch
            story, rows = self.story_of.get(original), self.rows_of[original]
        else:
            story_row = self.connection.execute(_STORY_OF, {"b_id": original}).first()
            if story_row is None:
                return None, None
            story = story_row[0]
            rows = [TopicMatch(topic, score, version, dict(reasons or {})) for topic, score, version, reasons
                    in self.connection.execute(_MATCH_ROWS_OF, {"b_id": original, "topics": self.topics})]
        if any(row.rules_version != self.matcher.version_of(row.topic) for row in rows):
            return story, None
        if not rows and story is None:
            return None, None  # never processed: nothing to carry
        return story, rows

    def _closest(self, sig: Signature, when: datetime, article_id: int) -> int | None:
        """The story of the closest recent article, as ``assign_story`` finds it, or None."""
        candidates = self.index.candidates(sig, when, exclude=article_id)[:5]
        if not candidates:
            return None
        # the index is per process: check the database still agrees (another process, a
        # rolled-back transaction or a recreated database may have changed things) — one query
        stored = {key: (self.story_of[key], self.minhash_of[key]) for key, _, _ in candidates if key in self.story_of}
        unknown = [key for key, _, _ in candidates if key not in stored]
        if unknown:
            stored.update((key, (story, blob)) for key, story, blob
                          in self.connection.execute(_STORY_CHECK, {"ids": unknown}))
        for key, story_id, _ in candidates:
            known = self.index.signature_of(key)
            row = stored.get(key)
            if row is not None and known is not None and row[0] == story_id and row[1] == known.to_bytes():
                return story_id
            self.index.remove(key)
        return None


@dataclass
class RematchStats:
    checked: int = 0
    changed: int = 0
    failed: int = 0


def rematch(
    session: Session,
    matcher: Matcher,
    since: datetime | None = None,
    all_articles: bool = False,
    batch: int = BATCH,
) -> RematchStats:
    """Re-run ``matcher``'s topics over stored articles.

    Default: articles holding a Match row made with another rules version of one of these
    topics. ``all_articles``: every article (a rule that now finds more needs this).
    ``since`` limits either to articles fetched (or published) since then.
    """
    topics = matcher.topic_names
    query = select(Article.id)
    if since is not None:
        query = query.where((Article.fetched_at >= since) | (Article.published_at >= since))
    if not all_articles:
        stale = [
            (Match.topic == t) & (Match.rules_version != matcher.version_of(t)) for t in topics
        ]
        cond = stale[0]
        for c in stale[1:]:
            cond = cond | c
        query = query.where(Article.id.in_(select(Match.article_id).where(cond)))
    ids = list(session.scalars(query.order_by(Article.id)))
    stats = RematchStats()
    for start in range(0, len(ids), batch):
        for article in session.scalars(select(Article).where(Article.id.in_(ids[start : start + batch])).order_by(Article.id)):
            stats.checked += 1
            try:
                with session.begin_nested():
                    stats.changed += save_matches(session, article, _match_article(article, matcher), topics)
            except Exception as exc:  # noqa: BLE001
                stats.failed += 1
                log.error("rematch: article %s skipped: %s: %s", article.id, type(exc).__name__, exc)
        session.commit()
    return stats


def iter_match_rows(session: Session, since: datetime | None = None, topic: str | None = None) -> Iterator[dict[str, Any]]:
    """Matches joined with their article, newest first, as plain dicts (for export)."""
    query = (
        select(Match, Article, Outlet.name)
        .join(Article, Match.article_id == Article.id)
        .join(Outlet, Article.outlet_id == Outlet.id)
        .order_by(Match.matched_at.desc(), Match.id.desc())
    )
    if since is not None:
        query = query.where(Match.matched_at >= since)
    if topic:
        query = query.where(Match.topic == topic)
    for match, article, outlet in session.execute(query.execution_options(yield_per=500)):
        yield {
            "match_id": match.id,
            "topic": match.topic,
            "score": match.score,
            "rules_version": match.rules_version,
            "matched_at": match.matched_at.isoformat() if match.matched_at else None,
            "article_id": article.id,
            "url": article.url,
            "title": article.title,
            "outlet": outlet,
            "language": article.language,
            "published_at": article.published_at.isoformat() if article.published_at else None,
            "story_id": article.story_id,
            "reasons": match.reasons,
        }
