"""Highlight matched terms and entities in stored article text, safely.

A match's ``reasons`` carry character offsets into ``Article.title`` / ``Article.text``.
The HTML is built piece by piece: every piece of article text goes through ``escape``
and only our own ``<mark>`` tags are added, so hostile text stays text. Offsets that are
out of range, reversed or overlapping an earlier span are skipped, never trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from markupsafe import Markup, escape
from pydantic import Field, computed_field

from storage.reasons import EntityReason, parse_reasons


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    label: str
    kind: str  # term | entity


def spans_from_reasons(reasons: Any, field: str, label: Callable[[str], str] | None = None) -> list[Span]:
    """The highlight spans of ``field`` ('title' or 'text') listed in a match's reasons;
    ``label`` turns an entity id into its display name."""
    parsed = parse_reasons(reasons)
    spans: list[Span] = []
    for kind, items in (("term", parsed.terms), ("entity", parsed.entities)):
        for item in items:
            if item.field != field or item.start is None or item.end is None:
                continue
            name = item.display
            if isinstance(item, EntityReason) and label is not None and item.entity:
                name = label(item.entity)
            spans.append(Span(item.start, item.end, name, kind))
    return spans


def usable_spans(spans: list[Span], length: int) -> list[Span]:
    """Sorted spans inside ``[0, length]``, non-empty and not overlapping (first one wins)."""
    out: list[Span] = []
    cursor = 0
    for span in sorted(spans):
        if span.start < cursor or span.end <= span.start or span.end > length or span.start < 0:
            continue
        out.append(span)
        cursor = span.end
    return out


def highlight(text: str, spans: list[Span]) -> Markup:
    """``text`` as HTML with each usable span wrapped in ``<mark>``; everything escaped."""
    parts: list[str] = []
    cursor = 0
    for span in usable_spans(spans, len(text)):
        parts.append(escape(text[cursor : span.start]))
        parts.append(
            Markup('<mark class="{}" title="{}">{}</mark>').format(
                span.kind, span.label, text[span.start : span.end]
            )
        )
        cursor = span.end
    parts.append(escape(text[cursor:]))
    return Markup("").join(parts)


def reason_labels(reasons: Any, label: Callable[[str], str] | None = None) -> tuple[list[str], list[str]]:
    """The distinct terms and entities a match found (in order of first mention), for display;
    ``label`` turns an entity id into its display name."""
    parsed = parse_reasons(reasons)
    terms = [t.display for t in parsed.terms]
    entities = [label(e.entity) if label is not None and e.entity else e.display for e in parsed.entities]
    return [t for t in dict.fromkeys(terms) if t], [e for e in dict.fromkeys(entities) if e]


@dataclass(frozen=True)
class Snippet:
    """A window of an article's text around its matched terms, ready for HTML, plain text
    and JSON (pydantic serialises it as ``{text, marks}``: the spans' offsets, not their labels)."""

    text: str
    spans: Annotated[tuple[Span, ...], Field(exclude=True)] = ()  # usable spans, offsets into ``text``

    @computed_field  # type: ignore[prop-decorator]
    @property
    def marks(self) -> list[tuple[int, int]]:
        """Offsets of the matched terms/entities in ``text``."""
        return [(span.start, span.end) for span in self.spans]

    def html(self) -> Markup:
        """Escaped text with the terms in ``<mark>``: for the list and Atom entries."""
        return highlight(self.text, list(self.spans))

    def plain(self, open_mark: str = "**", close_mark: str = "**") -> str:
        """The text with the terms between ``open_mark``/``close_mark``: for CSV."""
        parts: list[str] = []
        cursor = 0
        for span in self.spans:
            parts += [self.text[cursor : span.start], open_mark, self.text[span.start : span.end], close_mark]
            cursor = span.end
        parts.append(self.text[cursor:])
        return "".join(parts)


def snippet_from_reasons(reasons: Any, label: Callable[[str], str] | None = None) -> Snippet | None:
    """The first stored snippet of a match (``reasons['snippets']``, offsets into the article
    text) with the term and entity spans that fall inside it; None when it has none."""
    parsed = parse_reasons(reasons)
    for item in parsed.snippets:
        if item.field != "text" or not item.text.strip():
            continue
        if item.start is None:
            return Snippet(item.text)
        start, end = item.start, item.start + len(item.text)
        inside = [
            Span(s.start - start, s.end - start, s.label, s.kind)
            for s in spans_from_reasons(parsed, "text", label)
            if start <= s.start and s.end <= end
        ]
        return Snippet(item.text, tuple(usable_spans(inside, len(item.text))))
    return None
