"""Pure parts of the dashboard: highlighting, search syntax, filters, auth, CSRF, exports, charts."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from xml.etree import ElementTree as ET

import pytest

from dashboard.charts import heatmap, line_chart
from dashboard.exports import atom_feed, csv_cell, matches_csv
from dashboard.filters import MatchFilters
from dashboard.highlight import Span, highlight, spans_from_reasons, usable_spans
from dashboard.queries import MatchRow, rule_names
from dashboard.render import safe_url, text_dir
from dashboard.search import fts5_expression, search_words
from dashboard.security import csrf_ok, is_authorized, is_loopback, presented_secret


def test_highlight_escapes_text_and_labels_and_marks_spans() -> None:
    text = "<b>Rabat</b> & Paris"
    html = highlight(text, [Span(3, 8, 'x" onmouseover="alert(1)', "entity"), Span(15, 20, "Paris", "term")])
    assert str(html) == (
        '&lt;b&gt;<mark class="entity" title="x&#34; onmouseover=&#34;alert(1)">Rabat</mark>'
        '&lt;/b&gt; &amp; <mark class="term" title="Paris">Paris</mark>'
    )


@pytest.mark.parametrize(
    ("spans", "kept"),
    [
        ([Span(0, 3, "a", "term"), Span(2, 5, "b", "term")], [(0, 3)]),  # overlap: first wins
        ([Span(4, 2, "a", "term"), Span(0, 0, "b", "term")], []),  # reversed, empty
        ([Span(-1, 2, "a", "term"), Span(8, 99, "b", "term")], []),  # outside the text
        ([Span(6, 9, "b", "term"), Span(0, 2, "a", "term")], [(0, 2), (6, 9)]),  # sorted
    ],
)
def test_usable_spans_never_trust_offsets(spans: list[Span], kept: list[tuple[int, int]]) -> None:
    assert [(s.start, s.end) for s in usable_spans(spans, 10)] == kept


def test_spans_from_reasons_reads_terms_and_entities_of_one_field() -> None:
    reasons = {
        "terms": [
            {"term": "coop", "field": "text", "start": 1, "end": 5},
            {"term": "t", "field": "title", "start": 0, "end": 1},
        ],
        "entities": [
            {"entity": "DGSN", "field": "text", "start": 7, "end": 11},
            {"entity": "bad", "start": "7", "end": 9},
        ],
    }
    assert spans_from_reasons(reasons, "text") == [Span(1, 5, "coop", "term"), Span(7, 11, "DGSN", "entity")]
    assert spans_from_reasons(reasons, "title") == [Span(0, 1, "t", "term")]
    assert spans_from_reasons(["not", "a", "dict"], "text") == []


def test_search_words_are_quoted_for_fts5() -> None:
    assert search_words('coopération "DGSN" NEAR(x') == ["coopération", "DGSN", "NEAR", "x"]
    assert fts5_expression('a" OR b') == '"a" "OR" "b"'
    assert fts5_expression("التعاون الأمني") == '"التعاون" "الأمني"'
    assert fts5_expression('" * ( )') is None


def test_filters_round_trip_through_the_query_string() -> None:
    f = MatchFilters.build(
        topic="security", date_from=date(2026, 11, 1), min_score=0.5, q=" a\x00b ", sort="-score", page=3
    )
    assert f.q == "ab"
    assert f.query_string() == "?topic=security&date_from=2026-11-01&min_score=0.5&q=ab&sort=-score&page=3"
    assert f.sort_link("score") == "?topic=security&date_from=2026-11-01&min_score=0.5&q=ab&sort=score"
    assert MatchFilters().query_string() == "" and not MatchFilters().active
    assert MatchFilters.build(sort="drop table", per_page=10**6, page=-4) == MatchFilters(per_page=200)


@pytest.mark.parametrize(
    ("header", "token", "ok"),
    [
        (None, None, True),
        (None, "s3cret", False),
        ("Bearer s3cret", "s3cret", True),
        ("bearer s3cret", "s3cret", True),
        ("Bearer s3cre", "s3cret", False),
        ("Basic " + base64.b64encode(b"anyone:s3cret").decode(), "s3cret", True),
        ("Basic " + base64.b64encode(b"s3cret:").decode(), "s3cret", False),
        ("Basic !!notbase64", "s3cret", False),
        ("Digest s3cret", "s3cret", False),
    ],
)
def test_authorization(header: str | None, token: str | None, ok: bool) -> None:
    assert is_authorized(header, token) is ok


def test_presented_secret_and_loopback() -> None:
    assert (
        presented_secret("Basic " + base64.b64encode("u:pässword:with:colons".encode()).decode())
        == "pässword:with:colons"
    )
    assert [is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost")] == [True] * 5
    assert [is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.4", "example.org", "")] == [False] * 5


@pytest.mark.parametrize(
    ("cookie", "form", "origin", "host", "ok"),
    [
        ("t", "t", None, "127.0.0.1:8000", True),
        ("t", "t", "http://127.0.0.1:8000", "127.0.0.1:8000", True),
        ("t", "t", "http://evil.example", "127.0.0.1:8000", False),
        ("t", "t", "null", "127.0.0.1:8000", False),
        ("t", "u", None, "127.0.0.1:8000", False),
        (None, None, None, "127.0.0.1:8000", False),
        ("t", None, None, "127.0.0.1:8000", False),
    ],
)
def test_csrf(cookie: str | None, form: str | None, origin: str | None, host: str, ok: bool) -> None:
    assert csrf_ok(cookie, form, origin, host) is ok


def test_safe_url_and_direction() -> None:
    assert safe_url("https://le360.ma/a?b=1") == "https://le360.ma/a?b=1"
    for bad in (
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "//evil.example/x",
        "/relative",
        None,
        "http://[",
    ):
        assert safe_url(bad) is None
    assert text_dir("ar") == "rtl" and text_dir("fr") == "auto" and text_dir(None) == "auto"


def test_rule_names_accepts_rules_or_groups_or_nothing() -> None:
    assert rule_names({"rules": ["a", {"name": "b"}, {"id": 3}, 4, None, True]}, "topic") == ["a", "b", "3", "4"]
    assert rule_names({"groups": ["cooperation", "security"], "terms": []}, "topic") == ["cooperation", "security"]
    assert rule_names({}, "topic") == ["topic"] and rule_names(None, "t") == ["t"] and rule_names({"groups": "x"}, "t") == ["t"]


def _row(**changes: object) -> MatchRow:
    base = dict(match_id=1, article_id=2, topic="t", score=0.5, matched_at=datetime(2026, 11, 1, 8, tzinfo=UTC),
                title="=HYPERLINK(\"http://evil\")", url="https://x.example/a", outlet="O", country="ma", language="fr",
                published_at=None, fetched_at=datetime(2026, 11, 1, 7, tzinfo=UTC), story_id=None, story_size=1)  # fmt: skip
    base.update(changes)
    return MatchRow(**base)  # type: ignore[arg-type]


def test_csv_cells_never_become_formulas() -> None:
    assert (
        csv_cell("=1+1") == "'=1+1"
        and csv_cell("-2") == "'-2"
        and csv_cell(-2) == "-2"
        and csv_cell(None) == ""
    )
    lines = matches_csv([_row()]).splitlines()
    assert lines[0].startswith("article_id,match_id,topic") and "'=HYPERLINK" in lines[1]
    assert lines[0].endswith(",triage,triage_by,snippet")


def test_atom_feed_is_well_formed_even_with_hostile_titles() -> None:
    rows = [
        _row(title="<script>alert(1)</script> \x0b coop & co", published_at=datetime(2026, 11, 1, tzinfo=UTC))
    ]
    body = atom_feed(
        "security cooperation", rows, "http://127.0.0.1:8000/", datetime(2026, 11, 2, tzinfo=UTC)
    )
    root = ET.fromstring(body)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.find("a:id", ns).text == "http://127.0.0.1:8000/feeds/security%20cooperation.atom"  # type: ignore[union-attr]
    entry = root.find("a:entry", ns)
    assert entry is not None and entry.find("a:title", ns).text == "<script>alert(1)</script>  coop & co"  # type: ignore[union-attr]
    assert entry.find("a:link", ns).get("href") == "http://127.0.0.1:8000/articles/2"  # type: ignore[union-attr]
    assert b"<script>" not in body


def test_charts_escape_labels_and_show_empty_state() -> None:
    svg = str(
        line_chart({"<script>x</script>": [0, 3, 1]}, ["2026-11-01", "2026-11-02", "2026-11-03"], "T & U")
    )
    assert (
        "<script>" not in svg
        and "&lt;script&gt;" in svg
        and "T &amp; U" in svg
        and svg.count("<polyline") == 1
    )
    assert "no data in this period" in str(line_chart({}, ["2026-11-01"], "empty"))
    grid = str(heatmap({"A": [0, 2], "B": [1, 0]}, ["2026-11-01", "2026-11-02"], "H"))
    assert grid.count("<rect") == 4 and grid.count('stroke="#d62728"') == 2  # two empty days outlined


def test_reason_labels_are_distinct_and_tolerate_junk() -> None:
    from dashboard.highlight import reason_labels

    reasons = {
        "terms": [{"term": "a"}, {"term": "b"}, {"term": "a"}, "junk"],
        "entities": [{"entity": "E"}, {"alias": "F"}],
    }
    assert reason_labels(reasons) == (["a", "b"], ["E", "F"])
    assert reason_labels({"terms": "nope"}) == ([], []) and reason_labels(None) == ([], [])


HOSTILE_SNIPPET = "la <script>alert(1)</script> coopération & DGSN"
SNIPPET_REASONS = {
    "terms": [
        {"term": "coopération", "field": "text", "start": 139, "end": 150},
        {"term": "far", "field": "text", "start": 5, "end": 8},  # outside the snippet
        {"term": "title", "field": "title", "start": 0, "end": 5},
    ],
    "entities": [{"entity": "dgsn_ma", "field": "text", "start": 153, "end": 157}],
    "snippets": [{"field": "text", "text": HOSTILE_SNIPPET, "start": 110, "end": 110 + len(HOSTILE_SNIPPET)}],
}


def test_snippet_marks_the_terms_inside_it_and_escapes_the_rest() -> None:
    from dashboard.highlight import snippet_from_reasons
    from dashboard.labels import label_fn

    snippet = snippet_from_reasons(SNIPPET_REASONS, label_fn({}))
    assert snippet is not None
    assert [(s.start, s.end, s.kind) for s in snippet.spans] == [(29, 40, "term"), (43, 47, "entity")]
    html = str(snippet.html())
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert '<mark class="term" title="coopération">coopération</mark>' in html
    assert '<mark class="entity" title="DGSN (MA)">DGSN</mark>' in html
    assert snippet.plain() == "la <script>alert(1)</script> **coopération** & **DGSN**"
    assert snippet_from_reasons({"snippets": [{"text": "  "}]}) is None and snippet_from_reasons("x") is None
    assert snippet_from_reasons({"snippets": [{"text": "no offsets"}]}).spans == ()  # type: ignore[union-attr]


def test_atom_entries_carry_the_snippet_as_escaped_html() -> None:
    from dashboard.highlight import snippet_from_reasons

    row = _row(snippet=snippet_from_reasons(SNIPPET_REASONS))
    body = atom_feed("t", [row], "https://news.example", datetime(2026, 11, 2, tzinfo=UTC))
    summary = ET.fromstring(body).find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary")
    assert summary is not None and summary.get("type") == "html"
    html = summary.text or ""  # what a feed reader renders
    assert "<mark class=\"term\"" in html and "&lt;script&gt;" in html and "<script>" not in html
    assert b"<script>" not in body


def test_entity_display_names() -> None:
    from types import SimpleNamespace

    from dashboard.labels import label_fn, labels_from_topics, prettify

    assert prettify("police_nationale_fr") == "Police nationale (FR)"
    assert prettify("dgsi") == "DGSI" and prettify("gign_fr") == "GIGN (FR)" and prettify("rabat") == "Rabat"
    assert prettify("a-b c") == "A b c" and prettify("") == "" and prettify("morocco") == "Morocco"
    with_method = SimpleNamespace(entities={"x_ma": object(), "y": object()}, entity_label=lambda i: {"x_ma": "X (Maroc)"}.get(i))
    with_field = SimpleNamespace(entities={"y": SimpleNamespace(label="Why"), "z": SimpleNamespace(label="")})
    labels = labels_from_topics([with_method, with_field])
    assert labels == {"x_ma": "X (Maroc)", "y": "Why"}
    assert label_fn(labels)("z_fr") == "Z (FR)" and label_fn(labels)("y") == "Why"


@pytest.mark.parametrize(
    ("target", "ok"),
    [("/matches?triage=new", True), ("//evil.example/x", False), ("/\\evil.example", False),
     ("https://evil.example/", False), ("", False), ("/a\nb", False)],
)  # fmt: skip
def test_next_is_a_path_on_this_site(target: str, ok: bool) -> None:
    from dashboard.triage import safe_next

    assert safe_next(target, "/fallback") == (target if ok else "/fallback")
