"""``Match.reasons`` typed once (storage/reasons.py): the real Matcher's output parses without
loss, and every reader (dashboard highlights and labels, rules, digest snippet, CSV export,
feedback tally) reads the same model, so they cannot disagree on a field."""

from __future__ import annotations

from pathlib import Path

from alerts.digest import MatchItem, snippet_for
from dashboard.highlight import reason_labels, snippet_from_reasons, spans_from_reasons
from dashboard.queries import rule_names
from newswatch.commands.export_matches import flatten
from pipelines.matching.engine import load_topics
from storage.reasons import parse_reasons

ROOT = Path(__file__).resolve().parent.parent
TITLE = "Hammouchi reçu à Paris par le directeur général de la police nationale"
TEXT = ("Le directeur général de la DGSN, Abdellatif Hammouchi, a été reçu à Paris par son homologue "
        "de la police nationale française. Les deux responsables ont évoqué la coopération sécuritaire, "
        "la lutte contre le terrorisme et le trafic de drogue entre le Maroc et la France.")


def _real_reasons() -> dict:
    matches = load_topics(ROOT / "config" / "rules").match(TITLE, TEXT, "fr")
    found = [m for m in matches if m.topic == "security-cooperation"]
    assert found, "the shipped topic must match this article"
    return found[0].reasons


def test_real_matcher_output_parses_without_loss() -> None:
    raw = _real_reasons()
    parsed = parse_reasons(raw)
    assert len(parsed.terms) == len(raw["terms"]) > 0 and len(parsed.entities) == len(raw["entities"])
    assert len(parsed.snippets) == len(raw["snippets"]) > 0 and parsed.groups == raw["groups"]
    for typed, item in zip(parsed.terms, raw["terms"], strict=True):
        assert (typed.term, typed.field, typed.start, typed.end, typed.text) == (
            item["term"], item["field"], item["start"], item["end"], item["text"])
        assert (TITLE if typed.field == "title" else TEXT)[typed.start : typed.end] == typed.text


def test_every_reader_reads_the_real_reasons() -> None:
    raw = _real_reasons()
    parsed = parse_reasons(raw)
    assert {s.label for s in spans_from_reasons(raw, "text")} <= {t.term for t in parsed.terms} | {
        e.entity for e in parsed.entities}
    terms, _ = reason_labels(raw)
    assert terms and set(terms) == {t.term for t in parsed.terms}
    snippet = snippet_from_reasons(raw)
    assert snippet is not None and snippet.text == parsed.snippets[0].text and snippet.spans
    assert rule_names(raw, "security-cooperation") == parsed.groups
    item = MatchItem(match_id=1, topic="security-cooperation", score=0.9, matched_at=None, article_id=1,  # type: ignore[arg-type]
                     title=TITLE, url="https://x.ma/1", outlet="X", language="fr", published_at=None,
                     story_id=None, reasons=raw, text=TEXT)
    segments, names = snippet_for(item)
    assert set(names) == set(terms) and any(seg.marked for seg in segments)
    flat = flatten({"title": TITLE, "reasons": raw})
    assert flat["terms"] and set(flat["terms"].split("; ")) == set(terms) and flat["snippet"]


def test_hostile_or_old_reasons_never_break_a_reader() -> None:
    for raw in (None, [], "x", {"terms": "x"}, {"terms": [1, None, {"term": "police", "start": True, "end": "9"}]},
                {"evidence": "high", "groups": [True, {"name": "g"}], "snippets": [{"text": 5}]}):
        parsed = parse_reasons(raw)
        assert spans_from_reasons(raw, "text") == [] and rule_names(raw, "t") in (["t"], ["g"])
        assert snippet_from_reasons(raw) is None or snippet_from_reasons(raw).text == "5"
        assert parsed.evidence is None
    assert reason_labels({"terms": [{"term": "police", "start": True}]}) == (["police"], [])
