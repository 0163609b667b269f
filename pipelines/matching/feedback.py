"""Analysts' verdicts per rule term and entity: which word of a rule brings the wrong matches.

A match's reasons list the terms and entities that fired (``engine._reasons``). When an
analyst marks a match "not relevant", every term and entity of that match shares the blame;
counted over many verdicts, the term behind the false alarms stands out (a "sécurité" that
fires on investment security, a "Paris" that is a bet). ``tally`` is pure; ``feedback_report``
reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Feedback, Match
from storage.reasons import parse_reasons


@dataclass
class TermFeedback:
    topic: str
    kind: str  # term | entity
    name: str  # the rule term, or the entity's name
    group: str  # the term's group, or the entity's groups joined by ","
    matches: int = 0  # matches (of the period) in which it fired
    reviewed: int = 0  # of them, matches with a verdict
    not_relevant: int = 0
    examples: list[str] | None = None  # how it was written in not-relevant matches (first few)

    @property
    def not_relevant_share(self) -> float | None:
        return self.not_relevant / self.reviewed if self.reviewed else None

    def to_json(self) -> dict[str, Any]:
        share = self.not_relevant_share
        return {"topic": self.topic, "kind": self.kind, "name": self.name, "group": self.group,
                "matches": self.matches, "reviewed": self.reviewed, "not_relevant": self.not_relevant,
                "not_relevant_share": round(share, 3) if share is not None else None,
                "examples": self.examples or []}


def _items(reasons: Any) -> Iterable[tuple[str, str, str, str]]:
    """(kind, name, group, written text) of each term and entity a match's reasons credit, once each."""
    parsed = parse_reasons(reasons)
    seen = set()
    items: list[tuple[str, str, str, str]] = [("term", t.term, t.group, t.text) for t in parsed.terms]
    items += [("entity", e.entity, ",".join(e.groups), e.text) for e in parsed.entities]
    for kind, name, group, text in items:
        if name and (kind, name) not in seen:
            seen.add((kind, name))
            yield kind, name, group, text


def tally(rows: Iterable[tuple[str, Any, str | None]], max_examples: int = 3) -> list[TermFeedback]:
    """(topic, reasons, latest verdict or None) per match -> one line per (topic, term/entity),
    the most often blamed first: most not-relevant verdicts, then the highest share of them."""
    table: dict[tuple[str, str, str], TermFeedback] = {}
    for topic, reasons, verdict in rows:
        for kind, name, group, text in _items(reasons):
            entry = table.get((topic, kind, name))
            if entry is None:
                entry = table[(topic, kind, name)] = TermFeedback(topic, kind, name, group, examples=[])
            entry.matches += 1
            if verdict in ("relevant", "not_relevant"):
                entry.reviewed += 1
            if verdict == "not_relevant":
                entry.not_relevant += 1
                if text and text not in entry.examples and len(entry.examples) < max_examples:
                    entry.examples.append(text)
    return sorted(table.values(), key=lambda e: (-e.not_relevant, -(e.not_relevant_share or 0.0), -e.matches,
                                                 e.topic, e.kind, e.name))


def feedback_report(session: Session, topic: str | None = None, since: datetime | None = None) -> list[TermFeedback]:
    """``tally`` over the stored matches (of ``topic``, matched since ``since``) and the latest
    verdict on each; matches nobody reviewed count in ``matches`` only."""
    latest = (
        select(Feedback.match_id, Feedback.verdict)
        .order_by(Feedback.match_id, Feedback.created_at, Feedback.id)
    )
    verdicts: dict[int, str] = {}
    for match_id, verdict in session.execute(latest):
        verdicts[match_id] = verdict  # the last one wins
    query = select(Match.id, Match.topic, Match.reasons).order_by(Match.id)
    if topic:
        query = query.where(Match.topic == topic)
    if since is not None:
        query = query.where(Match.matched_at >= since)
    rows = ((t, reasons, verdicts.get(match_id)) for match_id, t, reasons in session.execute(query.execution_options(yield_per=1000)))
    return tally(rows)
