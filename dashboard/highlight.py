"""Highlight matched terms and entities in stored article text, safely.

A match's ``reasons`` carry character offsets into ``Article.title`` / ``Article.text``.
The HTML is built piece by piece: every piece of article text goes through ``escape``
and only our own ``<mark>`` tags are added, so hostile text stays text. Offsets that are
out of range, reversed or overlapping an earlier span are skipped, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    label: str
    kind: str  # term | entity


def spans_from_reasons(reasons: Any, field: str) -> list[Span]:
    """The highlight spans of ``field`` ('title' or 'text') listed in a match's reasons."""
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
            label = item.get("term") or item.get("entity") or item.get("name") or item.get("alias") or ""
            spans.append(Span(start, end, str(label), kind))
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


def reason_labels(reasons: Any) -> tuple[list[str], list[str]]:
    """The distinct terms and entities a match found (in order of first mention), for display."""
    out: tuple[list[str], list[str]] = ([], [])
    if not isinstance(reasons, dict):
        return out
    for kind, key in ((0, "terms"), (1, "entities")):
        items = reasons.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                label = str(
                    item.get("term") or item.get("entity") or item.get("name") or item.get("alias") or ""
                )
                if label and label not in out[kind]:
                    out[kind].append(label)
    return out
