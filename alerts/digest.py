"""The digest builder: pure data in, a ``Digest`` out (no database, no clock, no I/O).

Given the candidate matches of a window and the stories a subscription already received,
it keeps what the subscription wants (topics, minimum score, languages, not yet
delivered), groups articles by story (one entry per story, listing every outlet that told
it), ranks entries by score and marks the matched terms inside each snippet. Rendering
and sending are separate steps (``alerts.render``, ``alerts.channels``).

Scraped text is hostile: this module strips control and bidi-override characters; the
renderers escape for HTML, Slack and e-mail headers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from common.languages import is_rtl
from storage.reasons import parse_reasons

SNIPPET_CHARS = 320
# C0/C1 controls except tab/newline, plus bidi embeddings/overrides/isolates
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class MatchItem:
    """One match row joined with its article (what ``alerts.queries`` loads)."""

    match_id: int
    topic: str
    score: float
    matched_at: datetime
    article_id: int
    title: str
    url: str
    outlet: str
    language: str | None = None
    published_at: datetime | None = None
    story_id: int | None = None
    reasons: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    @property
    def story_key(self) -> str:
        """Articles without a story yet stand alone as story 'a<article id>'."""
        return f"s{self.story_id}" if self.story_id is not None else f"a{self.article_id}"


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool = False


@dataclass(frozen=True)
class OutletLink:
    outlet: str
    title: str
    url: str
    language: str | None
    published_at: datetime | None


@dataclass(frozen=True)
class Entry:
    story_key: str
    story_id: int | None
    article_ids: tuple[int, ...]
    title: str
    score: float
    topics: tuple[str, ...]
    language: str | None
    date: datetime
    url: str
    outlets: tuple[OutletLink, ...]
    snippet: tuple[Segment, ...]
    terms: tuple[str, ...]

    @property
    def rtl(self) -> bool:
        return is_rtl(self.language)


@dataclass(frozen=True)
class Digest:
    subscription: str
    since: datetime
    until: datetime
    entries: tuple[Entry, ...]
    topic_counts: dict[str, int]

    @property
    def empty(self) -> bool:
        return not self.entries

    @property
    def article_count(self) -> int:
        return sum(len(e.article_ids) for e in self.entries)

    @property
    def story_keys(self) -> list[str]:
        return [e.story_key for e in self.entries]


@dataclass(frozen=True)
class Selection:
    """What a subscription wants from the candidates (a digest or an immediate alert)."""

    topics: frozenset[str]
    min_score: float = 0.0  # on the 0-1 match-score scale (docs/rules.md)
    languages: frozenset[str] = frozenset()
    max_age: timedelta | None = None  # articles published longer ago (e.g. found by a rematch) are left out


def clean(text: str | None, limit: int | None = None) -> str:
    """Scraped text made safe to lay out: NFC, no control/bidi-override chars, single spaces."""
    if not text:
        return ""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", unicodedata.normalize("NFC", text))).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: Iterable[tuple[int, int]]) -> tuple[Segment, ...]:
    """Cut ``text`` into plain and marked segments (overlapping spans merge; bad spans are dropped)."""
    valid = [(s, e) for s, e in spans if 0 <= s < e <= len(text)]
    segments: list[Segment] = []
    pos = 0
    for start, end in _merge(valid):
        if start > pos:
            segments.append(Segment(text[pos:start]))
        segments.append(Segment(text[start:end], True))
        pos = end
    if pos < len(text):
        segments.append(Segment(text[pos:]))
    return tuple(segments)


def _find_terms(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    folded = text.casefold()
    spans = []
    for term in terms:
        needle = term.casefold().strip()
        if not needle:
            continue
        for m in re.finditer(re.escape(needle), folded):
            spans.append((m.start(), m.end()))
    return spans


def snippet_for(item: MatchItem, limit: int = SNIPPET_CHARS) -> tuple[tuple[Segment, ...], tuple[str, ...]]:
    """The snippet of a match with its matched terms marked, and the terms found.

    Uses ``reasons.snippets`` and the term offsets when they fit; falls back to a window of
    the article text around the first matched term, then to the title.
    """
    reasons = parse_reasons(item.reasons)
    term_names = tuple(dict.fromkeys(t.term for t in reasons.terms if t.term))
    text_terms = [t for t in reasons.terms if t.field == "text"]

    def with_offsets(body: str, origin: int) -> tuple[Segment, ...]:
        spans = []
        for term in text_terms:
            if term.start is not None and term.end is not None:
                spans.append((term.start - origin, term.end - origin))
        inside = [(s, e) for s, e in spans if 0 <= s < e <= len(body)]
        if not inside:
            inside = _find_terms(body, term_names)
        return mark(body, inside)

    for snip in reasons.snippets:
        if snip.text.strip():
            body = snip.text[: limit * 2]
            origin = snip.start
            segments = with_offsets(body, origin) if origin is not None else mark(body, _find_terms(body, term_names))
            return _clean_segments(segments, limit), term_names
    if item.text:
        first = min((t.start for t in text_terms if t.start is not None), default=None)
        if first is None:
            found = _find_terms(item.text, term_names)
            first = found[0][0] if found else 0
        start = max(0, first - limit // 3)
        # start on a word boundary
        if start:
            space = item.text.find(" ", start)
            start = space + 1 if 0 <= space < first else start
        body = item.text[start : start + limit]
        return _clean_segments(with_offsets(body, start), limit), term_names
    title = mark(item.title, _find_terms(item.title, term_names))
    if not any(seg.marked for seg in title):
        return (), term_names  # the title alone, unmarked, would only repeat the heading
    return _clean_segments(title, limit), term_names


def _clean_segments(segments: Sequence[Segment], limit: int) -> tuple[Segment, ...]:
    """Clean each segment (keeping one space at the joins) and cut the whole to ``limit`` chars."""
    out: list[Segment] = []
    used = 0
    for seg in segments:
        text = _CONTROL.sub(" ", unicodedata.normalize("NFC", seg.text))
        text = _SPACES.sub(" ", text)
        if not out:
            text = text.lstrip()
        if used + len(text) > limit:
            text = text[: max(0, limit - used - 1)].rstrip() + "…"
            if text.strip("…"):
                out.append(Segment(text, seg.marked))
            break
        if text:
            out.append(Segment(text, seg.marked))
        used += len(text)
    if out and not out[-1].marked:
        out[-1] = Segment(out[-1].text.rstrip(), False)
    return tuple(s for s in out if s.text)


def select(
    items: Iterable[MatchItem], selection: Selection, delivered: set[str], until: datetime | None = None
) -> list[MatchItem]:
    """Matches the subscription wants and has not received (by story)."""
    oldest = until - selection.max_age if until is not None and selection.max_age is not None else None
    return [
        item
        for item in items
        if item.topic in selection.topics
        and item.score >= selection.min_score
        and (not selection.languages or (item.language or "") in selection.languages)
        and item.story_key not in delivered
        and (oldest is None or (item.published_at or item.matched_at) >= oldest)
    ]


def _entry(group: list[MatchItem]) -> Entry:
    ranked = sorted(group, key=lambda i: (-i.score, i.article_id))
    best = ranked[0]
    outlets: dict[str, OutletLink] = {}
    for item in ranked:  # best article per outlet first
        if item.outlet not in outlets:
            outlets[item.outlet] = OutletLink(
                outlet=clean(item.outlet, 200),
                title=clean(item.title, 300) or clean(item.url, 300),
                url=item.url,
                language=item.language,
                published_at=item.published_at,
            )
    dates = [i.published_at or i.matched_at for i in group]
    snippet, terms = snippet_for(best)
    return Entry(
        story_key=best.story_key,
        story_id=best.story_id,
        article_ids=tuple(sorted({i.article_id for i in group})),
        title=clean(best.title, 300) or clean(best.url, 300),
        score=best.score,
        topics=tuple(sorted({i.topic for i in group})),
        language=best.language,
        date=min(dates),
        url=best.url,
        outlets=tuple(sorted(outlets.values(), key=lambda o: o.outlet.casefold())),
        snippet=snippet,
        terms=tuple(clean(t, 80) for t in terms),
    )


def build_digest(
    subscription: str,
    items: Iterable[MatchItem],
    selection: Selection,
    *,
    delivered: set[str],
    since: datetime,
    until: datetime,
) -> Digest:
    """Group the wanted, undelivered matches of ``[since, until]`` by story, best score first."""
    in_window = (i for i in items if since <= i.matched_at <= until)
    groups: dict[str, list[MatchItem]] = {}
    for item in select(in_window, selection, delivered, until):
        groups.setdefault(item.story_key, []).append(item)
    entries = sorted(
        (_entry(group) for group in groups.values()),
        key=lambda e: (-e.score, -e.date.timestamp(), e.story_key),
    )
    counts: dict[str, int] = {}
    for entry in entries:
        for topic in entry.topics:
            counts[topic] = counts.get(topic, 0) + 1
    return Digest(
        subscription=subscription,
        since=since,
        until=until,
        entries=tuple(entries),
        topic_counts=dict(sorted(counts.items())),
    )
