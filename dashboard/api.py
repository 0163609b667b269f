"""``/api``: the dashboard's data as JSON, described by the OpenAPI schema at /api/openapi.json.

Read-only on purpose: the actions (triage, feedback, retry) are browser forms protected
against CSRF; scripts read here. Every response has a declared model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from dashboard import queries, stories
from dashboard.deps import db_session, entity_label, match_filters
from dashboard.filters import MatchFilters

router = APIRouter(prefix="/api", tags=["api"])
SessionDep = Annotated[Session, Depends(db_session)]


class ErrorOut(BaseModel):
    detail: str


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Not found", "model": ErrorOut}}


class MatchDetailOut(BaseModel):
    id: int
    article_id: int
    topic: str
    score: float
    rules_version: str
    matched_at: datetime
    reasons: dict[str, Any]
    rules: list[str]
    feedback: dict[str, int]


class StoryArticleOut(BaseModel):
    id: int
    title: str
    outlet: str
    language: str | None


class ArticleOut(BaseModel):
    id: int
    url: str
    outlet: str
    country: str
    title: str
    text: str
    author: str | None
    language: str | None
    published_at: datetime | None
    fetched_at: datetime
    story_id: int | None
    matches: list[MatchDetailOut]
    story_articles: list[StoryArticleOut]


class OutletHealthOut(BaseModel):
    name: str
    country: str
    articles_24h: int
    articles_7d: int
    last_success: datetime | None
    error_rate: float | None
    empty_rate: float | None
    last_error: str | None
    last_error_at: datetime | None
    quiet: bool


class RunOut(BaseModel):
    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    finish_reason: str | None
    pages: int
    articles: int
    errors: int
    empty: int
    outlet_stats: dict[str, Any]
    stats: dict[str, Any]


class DeliveryOut(BaseModel):
    id: int
    subscription: str
    kind: str
    channel: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    stories: int


class RuleFeedbackOut(BaseModel):
    topic: str
    rule: str
    relevant: int
    not_relevant: int
    precision: float | None


class ChartOut(BaseModel):
    labels: list[str]
    series: dict[str, list[int]]


class FacetsOut(BaseModel):
    outlet: dict[str, int]
    topic: dict[str, int]
    language: dict[str, int]
    triage: dict[str, int]


class ChoicesOut(BaseModel):
    topics: list[str]
    outlets: list[str]
    countries: list[str]
    languages: list[str]


Out = TypeVar("Out", bound=BaseModel)


def _out(model: type[Out], source: object, **given: Any) -> Out:
    """``model`` filled from ``source``'s attributes of the same names, ``given`` ones first:
    one mapping for every record the API shows from a query's row."""
    values = {name: getattr(source, name) for name in model.model_fields if name not in given}
    return model.model_validate({**values, **given})


def _match_detail(match: queries.Match, feedback: dict[str, int]) -> MatchDetailOut:
    return _out(
        MatchDetailOut, match, reasons=match.reasons if isinstance(match.reasons, dict) else {},
        rules=queries.rule_names(match.reasons, match.topic), feedback=feedback,
    )  # fmt: skip


@router.get("/matches", response_model=queries.MatchPage, summary="Matched articles under a filter, one page")
def api_matches(
    request: Request, session: SessionDep, filters: Annotated[MatchFilters, Depends(match_filters)]
) -> queries.MatchPage:
    return queries.list_matches(session, filters, entity_label(request))


@router.get("/facets", response_model=FacetsOut, summary="Matched articles per outlet, topic, language, triage state")
def api_facets(session: SessionDep, filters: Annotated[MatchFilters, Depends(match_filters)]) -> FacetsOut:
    return FacetsOut(**queries.facet_counts(session, filters))


@router.get("/stories", response_model=stories.StoryPage, summary="Stories with a matched article, newest first")
def api_stories(
    session: SessionDep,
    topic: Annotated[str, Query(max_length=200)] = "",
    min_outlets: Annotated[int, Query(ge=1, le=100)] = 1,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = stories.PER_PAGE,
) -> stories.StoryPage:
    return stories.list_stories(session, page, per_page, topic.replace("\x00", ""), min_outlets)


