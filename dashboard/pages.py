"""HTML pages: matches, article, outlets, runs, deliveries, charts, feedback; CSV and Atom.

Handlers are thin: read the request, call ``dashboard.queries``, render a template. The
two POST forms (feedback, retry) check the CSRF token, then redirect (303) to a GET page.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dashboard import charts, exports, queries
from dashboard.deps import db_session, match_filters
from dashboard.filters import MatchFilters
from dashboard.highlight import highlight, reason_labels, spans_from_reasons
from dashboard.render import page
from dashboard.security import CSRF_COOKIE, CSRF_FIELD, base_url, csrf_ok

router = APIRouter(include_in_schema=False)
MAX_FORM_BYTES = 16_384

SessionDep = Annotated[Session, Depends(db_session)]
FiltersDep = Annotated[MatchFilters, Depends(match_filters)]


async def checked_form(request: Request) -> dict[str, str]:
    """The url-encoded form of a POST after the CSRF check (403 when it fails)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, "form too large")
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    if not csrf_ok(
        request.cookies.get(CSRF_COOKIE),
        form.get(CSRF_FIELD),
        request.headers.get("origin"),
        request.headers.get("host"),
    ):
        raise HTTPException(403, "the form is stale or came from another site: reload the page and try again")
    return form


@router.get("/", response_class=HTMLResponse)
@router.get("/matches", response_class=HTMLResponse)
def matches_page(request: Request, session: SessionDep, filters: FiltersDep) -> Response:
    result = queries.list_matches(session, filters)
    return page(
        request,
        "matches.html",
        {
            "page_title": "Matches",
            "filters": filters,
            "result": result,
            "choices": queries.filter_choices(session),
        },
    )


@router.get("/matches.csv")
def matches_csv(session: SessionDep, filters: FiltersDep) -> Response:
    body = exports.matches_csv(queries.export_matches(session, filters))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="newswatch-matches.csv"'},
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request, session: SessionDep, article_id: Annotated[int, Path(ge=1, le=2**62)]
) -> Response:
    view = queries.article_view(session, article_id)
    if view is None:
        raise HTTPException(404, f"no article {article_id}")
    title_spans = [s for m in view.matches for s in spans_from_reasons(m.reasons, "title")]
    text_spans = [s for m in view.matches for s in spans_from_reasons(m.reasons, "text")]
    return page(
        request,
        "article.html",
        {
            "page_title": view.article.title or view.article.url,
            "view": view,
            "title_html": highlight(view.article.title or "", title_spans),
            "text_html": highlight(view.article.text or "", text_spans),
            "rules": {m.id: queries.rule_names(m.reasons, m.topic) for m in view.matches},
            "labels": {m.id: reason_labels(m.reasons) for m in view.matches},
            "saved": request.query_params.get("saved", ""),
        },
    )


@router.post("/matches/{match_id}/feedback")
async def feedback_submit(request: Request, match_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    form = await checked_form(request)

    def store() -> int | None:
        with request.app.state.sessions.begin() as session:
            row = queries.add_feedback(session, match_id, form.get("verdict", ""), form.get("note", ""))
            if row is None:
                return None
            match = session.get(queries.Match, match_id)
            return match.article_id if match else None

    article_id = await run_in_threadpool(store)
    if article_id is None:
        raise HTTPException(400, "unknown match or verdict (expected relevant or not_relevant)")
    return RedirectResponse(f"/articles/{article_id}?saved={match_id}#match-{match_id}", status_code=303)


@router.get("/outlets", response_class=HTMLResponse)
def outlets_page(request: Request, session: SessionDep) -> Response:
    health = queries.outlet_health(session)
    return page(request, "outlets.html", {"page_title": "Outlets", "health": health})


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request, session: SessionDep) -> Response:
    return page(request, "runs.html", {"page_title": "Crawl runs", "runs": queries.crawl_runs(session)})


@router.get("/deliveries", response_class=HTMLResponse)
def deliveries_page(request: Request, session: SessionDep, status: str = "") -> Response:
    status = status if status in ("pending", "sent", "failed") else ""
    rows = queries.deliveries(session, status)
    return page(
        request,
        "deliveries.html",
        {
            "page_title": "Deliveries",
            "rows": rows,
            "status": status,
            "notice": request.query_params.get("retried", ""),
        },
    )


@router.post("/deliveries/{delivery_id}/retry")
async def delivery_retry(request: Request, delivery_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    await checked_form(request)

    def retry() -> str | None:
        with request.app.state.sessions.begin() as session:
            return queries.retry_delivery(session, delivery_id)

    problem = await run_in_threadpool(retry)
    if problem:
        raise HTTPException(409, problem)
    return RedirectResponse(f"/deliveries?retried={delivery_id}", status_code=303)


@router.get("/charts", response_class=HTMLResponse)
def charts_page(request: Request, session: SessionDep) -> Response:
    now = queries.utcnow()
    topics = queries.matches_per_day(session, 30, now)
    outlets = queries.articles_per_outlet_per_day(session, 14, now)
    return page(
        request,
        "charts.html",
        {
            "page_title": "Charts",
            "topics_svg": charts.line_chart(
                topics, queries.day_labels(30, now), "Matches per day per topic (30 days)"
            ),
            "outlets_svg": charts.heatmap(
                outlets, queries.day_labels(14, now), "Articles per outlet per day (14 days)"
            ),
        },
    )


@router.get("/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, session: SessionDep) -> Response:
    return page(
        request, "feedback.html", {"page_title": "Feedback", "rules": queries.feedback_by_rule(session)}
    )


@router.get("/feedback.csv")
def feedback_csv(session: SessionDep) -> Response:
    rows = (
        [
            r.feedback.id,
            r.feedback.created_at,
            r.feedback.verdict,
            r.feedback.note,
            r.match.id,
            r.match.topic,
            round(r.match.score, 4),
            r.match.rules_version,
            " ".join(queries.rule_names(r.match.reasons, r.match.topic)),
            " | ".join(reason_labels(r.match.reasons)[0]),
            r.article_id,
            r.language,
            r.title,
            r.url,
        ]  # fmt: skip
        for r in queries.feedback_rows(session)
    )
    header = ["feedback_id", "created_at", "verdict", "note", "match_id", "topic", "score", "rules_version",
              "rules", "terms", "article_id", "language", "title", "url"]  # fmt: skip
    return Response(
        exports.to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="newswatch-feedback.csv"'},
    )


@router.get("/feeds/{topic}.atom")
def topic_feed(
    request: Request, session: SessionDep, topic: Annotated[str, Path(max_length=200)]
) -> Response:
    rows = queries.latest_matches_for_topic(session, topic.replace("\x00", ""))
    base = base_url(request.app.state.public_url, request.url.scheme, request.scope.get("server"))
    body = exports.atom_feed(topic, rows, base, queries.utcnow().astimezone(UTC))
    return Response(body, media_type="application/atom+xml; charset=utf-8")
