"""HTML pages: matches, article, stories, outlets, runs, deliveries, charts, feedback; CSV and Atom.

Handlers are thin: read the request, call ``dashboard.queries``, render a template. The
POST forms (triage, feedback, retry) check the CSRF token, then redirect (303) to a GET page.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dashboard import charts, exports, queries, stories, triage
from dashboard.deps import db_session, entity_label, match_filters, rules_matcher
from dashboard.explain import why_by_topic
from dashboard.filters import TRIAGE_STATES, MatchFilters
from dashboard.highlight import highlight, reason_labels, spans_from_reasons
from dashboard.render import page
from dashboard.security import CSRF_COOKIE, CSRF_FIELD, analyst_name, base_url, csrf_ok
from storage.db import session_scope

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
    result = queries.list_matches(session, filters, entity_label(request))
    here = "/matches" + filters.query_string()
    return page(
        request,
        "matches.html",
        {
            "page_title": "Matches",
            "filters": filters,
            "result": result,
            "choices": queries.filter_choices(session),
            "facets_url": "/api/facets" + filters.query_string(page=1, sort="-date", view="matches"),
            "states": TRIAGE_STATES,
            "state_labels": triage.STATE_LABELS,
            "state_keys": triage.STATE_KEYS,
            "list_url": here,
            "back": urlencode({"back": here}),
        },
    )


@router.get("/matches.csv")
def matches_csv(request: Request, session: SessionDep, filters: FiltersDep) -> Response:
    body = exports.matches_csv(queries.export_matches(session, filters, label=entity_label(request)))
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
    label = entity_label(request)
    title_spans = [s for m in view.matches for s in spans_from_reasons(m.reasons, "title", label)]
    text_spans = [s for m in view.matches for s in spans_from_reasons(m.reasons, "text", label)]
    back = triage.safe_next(request.query_params.get("back"), "")
    state = session.get(queries.Triage, article_id)
    matcher = rules_matcher(request)
    a = view.article
    why = why_by_topic(matcher, a.title, a.text, a.language, view.matches) if matcher is not None else None
    return page(
        request,
        "article.html",
        {
            "page_title": view.article.title or view.article.url,
            "view": view,
            "title_html": highlight(view.article.title or "", title_spans),
            "text_html": highlight(view.article.text or "", text_spans),
            "rules": {m.id: queries.rule_names(m.reasons, m.topic) for m in view.matches},
            "labels": {m.id: reason_labels(m.reasons, label) for m in view.matches},
            "why": why,
            "saved": request.query_params.get("saved", ""),
            "triage": state,
            "states": TRIAGE_STATES,
            "state_labels": triage.STATE_LABELS,
            "state_keys": triage.STATE_KEYS,
            "back": back,
        },
    )


@router.post("/articles/{article_id}/triage")
async def triage_submit(request: Request, article_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    """One click (or key) sets the article's triage state; back to where the analyst was."""
    form = await checked_form(request)
    state = form.get("state", "")
    who = analyst_name(request.headers.get("authorization"))

    def store() -> bool:
        with session_scope(request.app.state.engine) as session:
            return triage.set_triage(session, article_id, state, who)

    if not await run_in_threadpool(store):
        raise HTTPException(400, f"unknown article or state (expected one of {', '.join(TRIAGE_STATES)})")
    target = triage.safe_next(form.get("next"), f"/articles/{article_id}?triaged={state}")
    return RedirectResponse(target, status_code=303)


@router.get("/stories", response_class=HTMLResponse)
def stories_page(
    request: Request,
    session: SessionDep,
    topic: Annotated[str, Query(max_length=200)] = "",
    min_outlets: Annotated[int, Query(ge=1, le=100)] = 1,
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    result = stories.list_stories(session, page_no, stories.PER_PAGE, topic.replace("\x00", ""), min_outlets)
    return page(
        request,
        "stories.html",
        {
            "page_title": "Stories",
            "result": result,
            "topic": topic,
            "min_outlets": min_outlets,
            "topics": queries.filter_choices(session)["topics"],
        },
    )


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, session: SessionDep, story_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    view = stories.story_view(session, story_id, entity_label(request))
    if view is None:
        raise HTTPException(404, f"no story {story_id}")
    return page(
        request,
        "story.html",
        {"page_title": view.story.title or f"Story {story_id}", "view": view, "state_labels": triage.STATE_LABELS},
    )


@router.post("/matches/{match_id}/feedback")
async def feedback_submit(request: Request, match_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    form = await checked_form(request)

    def store() -> int | None:
        with session_scope(request.app.state.engine) as session:
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
    from dashboard.outlets import outlet_rows

    rows, problem = outlet_rows(session)
    return page(request, "outlets.html", {"page_title": "Outlets", "rows": rows, "problem": problem})


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
    problem = await run_in_threadpool(queries.retry_delivery, request.app.state.engine, delivery_id)
    if problem:
        raise HTTPException(*problem)
    return RedirectResponse(f"/deliveries?retried={delivery_id}", status_code=303)


@router.get("/deliveries/{delivery_id}", response_class=HTMLResponse)
def delivery_page(
    request: Request, session: SessionDep, delivery_id: Annotated[int, Path(ge=1, le=2**62)]
) -> Response:
    """The message as it was sent (or will be): subject, text, HTML source, Slack blocks."""
    delivery = session.get(queries.Delivery, delivery_id)
    if delivery is None:
        raise HTTPException(404, f"no delivery {delivery_id}")
    payload = delivery.payload if isinstance(delivery.payload, dict) else {}
    slack = payload.get("slack")
    return page(
        request,
        "delivery.html",
        {
            "page_title": f"Delivery {delivery_id}",
            "d": delivery,
            "subject": str(payload.get("subject") or ""),
            "text": str(payload.get("text") or ""),
            "html_source": str(payload.get("html") or ""),
            "slack": json.dumps(slack, ensure_ascii=False, indent=2) if slack else "",
            "extra": {k: v for k, v in payload.items() if k not in ("subject", "text", "html", "slack")},
        },
    )


@router.get("/charts", response_class=HTMLResponse)
def charts_page(
    request: Request, session: SessionDep, by: Annotated[Literal["published", "crawled"], Query()] = "published"
) -> Response:
    now = queries.utcnow()
    topics = queries.matches_per_day(session, 30, now, by)
    outlets = queries.articles_per_outlet_per_day(session, 14, now, by)
    day = "publication day" if by == "published" else "crawl day"
    return page(
        request,
        "charts.html",
        {
            "page_title": "Charts",
            "by": by,
            "topics_svg": charts.line_chart(
                topics, queries.day_labels(30, now), f"Matched articles per topic by {day} (30 days)"
            ),
            "outlets_svg": charts.heatmap(
                outlets, queries.day_labels(14, now), f"Articles per outlet by {day} (14 days)"
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
    rows = queries.latest_matches_for_topic(session, topic.replace("\x00", ""), label=entity_label(request))
    base = base_url(request.app.state.public_url, request.url.scheme, request.scope.get("server"))
    body = exports.atom_feed(topic, rows, base, queries.utcnow().astimezone(UTC))
    return Response(body, media_type="application/atom+xml; charset=utf-8")
