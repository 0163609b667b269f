"""Table tests per rule feature of the matcher (pure core: no database)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from match_helpers import explanation, hit, rule_matcher

from pipelines.matching.engine import Matcher, load_topics
from pipelines.matching.normalize import WORD_RE, guess_language, tokenize

RULE = """
topic: t
threshold: 0.5
scale: 1
title_weight: 3
lede_weight: 1
entities:
  dgsn: {weight: 2, acronyms: [DGSN], aliases: [Sûreté nationale, المديرية العامة للأمن الوطني]}
  morocco: {aliases: [Maroc, marocain, Morocco, Marruecos, المغرب]}
  france: {aliases: [France, français, French, Francia, فرنسا, باريس]}
groups:
  ma: {entities: [morocco, dgsn]}
  fr: {entities: [france]}
  sec:
    entities: [dgsn]
    terms:
      fr: [sécurité, police, renseignement, lutte antiterroriste]
      en: [security, police, intelligence]
      es: [seguridad, policía]
      ar: [الأمن, الشرطة, الإرهاب]
  sport:
    terms: {fr: [football], en: [football], es: [fútbol], ar: [كرة القدم]}
require:
  all:
    - ma
    - sec
    - none: [sport]
    - any: [fr, {near: [ma, sec], within: 3}]
exclusions:
  - phrases: {fr: [sécurité routière, police de caractères], en: [road safety], es: [seguridad vial], ar: [الأمن الغذائي]}
  - phrases: {fr: [défense]}
    near: {fr: [match, gardien]}
    within: 5
  - phrases: {fr: [coopération économique]}
    unless: [sec]
    within: 4
