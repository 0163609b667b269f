"""Rendering a digest: escaping hostile text, RTL markup, one-line subjects, Slack limits."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from test_alerts_support import slack_violations

from alerts.digest import MatchItem, Selection, build_digest
from alerts.render import HealthIssue, render_digest, render_health, slack_escape, slack_url

T = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
HOSTILE = "<!channel> <script>alert(1)</script> <http://evil.example|Click> & @here"


def item(n: int, *, story: int, title: str, language: str = "fr", outlet: str = "Le360",
         url: str | None = None, snippet: str = "", score: float = 0.8) -> MatchItem:
    reasons = {"snippets": [{"text": snippet, "start": 0, "end": len(snippet)}]} if snippet else {}
    return MatchItem(match_id=n, topic="secops", score=score, matched_at=T, article_id=n, title=title,
                     url=url or f"https://{outlet.lower().replace(' ', '-')}.example/{n}", outlet=outlet, language=language,
                     published_at=T, story_id=story, reasons=reasons)


def digest(items: list[MatchItem]):
    return build_digest("daily", items, Selection(frozenset({"secops"})), delivered=set(),
                        since=T - timedelta(days=1), until=T + timedelta(hours=1))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed(html)
    return parser.tags


def test_html_escapes_scraped_text_and_refuses_non_http_links() -> None:
    d = digest([item(1, story=1, title=HOSTILE, snippet=HOSTILE),
                item(2, story=2, title="lien", url="javascript:alert(1)")])
    html = render_digest(d).html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    hrefs = [a.get("href") for t, a in tags(html) if t == "a"]
    assert hrefs == ["https://le360.example/1", "https://le360.example/1"]  # title + outlet link; no javascript:
    assert not any(t == "script" for t, _ in tags(html))


def test_arabic_entry_is_right_to_left_in_html_and_isolated_in_text() -> None:
    ar = "تعاون أمني بين المغرب وفرنسا"
    d = digest([item(1, story=1, title=ar, language="ar", outlet="Hespress"), item(2, story=2, title="Rabat")])
    rendered = render_digest(d)
    entries = [a for t, a in tags(rendered.html) if t == "div" and (a.get("class") or "") == "entry"]
    assert [(e.get("dir"), e.get("lang")) for e in entries] == [("rtl", "ar"), (None, "fr")]
    assert f"\u2067{ar}\u2069" in rendered.text


def test_subject_is_one_line_whatever_the_title() -> None:
    d = digest([item(1, story=1, title="Accord\r\nBcc: victim@example.org\nX-Evil: 1", score=0.9)])
    subject = render_digest(d).subject
    assert "\n" not in subject and "\r" not in subject and subject.startswith("[newswatch] daily: 1 new story — Accord")
    assert len(render_digest(digest([item(1, story=1, title="x" * 5000)])).subject) <= 160


def test_text_part_lists_counts_marks_and_links() -> None:
    text = render_digest(digest([
        MatchItem(1, "secops", 0.9, T, 1, "Rabat et Paris", "https://a.example/1", "Le360", "fr", T, 1,
                  {"terms": [{"term": "DGST", "field": "text", "start": 3, "end": 7}],
                   "snippets": [{"text": "La DGST coopère.", "start": 0, "end": 16}]}),
        MatchItem(2, "secops", 0.8, T, 2, "Rabat et Paris", "https://b.example/2", "Le Monde", "fr", T, 1, {}),
    ]), zone=ZoneInfo("Africa/Casablanca")).text
    assert "secops: 1 story" in text and "La *DGST* coopère." in text
    assert "- Le Monde: https://b.example/2" in text and "- Le360: https://a.example/1" in text
    assert "2026-11-20 07:00" in text  # 06:00 UTC shown in Casablanca time


def test_slack_escapes_mentions_and_forged_links() -> None:
    d = digest([item(1, story=1, title=HOSTILE, snippet=HOSTILE)])
    messages = render_digest(d).slack
    dumped = json.dumps(messages, ensure_ascii=False)
    assert "<!channel>" not in dumped and "<http://evil.example|Click>" not in dumped and "<script>" not in dumped
    assert "&lt;!channel&gt;" in dumped and "@\u2060here" in dumped
    section = next(b for b in messages[0]["blocks"] if b["type"] == "section")["text"]["text"]
    # the only real link syntax left is ours, pointing at the article
    assert re.findall(r"<(http[^|>]*)\|", section) == ["https://le360.example/1", "https://le360.example/1"]


def test_slack_url_cannot_break_out_of_link_syntax() -> None:
    assert slack_url("https://x.example/a?b=1&c=<2>|3") == "https://x.example/a?b=1&amp;c=%3C2%3E%7C3"
    assert slack_url("javascript:alert(1)") == "" and slack_url("https://x.example/a b") == ""
    assert slack_escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"


def test_slack_splits_long_digests_within_limits_and_keeps_every_story() -> None:
    items = [item(i, story=i, title=f"Story {i} " + "é" * 400, snippet="<&>" * 2000, outlet=f"Outlet{i % 30}")
             for i in range(1, 121)]
    items += [item(1000 + j, story=1, title="same story", outlet=f"Extra{j}") for j in range(60)]
    messages = render_digest(digest(items)).slack
    assert len(messages) == 5  # 2 head blocks + 240 body blocks in messages of 50
    for message in messages:
        assert slack_violations(message) == []
    sections = [b for m in messages for b in m["blocks"] if b["type"] == "section"]
    assert len(sections) == 120
    assert max(len(b["text"]["text"]) for b in sections) <= 3000
    assert "more outlets" in next(s for s in sections if "|Extra0>" in s["text"]["text"])["text"]["text"]
    assert len(messages[0]["blocks"][0]["text"]["text"]) <= 150


def test_health_rendering_escapes_too() -> None:
    rendered = render_health([HealthIssue("quiet:x", "<b>Le360</b>", "quiet", "no new article for 3.0 days")], "ops")
    assert "<b>Le360</b>" not in rendered.html and "&lt;b&gt;Le360&lt;/b&gt;" in rendered.html
    assert rendered.subject == "[newswatch ops] 1 crawl problem: <b>Le360</b>"
    assert "&lt;b&gt;Le360&lt;/b&gt;" in json.dumps(rendered.slack)


GOLDEN_TEXT = """\
newswatch digest · daily · 2 new stories
2026-11-19 07:00 → 2026-11-20 08:00 (Africa/Casablanca)
  secops: 2 stories

