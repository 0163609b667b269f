"""Read (and the few writes) of the dashboard: plain functions of a Session, no web here.

Pages and the JSON API call the same functions, so both show the same data. Dates are
UTC; "now" is a parameter where it matters, so tests pin it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, computed_field
from sqlalchemy import ColumnElement, Integer, Select, String, column, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause

from alerts.subscriptions import load_health_policy
from common.outlet_status import error_rate, is_quiet
from common.settings import get_settings
from dashboard.filters import MatchFilters
from dashboard.highlight import Snippet, snippet_from_reasons
from dashboard.search import article_search_condition
from storage.models import (
    Article,
    CrawlError,
    CrawlRun,
    DeliveredStory,
    Delivery,
    Feedback,
    Match,
    Outlet,
    Story,
    Triage,
    UTCDateTime,
)
from storage.outlet_status import newest_article_times
from storage.reasons import parse_reasons

Item = TypeVar("Item")

VERDICTS = ("relevant", "not_relevant")
EXPORT_LIMIT = 10_000


def utcnow() -> datetime:
    return datetime.now(UTC)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# ------------------------------------------------------------------------- matches
@dataclass
class TopicScore:
    topic: str
    score: float
    match_id: int


@dataclass
class MatchRow:
    """One matched article of the list: its best match under the filter (topic, score),
    every topic it matched, its triage state and a snippet around the matched terms.

    The one record of a listed match: the page, CSV, Atom feed and ``/api/matches`` all
    read it (the API returns it as is, so its JSON and the page cannot drift apart). A
    plain dataclass: pydantic serialises it as it is, and 10,000 rows of a CSV export are
    built without validating what the database already typed."""

    match_id: int  # the best match under the filter
    article_id: int
    topic: str
    score: float
    matched_at: datetime
    title: str
    url: str
    outlet: str
    country: str
    language: str | None
    published_at: datetime | None
    fetched_at: datetime
    story_id: int | None
    story_size: int
    topics: list[TopicScore] = field(default_factory=list)  # every match, best first
    triage: str = "new"
    triage_by: str | None = None
    triage_at: datetime | None = None
    snippet: Snippet | None = None


class Page(BaseModel, Generic[Item]):
    """One page of a list with the total count: what the list pages render and the API returns."""

    items: list[Item]
    total: int
    page: int
    per_page: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


class MatchPage(Page[MatchRow]):
    """One page of matched articles (or of stories, one row each)."""


LIST_INDEX = "ix_articles_list"


class _ListedArticles(TableClause):
    """``articles`` restricted to the columns of the covering index LIST_INDEX.

    On SQLite it renders ``articles INDEXED BY ix_articles_list``: the planner would
    otherwise look every matched article up by rowid and read past its long text to
    reach the dates (three times slower with 100,000 articles)."""

    inherit_cache = True


@compiles(_ListedArticles)
def _compile_listed(element: _ListedArticles, compiler: Any, **kw: Any) -> str:
    return str(compiler.visit_table(element, **kw))


@compiles(_ListedArticles, "sqlite")
def _compile_listed_sqlite(element: _ListedArticles, compiler: Any, **kw: Any) -> str:
    rendered = str(compiler.visit_table(element, **kw))
    return f"{rendered} INDEXED BY {LIST_INDEX}" if kw.get("asfrom") else rendered


def _listed_articles() -> _ListedArticles:
    return _ListedArticles(
        "articles",
        column("id", Integer),
        column("published_at", UTCDateTime()),
        column("fetched_at", UTCDateTime()),
        column("outlet_id", Integer),
        column("language", String),
        column("story_id", Integer),
    )


def article_date(articles: Any = None) -> ColumnElement[datetime]:
    """The date shown and filtered on: publication, else when it was fetched."""
    a = Article.__table__ if articles is None else articles
    return func.coalesce(a.c.published_at, a.c.fetched_at)


def triage_state() -> ColumnElement[str]:
    """An article's triage state; no row means it was never triaged: ``new``."""
    return func.coalesce(Triage.state, "new")


