"""Read side: the rows the digest builder and the health check need, as plain records.

Thin adapters over ``storage.models``; the logic lives in the pure ``alerts.digest`` and
``alerts.health`` modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Engine, select

from alerts.digest import MatchItem
from alerts.health import OutletActivity, RunSummary
from storage.db import session_scope
from storage.models import Article, CrawlRun, Match, Outlet
from storage.outlet_status import newest_article_times


def match_items(engine: Engine, topics: Iterable[str], since: datetime, until: datetime) -> list[MatchItem]:
    """Matches of these topics made in ``[since, until]``, joined with article and outlet."""
    topics = list(topics)
    if not topics:
        return []
    with session_scope(engine) as session:
        rows = session.execute(
            select(Match, Article, Outlet.name)
            .join(Article, Match.article_id == Article.id)
            .join(Outlet, Article.outlet_id == Outlet.id)
            .where(Match.topic.in_(topics), Match.matched_at >= since, Match.matched_at <= until)
            .order_by(Match.id)
        ).all()
        return [
            MatchItem(
                match_id=m.id, topic=m.topic, score=float(m.score), matched_at=m.matched_at,
                article_id=a.id, title=a.title or "", url=a.url, outlet=outlet, language=a.language,
                published_at=a.published_at, story_id=a.story_id,
                reasons=m.reasons if isinstance(m.reasons, dict) else {}, text=a.text or "",
            )
            for m, a, outlet in rows
        ]


def outlet_activity(engine: Engine) -> list[OutletActivity]:
    """Each known outlet with the time of its newest article."""
    with session_scope(engine) as session:
        last = newest_article_times(session)
        outlets = session.scalars(select(Outlet)).all()
        return [OutletActivity(o.name, o.created_at, last.get(o.id)) for o in outlets]


def crawl_runs(engine: Engine, limit: int) -> list[RunSummary]:
    """The newest ``limit`` crawl runs, newest first; not ``newswatch watch``'s passes (a few
    feed requests every 2 minutes would push the daily crawls out of the health baseline)."""
    poll = CrawlRun.args["poll"].as_boolean()
    with session_scope(engine) as session:
        runs = session.scalars(select(CrawlRun).where(poll.is_(None))
                               .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit))
        return [
            RunSummary(r.id, r.started_at, r.finished_at, r.status, r.outlet_stats if isinstance(r.outlet_stats, dict) else {})
            for r in runs
        ]
