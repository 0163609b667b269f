"""Stories: one event told by several outlets, listed, and read as a timeline.

A story is the stories engineer's ``Story`` row; the articles that point to it say which
outlets told it, in which languages, and when. The list shows stories that have at least
one matched article (what analysts triage), newest activity first; the story page is the
timeline of its articles (oldest first) with their topics and triage states.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.filters import MatchFilters
from dashboard.queries import MatchRow, Page, _listed_articles, article_date, rows_for_articles
from storage.models import Article, Match, Outlet, Story

PER_PAGE = 50


@dataclass
class StoryRow:
    """One story of the list (and the head of its page); the API returns it as is."""

    id: int
    title: str
    first_seen: datetime
    last_seen: datetime
    article_count: int  # articles stored in the story
    outlets: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    best_score: float = 0.0


class StoryPage(Page[StoryRow]):
    """One page of stories."""


def _story_ids(topic: str, min_outlets: int) -> Any:
    """Ids of the stories with a matched article (of ``topic``) told by ``min_outlets``
    outlets or more; read on the covering index of articles (story, outlet), not the rows."""
    listed = _listed_articles()
    matched = (
        select(listed.c.story_id)
        .select_from(Match)
        .join(listed, Match.article_id == listed.c.id)
        .where(listed.c.story_id.is_not(None))
    )
    if topic:
        matched = matched.where(Match.topic == topic)
    matched = matched.distinct()
    if min_outlets <= 1:
        return matched
    told = _listed_articles()
    return (
        select(told.c.story_id)
        .where(told.c.story_id.in_(matched))
        .group_by(told.c.story_id)
        .having(func.count(func.distinct(told.c.outlet_id)) >= min_outlets)
    )


def list_stories(
    session: Session, page: int = 1, per_page: int = PER_PAGE, topic: str = "", min_outlets: int = 1
) -> StoryPage:
    """Stories with a matched article (of ``topic`` if given) told by at least ``min_outlets``
    outlets, most recently seen first."""
    ids = _story_ids(topic, min_outlets).subquery()
    # the total rides along (a window count): the story set is computed once per page
    rows = session.execute(
        select(Story, func.count().over())
        .where(Story.id.in_(select(ids.c.story_id)))
        .order_by(Story.last_seen.desc(), Story.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    stories = [story for story, _ in rows]
    total = rows[0][1] if rows else session.scalar(select(func.count()).select_from(ids)) or 0
    return StoryPage(items=_describe(session, stories), total=total, page=page, per_page=per_page)


def _describe(session: Session, stories: list[Story]) -> list[StoryRow]:
    """Outlets, languages, topics, best score and stored article count of each story."""
    ids = [s.id for s in stories]
    outlets: dict[int, set[str]] = defaultdict(set)
    languages: dict[int, set[str]] = defaultdict(set)
    counts: dict[int, int] = defaultdict(int)
    if ids:
        for sid, outlet, language, n in session.execute(
            select(Article.story_id, Outlet.name, Article.language, func.count())
            .join(Outlet, Article.outlet_id == Outlet.id)
            .where(Article.story_id.in_(ids))
            .group_by(Article.story_id, Outlet.name, Article.language)
        ):
            outlets[sid].add(outlet)
            if language:
                languages[sid].add(language)
            counts[sid] += n
    topics: dict[int, set[str]] = defaultdict(set)
    best: dict[int, float] = defaultdict(float)
    if ids:
        for sid, topic, score in session.execute(
            select(Article.story_id, Match.topic, func.max(Match.score))
            .join(Match, Match.article_id == Article.id)
            .where(Article.story_id.in_(ids))
            .group_by(Article.story_id, Match.topic)
        ):
            topics[sid].add(topic)
            best[sid] = max(best[sid], score)
    return [
        StoryRow(
            id=s.id, title=s.title, first_seen=s.first_seen, last_seen=s.last_seen,
            article_count=counts[s.id], outlets=sorted(outlets[s.id]), languages=sorted(languages[s.id]),
            topics=sorted(topics[s.id]), best_score=best[s.id],
        )  # fmt: skip
        for s in stories
    ]


@dataclass
class TimelineEntry:
    """One article of a story in time order; ``match`` is its list row when it matched."""

    article_id: int
    title: str
    outlet: str
    language: str | None
    when: datetime
    match: MatchRow | None


@dataclass
class StoryView:
    """A story and its timeline: the story page and ``/api/stories/{id}``."""

    story: StoryRow
    timeline: list[TimelineEntry]


def story_view(
    session: Session, story_id: int, label: Callable[[str], str] | None = None, limit: int = 500
) -> StoryView | None:
    story = session.get(Story, story_id)
    if story is None:
        return None
    described = _describe(session, [story])[0]
    when = article_date()
    articles = session.execute(
        select(Article.id, Article.title, Outlet.name, Article.language, when)
        .join(Outlet, Article.outlet_id == Outlet.id)
        .where(Article.story_id == story_id)
        .order_by(when.asc(), Article.id.asc())
        .limit(limit)
    ).all()
    rows = {r.article_id: r for r in rows_for_articles(session, [a[0] for a in articles], MatchFilters(), label)}
    timeline = [
        TimelineEntry(article_id=aid, title=title, outlet=outlet, language=lang, when=at, match=rows.get(aid))
        for aid, title, outlet, lang, at in articles
    ]
    return StoryView(story=described, timeline=timeline)