def _filtered(
    stmt: Select[Any],
    filters: MatchFilters,
    dialect: str,
    articles: Any = None,
    sort: str = "",
    by_story: bool = False,
    need: frozenset[str] = frozenset(),
) -> Select[Any]:
    """``stmt`` on matches with the filter's conditions, joining articles/outlets/triage
    only when the filter, the ``sort`` key or ``need`` (a facet) asks for them."""
    a = Article.__table__ if articles is None else articles
    key = sort.lstrip("-")
    need_outlet = bool(filters.outlet or filters.country or key == "outlet" or "outlet" in need)
    if (
        need_outlet
        or by_story
        or key == "date"
        or filters.language
        or filters.date_from
        or filters.date_to
        or filters.q
        or "article" in need
    ):
        stmt = stmt.join(a, Match.article_id == a.c.id)
    if need_outlet:
        stmt = stmt.join(Outlet, a.c.outlet_id == Outlet.id)
    if filters.triage or "triage" in need:
        stmt = stmt.outerjoin(Triage, Triage.article_id == Match.article_id)
    if filters.triage == "new":
        stmt = stmt.where(or_(Triage.state.is_(None), Triage.state == "new"))
    elif filters.triage:
        stmt = stmt.where(Triage.state == filters.triage)
    if filters.topic:
        stmt = stmt.where(Match.topic == filters.topic)
    if filters.outlet:
        stmt = stmt.where(Outlet.name == filters.outlet)
    if filters.country:
        stmt = stmt.where(Outlet.country == filters.country)
    if filters.language:
        stmt = stmt.where(a.c.language == filters.language)
    if filters.min_score is not None:
        stmt = stmt.where(Match.score >= filters.min_score)
    if filters.date_from is not None:
        stmt = stmt.where(article_date(a) >= _day_start(filters.date_from))
    if filters.date_to is not None and filters.date_to < date.max:
        stmt = stmt.where(article_date(a) < _day_start(filters.date_to + timedelta(days=1)))
    if filters.q:
        condition = article_search_condition(dialect, filters.q, a.c.id)
        if condition is not None:
            stmt = stmt.where(condition)
    return stmt


def _sort_key(sort: str, articles: Any = None) -> Any:
    """The per-article sort value (aggregated: one row per article)."""
    key = sort.lstrip("-")
    if key == "date":
        return func.max(article_date(articles))
    if key == "outlet":
        return func.max(Outlet.name)
    return func.max(Match.score)


def _story_key(articles: Any) -> Any:
    """One group per story; an article outside any story is a group of its own."""
    return func.coalesce(articles.c.story_id, -articles.c.id)


def _stream_key(sort: str, articles: Any) -> list[Any]:
    """ORDER BY of matches such that an article's first match in the stream is where the
    article belongs in the list: its matches share the date/outlet key and sit together
    (tie-break on the article id); by descending score its first match is its best."""
    key = sort.lstrip("-")
    value = {"date": article_date(articles), "outlet": Outlet.name}.get(key, Match.score)
    descending = sort.startswith("-")
    return [value.desc() if descending else value.asc(), Match.article_id.desc()]


def _topic_count(session: Session, filters: MatchFilters) -> int:
    """How many matches one article can have under the filter (one per topic, by the unique key)."""
    if filters.topic:
        return 1
    return max(1, session.scalar(select(func.count(func.distinct(Match.topic)))) or 1)


