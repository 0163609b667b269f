"""Highlight matched terms and entities in stored article text, safely.

A match's ``reasons`` carry character offsets into ``Article.title`` / ``Article.text``.
The HTML is built piece by piece: every piece of article text goes through ``escape``
and only our own ``<mark>`` tags are added, so hostile text stays text. Offsets that are
out of range, reversed or overlapping an earlier span are skipped, never trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    label: str
    kind: str  # term | entity


def spans_from_reasons(reasons: Any, field: str, label: Callable[[str], str] | None = None) -> list[Span]:
    """The highlight spans of ``field`` ('title' or 'text') listed in a match's reasons;
    ``label`` turns an entity id into its display name."""
    if not isinstance(reasons, dict):
        return []
    spans: list[Span] = []
    for kind, key in (("term", "terms"), ("entity", "entities")):
        items = reasons.get(key)
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or item.get("field", "text") != field:
                continue
            start, end = item.get("start"), item.get("end")
            if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
                continue
            name = item.get("term") or item.get("entity") or item.get("name") or item.get("alias") or ""
            if kind == "entity" and label is not None and item.get("entity"):
                name = label(str(item["entity"]))
            spans.append(Span(start, end, str(name), kind))
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
    out: tuple[list[str], list[str]] = ([], [])
    if not isinstance(reasons, dict):
        return out
    for kind, key in ((0, "terms"), (1, "entities")):
        items = reasons.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                name = str(
                    item.get("term") or item.get("entity") or item.get("name") or item.get("alias") or ""
                )
                if kind == 1 and label is not None and item.get("entity"):
                    name = label(str(item["entity"]))
                if name and name not in out[kind]:
                    out[kind].append(name)
    return out


@dataclass(frozen=True)
class Snippet:
    """A window of an article's text around its matched terms, ready for HTML and plain text."""

    text: str
    spans: tuple[Span, ...]  # usable spans, offsets into ``text``

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
    if not isinstance(reasons, dict):
        return None
    items = reasons.get("snippets")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("field", "text") != "text":
            continue
        text, start = item.get("text"), item.get("start")
        if not isinstance(text, str) or not text.strip():
            continue
        if not isinstance(start, int) or isinstance(start, bool):
            return Snippet(text, ())
        end = start + len(text)
        inside = [
            Span(s.start - start, s.end - start, s.label, s.kind)
            for s in spans_from_reasons(reasons, "text", label)
            if start <= s.start and s.end <= end
        ]
        return Snippet(text, tuple(usable_spans(inside, len(text))))
    return None
