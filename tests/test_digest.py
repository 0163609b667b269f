"""The pure digest builder: selection, grouping by story, ranking, snippets with marked terms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.digest import MatchItem, Segment, Selection, build_digest, clean, mark, snippet_for

T = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
SEL = Selection(frozenset({"secops"}))


def item(n: int, *, story: int | None, outlet: str = "Le360", score: float = 0.8, topic: str = "secops",
         language: str = "fr", minutes: int = 0, title: str | None = None, **kw: object) -> MatchItem:
    return MatchItem(
        match_id=n, topic=topic, score=score, matched_at=T + timedelta(minutes=minutes), article_id=n,
        title=title or f"Titre {n}", url=f"https://{outlet.lower()}.example/{n}", outlet=outlet,
        language=language, published_at=T - timedelta(hours=n), story_id=story, **kw,  # type: ignore[arg-type]
    )


def digest(items: list[MatchItem], selection: Selection = SEL, delivered: set[str] | None = None):
    return build_digest("sub", items, selection, delivered=delivered or set(),
                        since=T - timedelta(days=1), until=T + timedelta(days=1))


def test_one_entry_per_story_listing_every_outlet() -> None:
    items = [item(1, story=7, outlet="Le360"), item(2, story=7, outlet="Hespress", score=0.9),
             item(3, story=7, outlet="Le Monde", score=0.5), item(4, story=8, outlet="Le360", score=0.6)]
    d = digest(items)
    assert [e.story_key for e in d.entries] == ["s7", "s8"]
    first = d.entries[0]
    assert [o.outlet for o in first.outlets] == ["Hespress", "Le Monde", "Le360"]
    assert first.score == 0.9 and first.title == "Titre 2"  # the best article leads
    assert first.article_ids == (1, 2, 3)
    assert first.date == T - timedelta(hours=3)  # earliest telling
    assert d.topic_counts == {"secops": 2}
    assert d.article_count == 4


def test_same_outlet_twice_in_a_story_is_listed_once_with_its_best_article() -> None:
    d = digest([item(1, story=7, outlet="Le360", score=0.6), item(2, story=7, outlet="Le360", score=0.9)])
    assert len(d.entries[0].outlets) == 1 and d.entries[0].outlets[0].url.endswith("/2")


def test_ranked_by_score_then_newest() -> None:
    items = [item(1, story=1, score=0.5), item(2, story=2, score=0.9), item(3, story=3, score=0.7),
             item(4, story=4, score=0.7)]
    assert [e.story_key for e in digest(items).entries] == ["s2", "s3", "s4", "s1"]  # s3 published later than s4


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (Selection(frozenset({"secops"})), ["s1", "s2", "s3"]),
        (Selection(frozenset({"secops"}), min_score=0.75), ["s1", "s3"]),
        (Selection(frozenset({"secops"}), languages=frozenset({"ar"})), ["s3"]),
        (Selection(frozenset({"other"})), ["s4"]),
        (Selection(frozenset({"secops", "other"}), min_score=0.95), []),
    ],
)
def test_selection(selection: Selection, expected: list[str]) -> None:
    items = [item(1, story=1, score=0.8), item(2, story=2, score=0.7), item(3, story=3, score=0.9, language="ar"),
             item(4, story=4, topic="other")]
    assert sorted(e.story_key for e in digest(items, selection).entries) == expected


def test_delivered_stories_and_the_window_are_excluded() -> None:
    items = [item(1, story=1), item(2, story=2), item(3, story=None), item(4, story=5, minutes=3 * 24 * 60)]
    d = digest(items, delivered={"s1"})
    assert [e.story_key for e in d.entries] == ["s2", "a3"]  # s5 is after the window's end
    assert digest([]).empty and digest([]).topic_counts == {}


def test_old_articles_matched_late_are_left_out() -> None:
    fresh, old = item(1, story=1), item(2, story=2)  # published 1 h and 2 h before T
    older = MatchItem(**{**old.__dict__, "article_id": 3, "match_id": 3, "story_id": 3,
                         "published_at": T - timedelta(days=9)})
    undated = MatchItem(**{**old.__dict__, "article_id": 4, "match_id": 4, "story_id": 4, "published_at": None})
    sel = Selection(frozenset({"secops"}), max_age=timedelta(days=7))
    assert [e.story_key for e in digest([fresh, old, older, undated], sel).entries] == ["s4", "s1", "s2"]  # undated: matched_at (T) is its date


def test_counts_per_topic_count_stories() -> None:
    items = [item(1, story=1, topic="secops"), item(2, story=1, topic="terror"), item(3, story=2, topic="terror")]
    d = digest(items, Selection(frozenset({"secops", "terror"})))
    assert d.topic_counts == {"secops": 1, "terror": 2}
    assert d.entries[0].topics == ("secops", "terror")


def test_marks_terms_by_offsets_inside_the_snippet() -> None:
    text = "Rabat et Paris renforcent la coopération sécuritaire contre le terrorisme."
    start = text.index("coopération")
    reasons = {
        "terms": [{"term": "coopération sécuritaire", "field": "text", "start": start, "end": start + 23},
                  {"term": "terrorisme", "field": "text", "start": text.index("terrorisme"),
                   "end": text.index("terrorisme") + 10}],
        "snippets": [{"text": text[9:], "start": 9, "end": len(text)}],
    }
    segments, terms = snippet_for(item(1, story=1, reasons=reasons, text=text))
    assert [s.text for s in segments if s.marked] == ["coopération sécuritaire", "terrorisme"]
    assert "".join(s.text for s in segments) == text[9:]
    assert terms == ("coopération sécuritaire", "terrorisme")


def test_marks_terms_by_search_when_offsets_do_not_fit() -> None:
    reasons = {"terms": [{"term": "DGST", "field": "text", "start": 900, "end": 904}],
               "snippets": [{"text": "La dgst et la DGSI coopèrent.", "start": 0, "end": 28}]}
    segments, _ = snippet_for(item(1, story=1, reasons=reasons))
    assert [s.text for s in segments if s.marked] == ["dgst"]


def test_snippet_falls_back_to_the_text_around_the_first_term() -> None:
    text = ("x " * 400) + "accord antiterroriste signé à Rabat " + ("y " * 400)
    at = text.index("antiterroriste")
    reasons = {"terms": [{"term": "antiterroriste", "field": "text", "start": at, "end": at + 14}]}
    segments, _ = snippet_for(item(1, story=1, reasons=reasons, text=text), limit=120)
    joined = "".join(s.text for s in segments)
    assert "antiterroriste" in joined and len(joined) <= 120
    assert [s.text for s in segments if s.marked] == ["antiterroriste"]


def test_arabic_entries_are_rtl() -> None:
    d = digest([item(1, story=1, language="ar", title="تعاون أمني بين المغرب وفرنسا"), item(2, story=2)])
    assert {e.story_key: e.rtl for e in d.entries} == {"s1": True, "s2": False}


def test_hostile_text_is_cleaned() -> None:
    assert clean("a\r\nBcc: x@y\x00\u202eevil\u2066 b") == "a Bcc: x@y evil b"
    assert clean("x" * 50, 10) == "x" * 9 + "…"
    d = digest([item(1, story=1, title="Titre\r\nBcc: victim@example.org")])
    assert "\n" not in d.entries[0].title and "\r" not in d.entries[0].title


def test_mark_merges_overlaps_and_drops_bad_spans() -> None:
    assert mark("abcdef", [(1, 3), (2, 4), (5, 99), (-1, 2)]) == (Segment("a"), Segment("bcd", True), Segment("ef"))


def test_pure_and_deterministic() -> None:
    items = [item(i, story=i % 5, outlet=f"O{i % 3}", score=0.5 + (i % 7) / 20) for i in range(1, 40)]
    assert digest(items) == digest(list(reversed(items)))
