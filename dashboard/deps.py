"""Request dependencies shared by pages and API: a database session, the match filter, the rules."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import Query, Request
from pydantic import BeforeValidator, Field
from sqlalchemy.orm import Session

from dashboard.filters import (
    DEFAULT_PER_PAGE,
    MAX_PAGE,
    MAX_PER_PAGE,
    MatchFilters,
    SortKey,
    TriageFilter,
    View,
)
from dashboard.labels import LabelFn, label_fn, labels_from_topics, load_matcher
from storage.db import session_scope

if TYPE_CHECKING:
    from pipelines.matching.engine import Matcher


def db_session(request: Request) -> Iterator[Session]:
    """A session per request; committed when the handler returns without error."""
    with session_scope(request.app.state.engine) as session:
        yield session


def _blank_is_none(value: object) -> object:
    """An empty form field (a filter left blank, with or without JavaScript) means no filter."""
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(_blank_is_none)
Score = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]  # matcher scores are on a 0–1 scale


def match_filters(
    topic: Annotated[str, Query(max_length=200, description="Topic (rule file) name")] = "",
    outlet: Annotated[str, Query(max_length=200, description="Outlet name")] = "",
    country: Annotated[str, Query(max_length=8, description="Outlet country code, e.g. ma, fr")] = "",
    language: Annotated[str, Query(max_length=8, description="Article language, e.g. fr, ar")] = "",
    date_from: Annotated[date | None, Blank, Query(description="First day (article date, UTC)")] = None,
    date_to: Annotated[date | None, Blank, Query(description="Last day, inclusive")] = None,
    min_score: Annotated[Score | None, Blank, Query(description="Lowest best score shown (0–1)")] = None,
    q: Annotated[str, Query(max_length=200, description="Words that must all occur in title or text")] = "",
    triage: Annotated[
        TriageFilter, Query(description="Triage state: new (not yet triaged), relevant, not_relevant, done")
    ] = "",
    sort: Annotated[
        SortKey, Query(description="-date (newest first), date, -score, score, outlet, -outlet")
    ] = "-date",
    view: Annotated[
        View, Query(description="matches: one row per matched article; stories: one row per story (its best article)")
    ] = "matches",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = DEFAULT_PER_PAGE,
) -> MatchFilters:
    return MatchFilters.build(
        topic=topic, outlet=outlet, country=country, language=language, date_from=date_from,
        date_to=date_to, min_score=min_score, q=q, triage=triage, sort=sort, view=view, page=page, per_page=per_page,
    )  # fmt: skip


_RULES_LOCK = threading.Lock()


def rules_matcher(request: Request) -> Matcher | None:
    """The app's matcher over the rule files, loaded once on first use (None when they cannot
    be read): it names entities and explains articles without re-reading rules per request."""
    state = request.app.state
    if not hasattr(state, "matcher"):
        with _RULES_LOCK:  # pages run in a thread pool: the first requests must not all load them
            if not hasattr(state, "matcher"):
                state.matcher = load_matcher(getattr(state, "rules_dir", None))
    matcher: Matcher | None = state.matcher
    return matcher


def entity_label(request: Request) -> LabelFn:
    """The display-name function of entities, from the app's matcher's rule files."""
    state = request.app.state
    fn: LabelFn | None = getattr(state, "entity_label", None)
    if fn is None:
        matcher = rules_matcher(request)
        fn = label_fn(labels_from_topics(matcher.topics) if matcher is not None else {})
        state.entity_label = fn
    return fn