"""


matcher = rule_matcher(RULE)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # boolean: all of ma + sec, and (fr or ma near sec)
        ("Le Maroc et la France renforcent la sécurité.", "fr", True),
        ("La France renforce la sécurité.", "fr", False),  # no Moroccan side
        ("Le Maroc renforce la sécurité.", "fr", True),  # no France, but Maroc near sécurité (near)
        ("Le Maroc, dit-on depuis longtemps déjà, renforce enfin la sécurité.", "fr", False),  # too far apart
        ("Le Maroc et la France : sécurité renforcée pour le match de football.", "fr", False),  # none: sport
        # inflections: plurals and derived forms via the stemmer
        ("Les polices du Maroc et de la France.", "fr", True),
        ("Morocco and France step up policing.", "en", True),
        ("Marruecos y Francia, policías en alerta.", "es", True),
        # exclusions
        ("Le Maroc et la France et la sécurité routière.", "fr", False),
        ("Le Maroc et la France choisissent une police de caractères.", "fr", False),
        ("Le Maroc et la France : sécurité routière et police aux frontières.", "fr", True),
        ("Morocco and France on road safety.", "en", False),
        ("المغرب وفرنسا والأمن الغذائي", "ar", False),
        # Arabic: clitics, article, letter variants, diacritics, tatweel
        ("تعاون بين المغرب وفرنسا في مجال الأمن", "ar", True),
        ("والمغربُ وباريس وللأمـــن", "ar", True),
        ("بالمغرب ولفرنسا الاَمن", "ar", True),
        ("المغرب وفرنسا", "ar", False),
    ],
)
def test_rule_features(matcher: Matcher, text: str, lang: str, expected: bool) -> None:
    assert hit(matcher, text, lang) is expected, explanation(matcher, text, lang)


def test_near_context_exclusion_only_applies_near_its_context(tmp_path: Path) -> None:
    rule = RULE.replace("sécurité, police, renseignement", "sécurité, police, défense, renseignement")
    (tmp_path / "t.yaml").write_text(textwrap.dedent(rule), encoding="utf-8")
    m = load_topics(tmp_path)
    assert hit(m, "Maroc et France : la défense a tenu tout le match face aux attaquants.") is False
    assert hit(m, "Maroc et France : accord de défense signé à Rabat.") is True


def test_unless_keeps_a_look_alike_next_to_a_security_term(tmp_path: Path) -> None:
    rule = RULE.replace("fr: [sécurité, police, renseignement", "fr: [coopération, sécurité, police, renseignement")
    (tmp_path / "t.yaml").write_text(textwrap.dedent(rule), encoding="utf-8")
    m = load_topics(tmp_path)
    res = m.match("", "Maroc et France : coopération économique renforcée.", "fr")
    assert res == []
    res = m.match("", "Maroc et France : coopération économique et police.", "fr")
    assert {t["term"] for t in res[0].reasons["terms"]} >= {"coopération", "police"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le Maroc et la DGSN.", True),
        ("Le Maroc et la dgsn.", False),  # acronyms are case-sensitive
        ("Le Maroc et la Dgsn.", False),
        ("LE MAROC ET LA POLICE", True),  # words are not
        ("Le Maroc et la Sûreté Nationale", True),
        ("Le Maroc et la surete nationale", True),  # accents folded
    ],
)
def test_case_and_accents(matcher: Matcher, text: str, expected: bool) -> None:
    assert hit(matcher, text) is expected


def test_french_elisions(matcher: Matcher) -> None:
    assert tokenize("l'ambassadeur d'Espagne qu'il jusqu'à", "fr").tokens[:3] == tokenize("ambassadeur Espagne il", "fr").tokens
    # elided words are not words: Maroc is within 3 words of sécurité here (il, a, abord)
    assert hit(matcher, "Maroc qu’il l’a d'abord : sécurité")
    assert not hit(matcher, "Maroc qu’il lui a dit : sécurité")


def test_offsets_map_back_to_original_text(matcher: Matcher) -> None:
    title = "SÉCURITÉ : le Maroc s'allie à la France"
    text = "Contexte…\n\nL’accord porte sur les polices et la DGSN, قال المغربُ ."
    [m] = matcher.match(title, text, "fr")
    fields = {"title": title, "text": text}
    for item in m.reasons["terms"] + m.reasons["entities"]:
        original = fields[item["field"]][item["start"] : item["end"]]
        assert original == item["text"]
    texts = {(i["field"], i["text"]) for i in m.reasons["terms"] + m.reasons["entities"]}
    assert ("title", "SÉCURITÉ") in texts and ("text", "polices") in texts and ("text", "DGSN") in texts
    assert ("title", "Maroc") in texts and ("title", "France") in texts


def test_title_hits_weigh_more(matcher: Matcher) -> None:
    body = matcher.match("", "Le Maroc et la France : sécurité.", "fr")[0]
    titled = matcher.match("Le Maroc et la France : sécurité.", "", "fr")[0]
    assert titled.reasons["evidence"] == pytest.approx(body.reasons["evidence"] * 3)
    assert titled.score > body.score


def test_threshold_and_weights(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(textwrap.dedent(RULE).replace("scale: 1", "scale: 4.5"), encoding="utf-8")
    m = load_topics(tmp_path)
    assert not hit(m, "Le Maroc et la France : sécurité.")  # 1 + 1 + 1 = 3 < 4.5
    assert hit(m, "Le Maroc, la France, la DGSN et la sécurité.")  # + DGSN (2) = 5
    [found] = m.match("", "Le Maroc, la France, la DGSN et la sécurité.", "fr")
    assert found.reasons["evidence"] == 5 and found.score == round(5 / (5 + 4.5), 3)


def test_reasons_are_json_and_carry_snippets(matcher: Matcher) -> None:
    import json

    text = "Intro. " * 50 + "Le Maroc et la France renforcent la sécurité. " + "Suite. " * 50
    [m] = matcher.match("", text, "fr")
    json.dumps(m.to_json())
    assert m.rules_version == matcher.version_of("t") and len(m.rules_version) == 16
    assert any("Maroc" in s["text"] and "sécurité" in s["text"] for s in m.reasons["snippets"])
    for snip in m.reasons["snippets"]:
        assert snip["field"] == "text" and text[snip["start"] : snip["end"]] == snip["text"]
    assert set(m.reasons["groups"]) == {"ma", "fr", "sec"}


@pytest.mark.parametrize("lang", [None, "fr", "xx", "", "FR-fr"])
def test_bad_input_never_crashes(matcher: Matcher, lang: str | None) -> None:
    assert matcher.match("", "", lang) == []
    assert matcher.match("   ", "\n\t", lang) == []
    mixed = "Maroc 🇲🇦 المغرب \x00\ufeff sécurité 警察 " + "\u0301" * 5 + "ـــ"
    assert isinstance(matcher.match(mixed, mixed, lang), list)


def test_one_megabyte_article(matcher: Matcher) -> None:
    import time

    text = ("Le Maroc et la France renforcent la sécurité des frontières. " * 17_000)[: 1_000_000]
    start = time.perf_counter()
    [m] = matcher.match("", text, "fr")
    assert time.perf_counter() - start < 10
    assert len(m.reasons["terms"]) <= 40  # reasons stay bounded


def test_language_guess_when_missing(matcher: Matcher) -> None:
    assert guess_language("المغرب وفرنسا تعاون أمني") == "ar"
    assert guess_language("The police and the army of Morocco") == "en"
    assert guess_language("La policía de Marruecos y los agentes del país") == "es"
    assert hit(matcher, "Morocco and France: the police on alert.", None)


def test_subset_and_unknown_topic(matcher: Matcher) -> None:
    from pipelines.matching.rules import RulesError

    assert matcher.subset(["t"]).topic_names == ["t"]
    with pytest.raises(RulesError, match="nope"):
        matcher.subset(["nope"])


def test_token_offsets_survive_odd_whitespace_and_punctuation() -> None:
    import random

    rng = random.Random(3)
    pieces = ["Maroc", "l’été", "(DGSN-DGST),", "والمغربُ", "SÉCURITÉ", "d'abord", "qu'il", "\u00a0", "\x1c", "\u2028",
              "\t", "\n\n", "—", "123", "e\u0301te\u0301", "foo_bar", "🇲🇦", "ـــ", " "]
    lead = tokenize("  \n Maroc  x", "fr")
    assert [lead.span(0), lead.span(1)] == [(4, 9), (11, 12)]
    for _ in range(50):
        text = "".join(rng.choice(pieces) + rng.choice([" ", "", "\u3000"]) for _ in range(40))
        stream = tokenize(text, "fr")
        reference = [m.span() for m in WORD_RE.finditer(text) if stream.norm(m.group())]
        assert [stream.span(i) for i in range(len(stream.tokens))] == reference
        assert len(stream.tokens) == len(stream.original_tokens())
        for i, tok in enumerate(stream.tokens):
            start, end = stream.span(i)
            assert tokenize(text[start:end], "fr").tokens == [tok]
        # what the automaton scans, the token list and the original words agree token for token
        assert stream.joined == " " + "".join(t + " " for t in stream.tokens)
        assert stream.ntokens == len(stream.tokens)
        assert [stream.word(i) for i in range(stream.ntokens)] == stream.original_tokens()


def test_a_ligature_of_several_words_is_one_token() -> None:
    """U+FDFA (ﷺ) folds to four words: one token still, so the hits after it keep their words
    and offsets (they used to shift by three tokens)."""
    text = "قال الرسول ﷺ كلاما. وقعت الشرطة الفرنسية والمديرية العامة للأمن الوطني اتفاقية تعاون أمني لمكافحة الإرهاب"
    stream = tokenize(text, "ar")
    assert stream.ntokens == len(stream.original_tokens()) == len(text.split())
    assert stream.original_tokens() == text.replace(".", "").split()
    rule = RULE.replace("threshold: 0.5", "threshold: 0.2")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "t.yaml").write_text(textwrap.dedent(rule), encoding="utf-8")
        m = load_topics(tmp)
    with_ligature = m.match("", text + " بين المغرب وفرنسا", "ar")
    without = m.match("", text.replace(" ﷺ", "") + " بين المغرب وفرنسا", "ar")
    assert with_ligature and [x.score for x in with_ligature] == [x.score for x in without]
    found = [t["text"] for t in with_ligature[0].reasons["terms"]]
    assert found == [t["text"] for t in without[0].reasons["terms"]] and found
    for item in with_ligature[0].reasons["terms"] + with_ligature[0].reasons["entities"]:
        assert (text + " بين المغرب وفرنسا")[item["start"] : item["end"]] == item["text"]


def test_warm_caches_give_the_same_matches(matcher: Matcher) -> None:
    """Checks of original words are remembered across articles: a second run (warm caches)
    and a fresh matcher (cold) give the same matches, reasons and explanations."""
    texts = [
        ("La DGSN et la police française renforcent la sécurité", "Le Maroc et la France: coopération. Dgsn, dgsn."),
        ("", "La sécurité routière au Maroc. La DGSN coopère avec la France contre le terrorisme."),
        ("Football", "Le Maroc bat la France, défense solide du gardien. Police et sécurité au stade."),
    ]
    first = [[x.to_json() for x in matcher.match(t, b, "fr")] for t, b in texts]
    again = [[x.to_json() for x in matcher.match(t, b, "fr")] for t, b in texts]
    fresh = matcher.subset(matcher.topic_names)
    cold = [[x.to_json() for x in fresh.match(t, b, "fr")] for t, b in reversed(texts)][::-1]
    assert first == again == cold and any(first)
    explained = [[e.to_json() for e in matcher.explain(t, b, "fr")] for t, b in texts]
    assert [[e["topic"] for e in ex if e["matched"]] for ex in explained] == [[x["topic"] for x in f] for f in first]
