"""The story signature on labelled article pairs (tests/stories/pairs*.yaml), and its features.

The floor: pair precision >= 0.95 and recall >= 0.9 over every labelled pair, both for the
pure pairwise decision and for articles grouped by a StoryIndex in date order (no chaining);
and the same floor on pairs_postfreeze.yaml alone (written after the people rule was frozen).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.story_pairs import Counts, evaluate, load  # noqa: E402
from pipelines.matching.stories import event_features  # noqa: E402

FILES = sorted((ROOT / "tests" / "stories").glob("pairs*.yaml"))


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    return {f.name: evaluate(load(f)) for f in FILES}


def test_the_pair_set_is_big_and_varied(results: dict[str, dict]) -> None:
    kinds: dict[str, Counts] = {}
    for r in results.values():
        for k, c in r["kinds"].items():
            kinds.setdefault(k, Counts()).tp += c.pairs
    assert sum(c.tp for c in kinds.values()) >= 200
    assert kinds["same event, two languages"].tp >= 40
    assert kinds["same topic, other event"].tp >= 100
    assert kinds["wire copy"].tp >= 3
    holdout = results["pairs_holdout.yaml"]["pairwise"]
    assert holdout.pairs >= 50


def test_pair_precision_and_recall_hold_the_floor(results: dict[str, dict]) -> None:
    for figure in ("pairwise", "grouped"):
        total = Counts()
        for r in results.values():
            c = r[figure]
            total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        assert total.precision >= 0.95, (figure, total)
        assert total.recall >= 0.9, (figure, total)
    for r in results.values():
        assert r["kinds"]["wire copy"].recall == 1.0
        assert r["kinds"]["same topic, other event"].fp == 0


def test_pairs_written_after_the_freeze_hold_the_floor(results: dict[str, dict]) -> None:
    """Measured once the person rule was frozen: P 1.000, R 0.929 (the 3 misses are Arabic
    accounts whose names the table does not know: a Casablanca market fire, a Raja coach)."""
    r = results["pairs_postfreeze.yaml"]
    assert r["events"] >= 12 and len({k for k in r["kinds"]}) == 4
    for figure in ("pairwise", "grouped"):
        assert r[figure].precision >= 0.95, (figure, r[figure])
        assert r[figure].recall >= 0.9, (figure, r[figure])
    assert r["kinds"]["same topic, other event"].fp == 0  # the same official meeting three counterparts


@pytest.mark.parametrize("title,text,not_names", [
    ("Le Maroc et la France", "Le ministre a parlé. Selon la DGSN, rien. Il a ajouté que tout va bien.", {"le", "selon", "il"}),
    ("Las autoridades", "Las autoridades detuvieron a una persona. Una fuente lo confirmó.", {"las", "una"}),
    ("The Talks Went Well", "The talks went well. The minister left on Tuesday.", {"the", "talks", "went", "well", "minister"}),
    ("", "Il pleut. Demain, Nous verrons. Les Marocains sont là.", {"il", "demain", "nous", "les"}),
])
def test_sentence_openings_and_function_words_are_never_names(title: str, text: str, not_names: set[str]) -> None:
    assert not (event_features(title, text) & not_names)


def test_one_event_in_french_and_arabic_shares_its_features() -> None:
    fr = event_features("Hammouchi reçoit Veaux", "Le chef de la DGSN, Abdellatif Hammouchi, a reçu mardi 14 mai à Rabat "
                        "Frédéric Veaux. Ils ont évoqué les Jeux olympiques de Paris et 1.200 policiers.")
    ar = event_features("حموشي يستقبل فو", "استقبل عبد اللطيف حموشي، يوم الثلاثاء 14 ماي بالرباط، فريديريك فو، وتناول اللقاء "
                        "الألعاب الأولمبية بباريس و1200 شرطي.")
    shared = {"@hammouchi", "@veaux", "@rabat", "@paris", "@olympics", "@month5-14", "@day2", "#1200"}
    assert shared <= fr and shared <= ar


def test_ambiguous_words_need_their_written_form() -> None:
    """"may" the modal is no month, "can" no football cup, "nice" no city."""
    feats = event_features("", "He said they may meet again, and can do it soon. It was a nice day in the Nice region.")
    assert "@month5" not in feats and "@can" not in feats
    assert "@nice" in feats  # the capitalised city mid-sentence
    assert "@month5-14" in event_features("", "The meeting took place on May 14 in the capital.")