@router.get("/stories/{story_id}", response_model=stories.StoryView, responses=NOT_FOUND)
def api_story(
    request: Request, session: SessionDep, story_id: Annotated[int, Path(ge=1, le=2**62)]
) -> stories.StoryView:
    view = stories.story_view(session, story_id, entity_label(request))
    if view is None:
        raise HTTPException(404, f"no story {story_id}")
    return view


@router.get("/matches/{match_id}", response_model=MatchDetailOut, responses=NOT_FOUND)
def api_match(session: SessionDep, match_id: Annotated[int, Path(ge=1, le=2**62)]) -> MatchDetailOut:
    match = session.get(queries.Match, match_id)
    if match is None:
        raise HTTPException(404, f"no match {match_id}")
    view = queries.article_view(session, match.article_id)
    return _match_detail(match, view.feedback.get(match.id, {}) if view else {})


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=NOT_FOUND)
def api_article(session: SessionDep, article_id: Annotated[int, Path(ge=1, le=2**62)]) -> ArticleOut:
    view = queries.article_view(session, article_id)
    if view is None:
        raise HTTPException(404, f"no article {article_id}")
    return _out(
        ArticleOut, view.article, outlet=view.outlet.name, country=view.outlet.country,
        matches=[_match_detail(m, view.feedback[m.id]) for m in view.matches],
        story_articles=[StoryArticleOut(id=i, title=t, outlet=o, language=lang) for i, t, o, lang in view.story_articles],
    )  # fmt: skip


@router.get("/choices", response_model=ChoicesOut, summary="Values the filters can take")
def api_choices(session: SessionDep) -> ChoicesOut:
    return ChoicesOut(**queries.filter_choices(session))


@router.get("/outlets", response_model=list[OutletHealthOut], summary="Outlet health; quiet outlets first")
def api_outlets(session: SessionDep) -> list[OutletHealthOut]:
    return [_out(OutletHealthOut, h) for h in queries.outlet_health(session)]


@router.get("/runs", response_model=list[RunOut], summary="Newest crawl runs with their stats")
def api_runs(session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[RunOut]:
    return [
        _out(RunOut, s.run, pages=s.pages, articles=s.articles, errors=s.errors, empty=s.empty, outlet_stats=s.outlets,
             stats=s.run.stats if isinstance(s.run.stats, dict) else {})  # fmt: skip
        for s in queries.crawl_runs(session, limit)
    ]


@router.get("/deliveries", response_model=list[DeliveryOut], summary="Newest digests and alerts")
def api_deliveries(
    session: SessionDep,
    status: Annotated[Literal["", "pending", "sent", "failed"], Query()] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DeliveryOut]:
    return [_out(DeliveryOut, d, stories=n) for d, n in queries.deliveries(session, status, limit)]


@router.get("/feedback/rules", response_model=list[RuleFeedbackOut], summary="Analyst verdicts per rule")
def api_feedback_rules(session: SessionDep) -> list[RuleFeedbackOut]:
    return [_out(RuleFeedbackOut, r) for r in queries.feedback_by_rule(session)]


ChartBy = Annotated[
    Literal["published", "crawled"], Query(description="published: by publication date; crawled: by crawl day")
]


@router.get("/charts/matches-per-day", response_model=ChartOut)
def api_chart_matches(
    session: SessionDep, days: Annotated[int, Query(ge=1, le=366)] = 30, by: ChartBy = "published"
) -> ChartOut:
    now = queries.utcnow()
    return ChartOut(labels=queries.day_labels(days, now), series=queries.matches_per_day(session, days, now, by))


@router.get("/charts/articles-per-outlet", response_model=ChartOut)
def api_chart_outlets(
    session: SessionDep, days: Annotated[int, Query(ge=1, le=366)] = 14, by: ChartBy = "published"
) -> ChartOut:
    now = queries.utcnow()
    return ChartOut(
        labels=queries.day_labels(days, now), series=queries.articles_per_outlet_per_day(session, days, now, by)
    )
