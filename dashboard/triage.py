"""Triage: where an analyst stands on an article (new -> relevant | not relevant | done).

One row per article (``storage.models.Triage``) with who set it and when; no row means
*new*. A *relevant* / *not relevant* verdict is also written as the article's feedback on
each of its matches (note ``triage``, replacing the previous triage verdict, so changing
one's mind never counts twice): the per-group precision of the Feedback page stays fed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dashboard.filters import TRIAGE_STATES
from storage.models import Article, Feedback, Match, Triage

TRIAGE_NOTE = "triage"
STATE_LABELS = {"new": "new", "relevant": "relevant", "not_relevant": "not relevant", "done": "done"}
# keyboard shortcuts (dashboard/static/app.js reads them from data-key attributes)
STATE_KEYS = {"relevant": "r", "not_relevant": "n", "done": "d", "new": "u"}


def set_triage(session: Session, article_id: int, state: str, by: str, now: datetime | None = None) -> bool:
    """Record ``state`` for the article; False when the article or the state is unknown."""
    if state not in TRIAGE_STATES or session.get(Article, article_id) is None:
        return False
    now = now or datetime.now(UTC)
    row = session.get(Triage, article_id)
    if row is None:
        row = Triage(article_id=article_id)
        session.add(row)
    row.state, row.by, row.at = state, by[:100], now
    match_ids = list(session.scalars(select(Match.id).where(Match.article_id == article_id)))
    if match_ids:
        session.execute(
            delete(Feedback).where(Feedback.match_id.in_(match_ids), Feedback.note == TRIAGE_NOTE)
        )
        if state in ("relevant", "not_relevant"):
            session.add_all(
                Feedback(match_id=m, verdict=state, note=TRIAGE_NOTE, created_at=now) for m in match_ids
            )
    session.flush()
    return True


def safe_next(target: str | None, fallback: str) -> str:
    """Where to go after a form: a path on this site only (``/…``, never ``//host`` or ``\\``)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
        or len(target) > 2000
    ):
        return fallback
    return target
