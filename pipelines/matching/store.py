"""The database side of the match stage: stories and Match rows for stored articles.

``store_stories_and_matches`` is what the crawl's page processes call for each batch they
store: it puts each article in a story (near-duplicate / same event in the last 7 days, else
a new one) and writes one Match row per matched topic, in a few Core statements per batch
(unique (article_id, topic): re-running changes nothing; a rule change updates or removes
rows). ``process_new_articles`` does the same for articles already stored. Odd text never
raises: that article is logged in one line and skipped. ``rematch`` re-runs changed rules
over stored articles; ``iter_match_rows`` feeds ``newswatch export matches``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from common.settings import get_settings
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


def story_index(session: Session, refresh_seconds: float = REFRESH_SECONDS) -> StoryIndex:
    """This process's index for the session's database, topped up from stored signatures when
    it is more than ``refresh_seconds`` old (the crawl's page processes ask for fresher)."""
    bind = session.get_bind()
    key = bind.engine.url.render_as_string(hide_password=True) if hasattr(bind, "engine") else str(id(bind))
    state = _INDEXES.get(key)
    if state is None:
        state = _INDEXES[key] = _IndexState(StoryIndex(max_entries=get_settings().story_index_max))
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


def match_changes(existing: dict[str, tuple[float, str, Any]], wanted: dict[str, TopicMatch]) -> tuple[
        list[str], list[str], list[str]]:
    """(topics to insert, to update, to delete) that make an article's Match rows ``existing``
    (topic -> score, rules version, reasons) equal ``wanted``."""
    inserts = [topic for topic in wanted if topic not in existing]
    updates = [topic for topic, m in wanted.items()
               if topic in existing and existing[topic] != (m.score, m.rules_version, m.reasons)]
    deletes = [topic for topic in existing if topic not in wanted]
    return inserts, updates, deletes


def save_matches(
    session: Session, article: Article, matches: list[TopicMatch], topics: Iterable[str], fresh: bool = False
) -> int:
    """Make the article's Match rows for ``topics`` equal ``matches`` (insert/update/delete);
    how many rows changed.

    ``fresh``: the article was inserted in this transaction, so it has no rows to compare with."""
    topics = set(topics)
    wanted = {m.topic: m for m in matches if m.topic in topics}
    existing: dict[str, Match] = {}
    if not fresh:
        existing = {
            m.topic: m
            for m in session.scalars(select(Match).where(Match.article_id == article.id, Match.topic.in_(topics)))
        }
    inserts, updates, deletes = match_changes(
        {topic: (row.score, row.rules_version, row.reasons) for topic, row in existing.items()}, wanted)
    for topic in deletes:
        session.delete(existing[topic])
    for topic in inserts:
        m = wanted[topic]
        session.add(Match(article_id=article.id, topic=topic, score=m.score, rules_version=m.rules_version, reasons=m.reasons))
    for topic in updates:
        current, m = existing[topic], wanted[topic]
        current.score, current.rules_version, current.reasons = m.score, m.rules_version, m.reasons
        current.matched_at = utcnow()
    return len(inserts) + len(updates) + len(deletes)


def carried_matches(rows: list[TopicMatch], original_story: int | None, matcher: Matcher) -> list[TopicMatch] | None:
    """The matches an exact republication carries from its original: the original's Match rows
    (``rows``, for the matcher's topics), when they were made with the current rules of every
    topic (else None: match it afresh), and when the original was processed at all.

    A copy says what its original says; carrying the rows keeps one verdict per text (an
    aggregator's headline wording cannot flag or unflag it) and costs no scan. Digests group
    by story, and the copy is in its original's story, so nothing is sent twice."""
    if any(row.rules_version != matcher.version_of(row.topic) for row in rows):
        return None
    if not rows and original_story is None:
        return None  # never processed: nothing to carry
    return rows


@dataclass
class ArticleToMatch:
    """An article to put in a story and match: just inserted by this transaction (the crawl), or
    stored without them yet (``process_new_articles``).

    ``sig`` and ``matches`` may come precomputed (the crawl computes them in its extraction
    processes before the write transaction opens); missing ones are computed here. An article
    with a ``story_id`` keeps its story and only has its matches brought up to date."""

    article_id: int
    title: str
    text: str
    language: str | None
    when: datetime  # published, else fetched: where it sits in the story window
    duplicate_of_id: int | None = None
    url: str = ""
    sig: Signature | None = None
    matches: list[TopicMatch] | None = None
    story_id: int | None = None


_ARTICLES = Article.__table__
_STORIES = Story.__table__
_MATCHES = Match.__table__
# Core statements built once: they run for every batch a crawl stores
_STORY_CHECK = select(_ARTICLES.c.id, _ARTICLES.c.story_id, _ARTICLES.c.minhash).where(
    _ARTICLES.c.id.in_(bindparam("ids", expanding=True)))
_STORY_OF = select(_ARTICLES.c.story_id).where(_ARTICLES.c.id == bindparam("b_id"))
_MATCH_ROWS = select(_MATCHES.c.id, _MATCHES.c.article_id, _MATCHES.c.topic, _MATCHES.c.score,
                     _MATCHES.c.rules_version, _MATCHES.c.reasons).where(
    _MATCHES.c.article_id.in_(bindparam("ids", expanding=True)),
    _MATCHES.c.topic.in_(bindparam("topics", expanding=True)))
_NEW_STORIES = insert(_STORIES).returning(_STORIES.c.id, sort_by_parameter_order=True)
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
_UPDATE_MATCH = update(_MATCHES).where(_MATCHES.c.id == bindparam("b_id")).values(
    score=bindparam("b_score"), rules_version=bindparam("b_version"), reasons=bindparam("b_reasons"),
    matched_at=bindparam("b_at"))
_DELETE_MATCHES = delete(_MATCHES).where(_MATCHES.c.id.in_(bindparam("ids", expanding=True)))
_UNSTORIED = select(_ARTICLES.c.id, _ARTICLES.c.url, _ARTICLES.c.title, _ARTICLES.c.text, _ARTICLES.c.language,
                    _ARTICLES.c.published_at, _ARTICLES.c.fetched_at, _ARTICLES.c.duplicate_of_id,
                    _ARTICLES.c.story_id).where(
    _ARTICLES.c.id.in_(bindparam("ids", expanding=True))).order_by(_ARTICLES.c.id)


def process_new_articles(session: Session, article_ids: list[int], matcher: Matcher) -> None:
    """Stories + matches for stored articles: a story for those without one, Match rows made
    equal to the matcher's verdict (a re-run changes nothing). Never raises on an odd article.
    Unknown ids are ignored."""
    if not article_ids:
        return
    index = story_index(session)
    connection = session.connection()
    for start in range(0, len(article_ids), BATCH):
        work = [
            ArticleToMatch(row.id, row.title or "", row.text or "", row.language,
                  row.published_at or row.fetched_at or utcnow(), row.duplicate_of_id, row.url, story_id=row.story_id)
            for row in connection.execute(_UNSTORIED, {"ids": article_ids[start : start + BATCH]})
        ]
        store_stories_and_matches(session, work, matcher, index, fresh=False)


def store_stories_and_matches(session: Session, items: list[ArticleToMatch], matcher: Matcher, index: StoryIndex,
                              fresh: bool = True) -> None:
    """Put each article without a story in the story of its closest recent article (else a new
    one) and write its Match rows, in a few Core statements for the whole batch. Never raises
    on an odd article: it is logged and left without story or matches (``newswatch rematch``
    redoes it).

    ``fresh``: the articles were inserted by this transaction (no Match rows to compare with).
    Each article is judged after the ones before it (a page finds the story an earlier page of
    the batch started). The batch runs in a savepoint; should the database refuse it, each
    article is written alone in its own savepoint instead. Articles join ``index`` as they get
    their story (and leave it again if their savepoint is rolled back)."""
    ready = []
    for item in items:  # the analysis, outside any savepoint: its trouble is the article's own
        try:
            if item.sig is None and item.story_id is None:
                item.sig = signature(item.title, item.text, item.language)
            if item.matches is None and item.duplicate_of_id is None:  # a copy may carry its original's
                item.matches = matcher.match(item.title, item.text, item.language)
        except Exception as exc:  # noqa: BLE001
            _skipped(item, exc)
            continue
        ready.append(item)
    if not ready:
        return
    try:
        with session.begin_nested():
            _StoryWriter(session, matcher, index, fresh).write(ready)
        return
    except Exception as exc:  # noqa: BLE001 - found out article by article below
        log.info("stories of %d articles written one by one: the batch failed (%s)", len(ready), type(exc).__name__)
    for item in ready:
        try:
            with session.begin_nested():
                _StoryWriter(session, matcher, index, fresh).write([item])
        except Exception as exc:  # noqa: BLE001 - one bad article must not stop the crawl
            _skipped(item, exc)


def _skipped(item: ArticleToMatch, exc: Exception) -> None:
    log.error("match: article %s (%s) skipped: %s: %s", item.article_id, item.url, type(exc).__name__, exc)


class _StoryWriter:
    """One savepoint's story and match writes: the batch's choices in memory, then a few statements."""

    def __init__(self, session: Session, matcher: Matcher, index: StoryIndex, fresh: bool) -> None:
        self.connection = session.connection()
        self.session, self.matcher, self.index, self.fresh = session, matcher, index, fresh
        self.topics = matcher.topic_names
        self.story_of: dict[int, int | None] = {}  # article of this batch -> its story
        self.minhash_of: dict[int, bytes] = {}
        self.rows_of: dict[int, list[TopicMatch]] = {}  # article of this batch -> its Match rows

    def write(self, items: list[ArticleToMatch]) -> None:
        added: list[int] = []
        try:
            self._write(items, added)
        except BaseException:
            for key in added:  # the savepoint is rolled back: no ghost entries in the index
                self.index.remove(key)
            raise

    def _write(self, items: list[ArticleToMatch], added: list[int]) -> None:
        now = utcnow()
        grown: dict[int, list[Any]] = {}  # stored story -> [articles added, earliest, latest]
        new_stories: list[dict[str, Any]] = []  # story -(k + 1) of this batch is new_stories[k] until inserted
        articles: list[dict[str, Any]] = []
        wanted_of: dict[int, dict[str, TopicMatch]] = {}
        for item in items:
            original_story, carried = self._original(item)
            found = item.matches if carried is None else carried
            if found is None:  # a copy whose original's rows are stale or missing: its own matches
                try:
                    found = self.matcher.match(item.title, item.text, item.language)
                except Exception as exc:  # noqa: BLE001
                    _skipped(item, exc)
                    continue
            wanted_of[item.article_id] = {m.topic: m for m in found if m.topic in self.topics}
            self.rows_of[item.article_id] = list(wanted_of[item.article_id].values())
            if item.story_id is not None:
                self.story_of[item.article_id] = item.story_id
                continue
            assert item.sig is not None
            when = item.when = item.when if item.when.tzinfo else item.when.replace(tzinfo=UTC)
            story_id = original_story if original_story is not None else self._closest(item.sig, when, item.article_id)
            if story_id is None:
                title = (item.title or item.text[:200]).strip()[:1000]
                new_stories.append({"title": title, "first_seen": when, "last_seen": when, "article_count": 1})
                story_id = -len(new_stories)
            else:
                row = new_stories[-story_id - 1] if story_id < 0 else None
                counts = [row["article_count"], row["first_seen"], row["last_seen"]] if row else grown.get(story_id)
                counts = counts or [0, when, when]
                counts[0] += 1
                counts[1], counts[2] = min(counts[1], when), max(counts[2], when)
                if row:
                    row["article_count"], row["first_seen"], row["last_seen"] = counts
                else:
                    grown[story_id] = counts
            minhash = item.sig.to_bytes()
            articles.append({"b_id": item.article_id, "b_story": story_id, "b_minhash": minhash})
            self.story_of[item.article_id], self.minhash_of[item.article_id] = story_id, minhash
            self.index.add(item.article_id, item.sig, story_id, when)
            added.append(item.article_id)
        if new_stories:
            self._insert_stories(new_stories, articles, [item for item in items if item.article_id in self.minhash_of])
        if articles:
            self.connection.execute(_SET_STORY, articles)
        if grown:
            self.connection.execute(_GROW_STORY, [{"b_id": story, "b_added": n, "b_first": first, "b_last": last}
                                                  for story, (n, first, last) in grown.items()])
            for story in grown:  # a Story this session loaded earlier is read again when next used
                loaded = self.session.identity_map.get(self.session.identity_key(Story, story))
                if loaded is not None:
                    self.session.expire(loaded)
        self._write_matches(wanted_of, now)

    def _insert_stories(self, new_stories: list[dict[str, Any]], articles: list[dict[str, Any]],
                        items: list[ArticleToMatch]) -> None:
        """Insert the batch's new stories in one statement and give their articles the real ids,
        in the rows and in the index (re-added in their order: a story's core depends on it)."""
        ids = [story_id for (story_id,) in self.connection.execute(_NEW_STORIES, new_stories)]
        for row in articles:
            if row["b_story"] < 0:
                row["b_story"] = ids[-row["b_story"] - 1]
        moved = [item for item in items if (self.story_of[item.article_id] or 0) < 0]
        indexed = [item for item in moved if item.article_id in self.index]
        for item in indexed:
            self.index.remove(item.article_id)
        for item in moved:
            self.story_of[item.article_id] = ids[-(self.story_of[item.article_id] or 0) - 1]
        for item in indexed:
            assert item.sig is not None
            self.index.add(item.article_id, item.sig, self.story_of[item.article_id] or 0, item.when)

    def _write_matches(self, wanted_of: dict[int, dict[str, TopicMatch]], now: datetime) -> None:
        existing: dict[int, dict[str, tuple[int, float, str, Any]]] = {}
        if not self.fresh and wanted_of:
            for row_id, article_id, topic, score, version, reasons in self.connection.execute(
                    _MATCH_ROWS, {"ids": list(wanted_of), "topics": self.topics}):
                existing.setdefault(article_id, {})[topic] = (row_id, score, version, reasons)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        deletes: list[int] = []
        for article_id, wanted in wanted_of.items():
            rows = existing.get(article_id, {})
            new, changed, gone = match_changes({topic: row[1:] for topic, row in rows.items()}, wanted)
            inserts.extend({"article_id": article_id, "topic": topic, "score": wanted[topic].score,
                            "rules_version": wanted[topic].rules_version, "reasons": wanted[topic].reasons,
                            "matched_at": now} for topic in new)
            updates.extend({"b_id": rows[topic][0], "b_score": wanted[topic].score,
                            "b_version": wanted[topic].rules_version, "b_reasons": wanted[topic].reasons, "b_at": now}
                           for topic in changed)
            deletes.extend(rows[topic][0] for topic in gone)
        if deletes:
            self.connection.execute(_DELETE_MATCHES, {"ids": deletes})
        if updates:
            self.connection.execute(_UPDATE_MATCH, updates)
        if inserts:
            self.connection.execute(_INSERT_MATCHES, inserts)

    def _original(self, item: ArticleToMatch) -> tuple[int | None, list[TopicMatch] | None]:
        """An exact copy's original: its story (the copy joins it, whatever its age) and the
        matches the copy carries (``carried_matches``: None when they must be made afresh)."""
        original = item.duplicate_of_id
        if original is None:
            return None, None
        if original in self.rows_of:  # judged earlier in this batch
            story, rows = self.story_of.get(original), self.rows_of[original]
        else:
            story_row = self.connection.execute(_STORY_OF, {"b_id": original}).first()
            if story_row is None:
                return None, None
            story = story_row[0]
            rows = [TopicMatch(topic, score, version, dict(reasons or {})) for _, _, topic, score, version, reasons
                    in self.connection.execute(_MATCH_ROWS, {"ids": [original], "topics": self.topics})]
        return story, carried_matches(rows, story, self.matcher)

    def _closest(self, sig: Signature, when: datetime, article_id: int) -> int | None:
        """The story of the closest recent article in the index that the database confirms, or None."""
        candidates = self.index.candidates(sig, when, exclude=article_id)[:5]
        if not candidates:
            return None
        # the index is per process: check the database still agrees (another process, a
        # rolled-back transaction or a recreated database may have changed things) — one query
        stored: dict[int, tuple[int | None, bytes | None]] = {
            key: (self.story_of[key], self.minhash_of[key]) for key, _, _ in candidates if key in self.minhash_of}
        unknown = [key for key, _, _ in candidates if key not in stored]
        if unknown:
            stored.update((key, (story, blob)) for key, story, blob
                          in self.connection.execute(_STORY_CHECK, {"ids": unknown}))
        for key, story_id, _ in candidates:
            row = stored.get(key)
            if row is not None and row[0] == story_id and row[1] is not None and self.index.same_signature(key, row[1]):
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
                    found = matcher.match(article.title or "", article.text or "", article.language)
                    stats.changed += save_matches(session, article, found, topics)
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
