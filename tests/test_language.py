"""Language identification: accuracy on hand-written titles, bodies and other-language texts
(tests/pages/language_samples.json; the figures and the choice of rule are in
pipelines/language.py and bench/language_accuracy.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.language import LANGUAGES, OTHER, article_language, identify

SAMPLES = json.loads((Path(__file__).parent / "pages" / "language_samples.json").read_text(encoding="utf-8"))


def _accuracy(items: list[list[str]], expected: str | None = None) -> tuple[float, list[str]]:
    misses = []
    for lang, text in items:
        want = expected or lang
        got = identify(text).language
        if got != want:
            misses.append(f"{want}->{got}: {text[:50]}")
    return 1 - len(misses) / len(items), misses


def test_short_titles() -> None:
    accuracy, misses = _accuracy(SAMPLES["titles"])
    assert accuracy >= 0.95, misses


@pytest.mark.parametrize("lang", LANGUAGES)
def test_titles_per_language(lang: str) -> None:
    accuracy, misses = _accuracy([item for item in SAMPLES["titles"] if item[0] == lang])
    assert accuracy >= 0.9, misses


def test_bodies() -> None:
    accuracy, misses = _accuracy(SAMPLES["bodies"])
    assert accuracy == 1.0, misses


def test_other_languages_are_other() -> None:
    accuracy, misses = _accuracy(SAMPLES["other"], expected=OTHER)
    assert accuracy >= 0.9, misses


def test_labels_are_restricted() -> None:
    for _, text in SAMPLES["titles"] + SAMPLES["bodies"] + SAMPLES["other"]:
        assert identify(text).language in (*LANGUAGES, OTHER)


@pytest.mark.parametrize("text", ["", "   ", "2024 - 12 - 16", "https://example.com/a/b", "!!!"])
def test_no_letters_is_other(text: str) -> None:
    guess = identify(text)
    assert guess.language == OTHER
    assert guess.confidence == 0.0


def test_confidence_is_a_probability() -> None:
    guess = identify("La coopération sécuritaire entre le Maroc et la France se renforce encore.")
    assert guess.language == "fr"
    assert 0.5 < guess.confidence <= 1.0


def test_article_language_prefers_body_over_title() -> None:
    body = "تمكنت عناصر الشرطة القضائية بمدينة الدار البيضاء من توقيف ثلاثة أشخاص يشتبه في ارتباطهم بشبكة إجرامية."
    assert article_language("Casablanca : trois interpellations", body).language == "ar"
    assert article_language("Hammouchi reçu à Paris par ses homologues", "").language == "fr"