def _article_ids(session: Session, filters: MatchFilters, limit: int, offset: int) -> list[int]:
    """The article ids of one page, sorted (on the covering index where it can).

    An article shows once, whatever its number of matching topics. An article has at most
    one match per topic, so the first ``(offset + limit) × topics`` matches in list order
    hold the page's articles: they are read in order (as the indexes give them) and
    deduplicated, rather than grouping every match. Ascending score (an article's place is
    its best score, not its first) groups. In the stories view a story shows once, through
    the article of its best-scored match."""
    dialect = session.get_bind().dialect.name
    a = _listed_articles()
    descending = filters.sort.startswith("-")
    if filters.view != "stories" and filters.sort != "score":
        window = (offset + limit) * _topic_count(session, filters)
        stmt = _filtered(select(Match.article_id).select_from(Match), filters, dialect, a, sort=filters.sort)
        seen: dict[int, None] = {}
        for article_id in session.scalars(stmt.order_by(*_stream_key(filters.sort, a)).limit(window)):
            seen.setdefault(article_id, None)
            if len(seen) >= offset + limit:
                break
        return list(seen)[offset : offset + limit]
    if filters.view != "stories":
        sort_value = _sort_key(filters.sort, a)
        stmt = _filtered(
            select(Match.article_id).select_from(Match), filters, dialect, a, sort=filters.sort
        ).group_by(Match.article_id)
        order = sort_value.desc() if descending else sort_value.asc()
        stmt = stmt.order_by(order, Match.article_id.desc()).limit(limit).offset(offset)
        return list(session.scalars(stmt))
    key = filters.sort.lstrip("-")
    value = {"date": article_date(a), "outlet": Outlet.name}.get(key, Match.score)
    best = func.row_number().over(partition_by=_story_key(a), order_by=(Match.score.desc(), Match.id.desc()))
    ranked = _filtered(
        select(Match.article_id.label("aid"), Match.id.label("mid"), value.label("k"), best.label("rn")).select_from(Match),
        filters, dialect, a, sort=filters.sort, by_story=True,
    ).subquery()  # fmt: skip
    order = ranked.c.k.desc() if descending else ranked.c.k.asc()
    stmt = (
        select(ranked.c.aid)
        .where(ranked.c.rn == 1)
        .order_by(order, ranked.c.mid.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(stmt))


def rows_for_articles(
    session: Session,
    article_ids: list[int],
    filters: MatchFilters | None = None,
    label: Callable[[str], str] | None = None,
) -> list[MatchRow]:
    """Full list rows of the given articles, in the given order: every match (topics), the
    best one under ``filters`` (topic, minimum score), triage state and snippet."""
    if not article_ids:
        return []
    filters = filters or MatchFilters()
    head = session.execute(
        select(
            Article.id, Article.title, Article.url, Outlet.name, Outlet.country, Article.language,
            Article.published_at, Article.fetched_at, Article.story_id, func.coalesce(Story.article_count, 1),
            Triage.state, Triage.by, Triage.at,
        )  # fmt: skip
        .join(Outlet, Article.outlet_id == Outlet.id)
        .outerjoin(Story, Article.story_id == Story.id)
        .outerjoin(Triage, Triage.article_id == Article.id)
        .where(Article.id.in_(article_ids))
    )
    info = {row[0]: row for row in head}
    matches: dict[int, list[tuple[int, str, float, datetime, Any]]] = defaultdict(list)
    for mid, aid, topic, score, matched_at, reasons in session.execute(
        select(Match.id, Match.article_id, Match.topic, Match.score, Match.matched_at, Match.reasons)
        .where(Match.article_id.in_(article_ids))
        .order_by(Match.score.desc(), Match.id.desc())
    ):
        matches[aid].append((mid, topic, score, matched_at, reasons))
    out: list[MatchRow] = []
    for aid in article_ids:
        if aid not in info or not matches.get(aid):
            continue
        all_matches = matches[aid]
        eligible = [
            m for m in all_matches
            if (not filters.topic or m[1] == filters.topic)
            and (filters.min_score is None or m[2] >= filters.min_score)
        ] or all_matches  # fmt: skip
        mid, topic, score, matched_at, reasons = eligible[0]
        _, title, url, outlet, country, language, published, fetched, story_id, size, state, by, at = info[aid]
        snippet = next(
            (s for s in (snippet_from_reasons(m[4], label) for m in [eligible[0], *all_matches]) if s), None
        )
        out.append(
            MatchRow(
                match_id=mid, article_id=aid, topic=topic, score=score, matched_at=matched_at, title=title,
                url=url, outlet=outlet, country=country, language=language, published_at=published,
                fetched_at=fetched, story_id=story_id, story_size=size,
                topics=[TopicScore(m[1], m[2], m[0]) for m in all_matches],
                triage=state or "new", triage_by=by, triage_at=at, snippet=snippet,
            )  # fmt: skip
        )
    return out


def list_matches(
    session: Session, filters: MatchFilters, label: Callable[[str], str] | None = None
) -> MatchPage:
    """One page of matched articles (or of stories) under ``filters``, with the total count."""
    dialect = session.get_bind().dialect.name
    a = _listed_articles()
    if filters.view == "stories":
        counted = select(func.count(func.distinct(_story_key(a)))).select_from(Match)
        count = _filtered(counted, filters, dialect, a, by_story=True)
    else:
        counted = select(func.count(func.distinct(Match.article_id))).select_from(Match)
        count = _filtered(counted, filters, dialect, a)
    total = session.scalar(count) or 0
    offset = (filters.page - 1) * filters.per_page
    ids = _article_ids(session, filters, filters.per_page, offset) if offset < total else []
    items = rows_for_articles(session, ids, filters, label)
    return MatchPage(items=items, total=total, page=filters.page, per_page=filters.per_page)


def export_matches(
    session: Session, filters: MatchFilters, limit: int = EXPORT_LIMIT, label: Callable[[str], str] | None = None
) -> list[MatchRow]:
    """Every matched article of the filter (all pages), newest first unless sorted otherwise."""
    return rows_for_articles(session, _article_ids(session, filters, limit, 0), filters, label)


FACETS = ("outlet", "topic", "language", "triage")
_ARTICLE_FACETS = ("outlet", "language", "triage")


def facet_counts(session: Session, filters: MatchFilters) -> dict[str, dict[str, int]]:
    """For each facet, value -> matched articles under the filter with that facet's own
    condition lifted (what choosing that value would show), as search sites count.

    Cheap by construction: topics are counted on matches (one per article and topic);
    outlet, language and triage state are counted together, per distinct matched
    article, in one grouped query per distinct lifted filter (one when none of the
    three is filtered on)."""
    dialect = session.get_bind().dialect.name
    out: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    a = _listed_articles()
    topic_stmt = _filtered(
        select(Match.topic, func.count()).select_from(Match), replace(filters, topic=""), dialect, a
    ).group_by(Match.topic)
    out["topic"] = {str(t): n for t, n in session.execute(topic_stmt)}
    by_filter: dict[MatchFilters, list[str]] = defaultdict(list)
    for facet in _ARTICLE_FACETS:
        by_filter[replace(filters, **{facet: ""}, page=1, sort="-date")].append(facet)
    names: dict[int, str] = {}
    for lifted, facets in by_filter.items():
        matched = _filtered(select(Match.article_id).select_from(Match), lifted, dialect, _listed_articles())
        listed = _listed_articles()
        stmt = (
            select(listed.c.outlet_id, listed.c.language, Triage.state, func.count())
            .select_from(listed)
            .outerjoin(Triage, Triage.article_id == listed.c.id)
            .where(listed.c.id.in_(matched))
            .group_by(listed.c.outlet_id, listed.c.language, Triage.state)
        )
        rows = session.execute(stmt).all()
        if rows and not names:
            names = {i: n for i, n in session.execute(select(Outlet.id, Outlet.name))}
        for outlet_id, language, triage, n in rows:
            values = {"outlet": names.get(outlet_id), "language": language, "triage": triage or "new"}
            for facet in facets:
                if values[facet] is not None:
                    key = str(values[facet])
                    out[facet][key] = out[facet].get(key, 0) + n
    return out


def filter_choices(session: Session) -> dict[str, list[str]]:
    """Values offered in the filter drop-downs."""
    return {
        "topics": list(session.scalars(select(Match.topic).distinct().order_by(Match.topic))),
        "outlets": list(session.scalars(select(Outlet.name).order_by(Outlet.name))),
        "countries": [
            c for c in session.scalars(select(Outlet.country).distinct().order_by(Outlet.country)) if c
        ],
        "languages": [
            lang
            for lang in session.scalars(select(Article.language).distinct().order_by(Article.language))
            if lang
        ],
    }


def latest_matches_for_topic(
    session: Session, topic: str, limit: int = 50, label: Callable[[str], str] | None = None
) -> list[MatchRow]:
    """The newest matched articles of one topic (for its Atom feed), by when they were matched."""
    stmt = (
        select(Match.article_id)
        .where(Match.topic == topic)
        .order_by(Match.matched_at.desc(), Match.id.desc())
        .limit(limit)
    )
    return rows_for_articles(session, list(session.scalars(stmt)), MatchFilters(topic=topic), label)


# ------------------------------------------------------------------------- article
@dataclass
class ArticleView:
    article: Article
    outlet: Outlet
    matches: list[Match]
    feedback: dict[int, dict[str, int]]  # match id -> verdict -> count
    story: Story | None
    story_articles: list[tuple[int, str, str, str | None]]  # id, title, outlet, language


def article_view(session: Session, article_id: int) -> ArticleView | None:
    article = session.get(Article, article_id)
    if article is None:
        return None
    outlet = session.get(Outlet, article.outlet_id)
    assert outlet is not None
    matches = list(
        session.scalars(select(Match).where(Match.article_id == article_id).order_by(Match.score.desc()))
    )
    feedback: dict[int, dict[str, int]] = {m.id: dict.fromkeys(VERDICTS, 0) for m in matches}
    if matches:
        counts = session.execute(
            select(Feedback.match_id, Feedback.verdict, func.count())
            .where(Feedback.match_id.in_([m.id for m in matches]))
            .group_by(Feedback.match_id, Feedback.verdict)
        )
        for match_id, verdict, count in counts:
            feedback[match_id][verdict] = count
    story = session.get(Story, article.story_id) if article.story_id else None
    story_articles: list[tuple[int, str, str, str | None]] = []
    if article.story_id:
        rows = session.execute(
            select(Article.id, Article.title, Outlet.name, Article.language)
            .join(Outlet, Article.outlet_id == Outlet.id)
            .where(Article.story_id == article.story_id, Article.id != article_id)
            .order_by(article_date().desc())
            .limit(50)
        )
        story_articles = [tuple(row) for row in rows]  # type: ignore[misc]
    return ArticleView(article, outlet, matches, feedback, story, story_articles)


def add_feedback(session: Session, match_id: int, verdict: str, note: str = "") -> Feedback | None:
    """Store an analyst's verdict; None when the match does not exist or the verdict is unknown."""
    if verdict not in VERDICTS or session.get(Match, match_id) is None:
        return None
    row = Feedback(match_id=match_id, verdict=verdict, note=note[:2000])
    session.add(row)
    session.flush()
    return row


def rule_names(reasons: Any, topic: str) -> list[str]:
    """The rules a match credits: its reasons' ``rules`` (names or ids), else the keyword
    ``groups`` that fired (what the filter stores), else just its topic."""
    return parse_reasons(reasons).rule_names(topic)


@dataclass
class RuleFeedback:
    topic: str
    rule: str
    relevant: int = 0
    not_relevant: int = 0

    @property
    def precision(self) -> float | None:
        total = self.relevant + self.not_relevant
        return self.relevant / total if total else None


@dataclass
class FeedbackRow:
    """One verdict with what rule tuning needs (no article text: it can be large)."""

    feedback: Feedback
    match: Match
    article_id: int
    language: str | None
    title: str
    url: str


def feedback_rows(session: Session, limit: int = 100_000) -> Iterator[FeedbackRow]:
    stmt = (
        select(Feedback, Match, Article.id, Article.language, Article.title, Article.url)
        .join(Match, Feedback.match_id == Match.id)
        .join(Article, Match.article_id == Article.id)
        .order_by(Feedback.id)
        .limit(limit)
    )
    for row in session.execute(stmt):
        yield FeedbackRow(*row)


def feedback_by_rule(session: Session) -> list[RuleFeedback]:
    """Verdicts counted per (topic, rule): the numbers to tune rules with."""
    table: dict[tuple[str, str], RuleFeedback] = {}
    stmt = select(Feedback.verdict, Match.topic, Match.reasons).join(Match, Feedback.match_id == Match.id)
    for verdict, topic, reasons in session.execute(stmt):
        for rule in rule_names(reasons, topic):
            entry = table.setdefault((topic, rule), RuleFeedback(topic, rule))
            if verdict == "relevant":
                entry.relevant += 1
            elif verdict == "not_relevant":
                entry.not_relevant += 1
    return sorted(table.values(), key=lambda r: (r.topic, r.rule))


# ------------------------------------------------------------------------- outlets
@dataclass
class OutletHealth:
    name: str
    country: str
    articles_24h: int
    articles_7d: int
    last_success: datetime | None
    pages_7d: int
    errors_7d: int
    empty_7d: int
    last_error: str | None
    last_error_at: datetime | None
    quiet: bool = False  # no new article in alerts.yaml's health.quiet_hours (common.outlet_status.is_quiet)

    @property
    def error_rate(self) -> float | None:
        """The health alerts' formula (errors over max(pages, errors)); None without a request."""
        rate, attempts = error_rate(self.errors_7d, self.pages_7d)
        return rate if attempts else None

    @property
    def empty_rate(self) -> float | None:
        return self.empty_7d / self.pages_7d if self.pages_7d else None


def _int(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def outlet_health(session: Session, now: datetime | None = None, quiet_hours: float | None = None) -> list[OutletHealth]:
    """Per outlet: yield over 24 h / 7 d, error and empty rates, last success and error; quiet first.

    Quiet is the health alerts' rule with their threshold (``health.quiet_hours`` of
    alerts.yaml unless given), so the page and the alert never disagree."""
    now = now or utcnow()
    if quiet_hours is None:
        quiet_hours = load_health_policy(get_settings().resolved_alerts_file).quiet_hours
    day_ago, week_ago = now - timedelta(days=1), now - timedelta(days=7)

    def counts(since: datetime) -> dict[int, int]:
        stmt = (
            select(Article.outlet_id, func.count())
            .where(Article.fetched_at >= since)
            .group_by(Article.outlet_id)
        )
        return {outlet_id: n for outlet_id, n in session.execute(stmt)}

    c24, c7 = counts(day_ago), counts(week_ago)
    last_fetch = newest_article_times(session)
    first_seen: dict[str, datetime] = {}
    pages: dict[str, int] = defaultdict(int)
    errors: dict[str, int] = defaultdict(int)
    empty: dict[str, int] = defaultdict(int)
    last_success: dict[str, datetime] = {}
    last_error: dict[str, tuple[datetime, str]] = {}
    runs = session.scalars(select(CrawlRun).order_by(CrawlRun.started_at.desc()).limit(500))
    for run in runs:
        when = run.finished_at or run.started_at
        stats = run.outlet_stats if isinstance(run.outlet_stats, dict) else {}
        for name, raw in stats.items():
            if not isinstance(raw, dict):
                continue
            first_seen[name] = min(first_seen.get(name, run.started_at), run.started_at)
            if run.started_at >= week_ago:
                pages[name] += _int(raw.get("pages"))
                errors[name] += _int(raw.get("errors"))
                empty[name] += _int(raw.get("empty"))
            if _int(raw.get("articles")) > 0 and name not in last_success:
                last_success[name] = when
            if raw.get("last_error") and name not in last_error:
                # dated at the run's start, so the detailed CrawlError rows of that run win
                last_error[name] = (run.started_at, str(raw["last_error"]))
    error_rows = session.execute(
        select(CrawlError.outlet, CrawlError.kind, CrawlError.message, CrawlError.at)
        .where(CrawlError.at >= week_ago)
        .order_by(CrawlError.at.desc())
        .limit(5000)
    )
    for name, kind, message, at in error_rows:
        if name not in last_error or last_error[name][0] < at:
            last_error[name] = (at, f"{kind}: {message}" if message else kind)

    out: list[OutletHealth] = []
    for outlet in session.scalars(select(Outlet).order_by(Outlet.name)):
        success = last_success.get(outlet.name) or last_fetch.get(outlet.id)
        err = last_error.get(outlet.name)
        newest = last_fetch.get(outlet.id)
        known_since = min(d for d in (outlet.created_at, first_seen.get(outlet.name), newest) if d is not None)
        out.append(
            OutletHealth(
                name=outlet.name,
                country=outlet.country,
                articles_24h=c24.get(outlet.id, 0),
                articles_7d=c7.get(outlet.id, 0),
                last_success=success,
                pages_7d=pages[outlet.name],
                errors_7d=errors[outlet.name],
                empty_7d=empty[outlet.name],
                last_error=err[1] if err else None,
                last_error_at=err[0] if err else None,
                quiet=is_quiet(now, known_since, newest, quiet_hours),
            )
        )
    out.sort(key=lambda h: (not h.quiet, h.name.lower()))
    return out


# -------------------------------------------------------------------- runs, deliveries
@dataclass
class RunSummary:
    run: CrawlRun
    pages: int = 0
    articles: int = 0
    errors: int = 0
    empty: int = 0
    outlets: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def duration_s(self) -> float | None:
        if self.run.finished_at is None:
            return None
        return (self.run.finished_at - self.run.started_at).total_seconds()


def crawl_runs(session: Session, limit: int = 100) -> list[RunSummary]:
    out = []
    for run in session.scalars(
        select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)
    ):
        summary = RunSummary(run)
        stats = run.outlet_stats if isinstance(run.outlet_stats, dict) else {}
        for name, raw in stats.items():
            if isinstance(raw, dict):
                summary.outlets[str(name)] = raw
                summary.pages += _int(raw.get("pages"))
                summary.articles += _int(raw.get("articles"))
                summary.errors += _int(raw.get("errors"))
                summary.empty += _int(raw.get("empty"))
        out.append(summary)
    return out


def deliveries(session: Session, status: str = "", limit: int = 200) -> list[tuple[Delivery, int]]:
    """Newest deliveries with how many stories each carried."""
    stories = (
        select(DeliveredStory.delivery_id, func.count().label("n"))
        .group_by(DeliveredStory.delivery_id)
        .subquery()
    )
    stmt = select(Delivery, func.coalesce(stories.c.n, 0)).outerjoin(
        stories, stories.c.delivery_id == Delivery.id
    )
    if status:
        stmt = stmt.where(Delivery.status == status)
    stmt = stmt.order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit)
    return [(d, n) for d, n in session.execute(stmt)]