1. Darmanin à Rabat: coopération sécuritaire
   2026-11-20 05:00 · fr · score 0.92 · secops
   Rabat et Paris: *coopération sécuritaire* renforcée.
   - Le Monde: https://lemonde.example/2
   - Le360: https://le360.example/1

2. \u2067تعاون أمني بين المغرب وفرنسا\u2069
   2026-11-20 07:00 · ar · score 0.81 · secops
   \u2067اتفاق *تعاون أمني* جديد\u2069
   - Hespress: https://hespress.example/3

--\u0020
newswatch · subscription daily
"""


def test_text_part_golden() -> None:
    """The whole plain-text digest, byte for byte: grouping, order, local dates, marks, RTL isolates."""
    items = [
        MatchItem(1, "secops", 0.92, T, 1, "Darmanin à Rabat: coopération sécuritaire", "https://le360.example/1",
                  "Le360", "fr", T, 1,
                  {"terms": [{"term": "coopération sécuritaire", "field": "text", "start": 17, "end": 40}],
                   "snippets": [{"text": "Rabat et Paris: coopération sécuritaire renforcée.", "start": 1, "end": 52}]}),
        MatchItem(2, "secops", 0.90, T, 2, "Rabat et Paris renforcent leur coopération", "https://lemonde.example/2",
                  "Le Monde", "fr", T - timedelta(hours=2), 1, {}),
        MatchItem(3, "secops", 0.81, T, 3, "تعاون أمني بين المغرب وفرنسا", "https://hespress.example/3", "Hespress",
                  "ar", T, 2, {"terms": [{"term": "تعاون أمني"}], "snippets": [{"text": "اتفاق تعاون أمني جديد"}]}),
    ]
    d = build_digest("daily", items, Selection(frozenset({"secops"})), delivered=set(),
                     since=T - timedelta(days=1), until=T + timedelta(hours=1))
    assert render_digest(d, zone=ZoneInfo("Africa/Casablanca")).text == GOLDEN_TEXT
