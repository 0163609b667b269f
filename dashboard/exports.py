"""CSV export of a filtered match list and the Atom feed of a topic: pure renderers.

Scraped text is hostile in both: CSV cells that a spreadsheet would run as a formula
(``=``, ``+``, ``-``, ``@``, tab, CR) get a leading quote; XML gets escaped by
ElementTree and loses the control characters XML 1.0 forbids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from markupsafe import Markup, escape

from common.csv_export import csv_cell, to_csv
from dashboard.queries import MatchRow

__all__ = ["atom_feed", "csv_cell", "matches_csv", "to_csv"]

ATOM_NS = "http://www.w3.org/2005/Atom"
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

MATCH_COLUMNS = [
    "article_id", "match_id", "topic", "score", "topics", "matched_at", "published_at",
    "outlet", "country", "language", "title", "url", "story_id", "triage", "triage_by", "snippet",
]  # fmt: skip


def matches_csv(rows: Iterable[MatchRow]) -> str:
    return to_csv(
        MATCH_COLUMNS,
        (
            [
                r.article_id,
                r.match_id,
                r.topic,
                round(r.score, 4),
                "; ".join(f"{t.topic} {t.score:.2f}" for t in r.topics),
                r.matched_at,
                r.published_at,
                r.outlet,
                r.country,
                r.language,
                r.title,
                r.url,
                r.story_id,
                r.triage,
                r.triage_by,
                r.snippet.plain() if r.snippet else "",
            ]  # fmt: skip
            for r in rows
        ),
    )


def xml_text(value: Any) -> str:
    return _XML_FORBIDDEN.sub("", "" if value is None else str(value))


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def atom_feed(topic: str, rows: list[MatchRow], base_url: str, now: datetime) -> bytes:
    """An Atom 1.0 document of a topic's newest matches; links point at the dashboard article page
    (``base_url`` is the configured public URL, never a request's Host). The summary is
    HTML: the snippet with its terms in ``<mark>``, every scraped character escaped."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
        if text is not None:
            element.text = xml_text(text)
        return element

    base = base_url.rstrip("/")
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "title", f"newswatch — {topic}")
    feed_url = f"{base}/feeds/{quote(topic, safe='')}.atom"
    sub(feed, "id", feed_url)
    sub(feed, "link", rel="self", href=feed_url)
    updated = max((r.matched_at for r in rows), default=now)
    sub(feed, "updated", _rfc3339(updated))
    author = sub(feed, "author")
    sub(author, "name", "newswatch")
    for row in rows:
        entry = sub(feed, "entry")
        sub(entry, "title", row.title or row.url)
        sub(entry, "id", f"{base}/matches/{row.match_id}")
        sub(entry, "link", rel="alternate", type="text/html", href=f"{base}/articles/{row.article_id}")
        sub(entry, "updated", _rfc3339(row.matched_at))
        if row.published_at:
            sub(entry, "published", _rfc3339(row.published_at))
        meta = escape(f"{row.outlet} ({row.country}, {row.language or '?'}) — score {row.score:.2f}")
        summary = Markup("<p>{}</p>").format(meta)
        if row.snippet:
            summary += Markup("<p>…{}…</p>").format(row.snippet.html())
        sub(entry, "summary", str(summary), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