def retry_delivery(engine: Any, delivery_id: int) -> tuple[int, str] | None:
    """Put a failed delivery back in the queue through the alerts ledger (the one retry
    function: it also resets the attempts); (HTTP status, why not) when it cannot."""
    from alerts import ledger

    if ledger.requeue(engine, delivery_id):
        return None
    delivery = ledger.get(engine, delivery_id)
    if delivery is None:
        return 404, f"no delivery {delivery_id}"
    return 409, f"delivery {delivery_id} is {delivery.status}, only failed ones are retried"


# -------------------------------------------------------------------------- charts
def day_of(session: Session, column: Any) -> Any:
    """SQL giving the UTC day of a timestamp as 'YYYY-MM-DD' text, per dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


def day_labels(days: int, now: datetime) -> list[str]:
    today = now.astimezone(UTC).date()
    return [(today - timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]


def _per_day(
    session: Session, key: Any, when: Any, stmt: Select[Any], days: int, now: datetime
) -> dict[str, list[int]]:
    labels = day_labels(days, now)
    index = {label: i for i, label in enumerate(labels)}
    since = _day_start(date.fromisoformat(labels[0]))
    day = day_of(session, when)
    rows = session.execute(stmt.add_columns(key, day, func.count()).where(when >= since).group_by(key, day))
    series: dict[str, list[int]] = {}
    for name, label, count in rows:
        if label in index:
            series.setdefault(str(name), [0] * days)[index[label]] = count
    return dict(sorted(series.items()))


ChartBy = str  # "published" (publication date, else fetch date) | "crawled" (day it was fetched)
CHART_BY = ("published", "crawled")


def matches_per_day(
    session: Session, days: int = 30, now: datetime | None = None, by: ChartBy = "published"
) -> dict[str, list[int]]:
    """topic -> matched articles per day (oldest first) over the last ``days`` days, by
    publication date (a crawl of old news spreads over its real days) or by crawl day."""
    when = Article.fetched_at if by == "crawled" else article_date()
    stmt = select().select_from(Match).join(Article, Match.article_id == Article.id)
    return _per_day(session, Match.topic, when, stmt, days, now or utcnow())


def articles_per_outlet_per_day(
    session: Session, days: int = 14, now: datetime | None = None, by: ChartBy = "published"
) -> dict[str, list[int]]:
    """outlet -> articles per day (oldest first) over the last ``days`` days, by publication
    date or by the day they were fetched."""
    when = Article.fetched_at if by == "crawled" else article_date()
    stmt = select().select_from(Article).join(Outlet, Article.outlet_id == Outlet.id)
    series = _per_day(session, Outlet.name, when, stmt, days, now or utcnow())
    for name in session.scalars(select(Outlet.name)):
        series.setdefault(name, [0] * days)  # an outlet with nothing at all is the news
    return dict(sorted(series.items()))
