"""The shipped security-cooperation topic on the labelled corpus: precision and recall >= 0.95.

``tests/corpus/*.yaml`` are short articles written for this (fr/ar/en/es, positives and hard
negatives); the real seeds join in place when the shared folder is present (each seed page a
positive, the 48 unrelated ticker headlines of seed 001 negatives).
``bench/eval_rules.py`` prints the same figures with the misclassified items.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipelines.matching.engine import Matcher, load_topics

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.evaluation import Evaluation, evaluate, load_corpus, load_seed_items  # noqa: E402

TOPIC = "security-cooperation"
FLOOR = 0.95


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_topics(ROOT / "config" / "rules")


def _explain(res: Evaluation) -> str:
    fps = [f"FP {i.id} ({s})" for i, s in res.false_positives]
    fns = [f"FN {i.id}" for i in res.false_negatives]
    return f"precision {res.precision:.3f} recall {res.recall:.3f}: " + ", ".join(fps + fns)


def test_corpus_is_big_and_balanced() -> None:
    items = load_corpus(ROOT / "tests" / "corpus")
    assert len(items) >= 120
    assert len({i.id for i in items}) == len(items)
    for lang in ("fr", "ar", "en", "es"):
        mine = [i for i in items if i.language == lang]
        assert sum(i.label for i in mine) >= 10 and sum(not i.label for i in mine) >= 10, lang


def test_precision_and_recall_on_written_corpus(matcher: Matcher) -> None:
    res = evaluate(matcher, TOPIC, load_corpus(ROOT / "tests" / "corpus"))
    assert res.precision >= FLOOR and res.recall >= FLOOR, _explain(res)


@pytest.mark.parametrize("lang", ["fr", "ar", "en", "es"])
def test_precision_and_recall_in_every_language(matcher: Matcher, lang: str) -> None:
    items = [i for i in load_corpus(ROOT / "tests" / "corpus") if i.language == lang]
    res = evaluate(matcher, TOPIC, items)
    assert res.precision >= FLOOR and res.recall >= FLOOR, f"{lang}: " + _explain(res)


def test_precision_and_recall_with_seeds(matcher: Matcher, shared_dir: Path) -> None:
    seeds = load_seed_items(shared_dir / "seeds")
    assert sum(i.label for i in seeds) == 5 and sum(not i.label for i in seeds) >= 40
    res = evaluate(matcher, TOPIC, load_corpus(ROOT / "tests" / "corpus") + seeds)
    assert res.precision >= FLOOR and res.recall >= FLOOR, _explain(res)


def test_every_seed_is_found_with_its_people(matcher: Matcher, shared_dir: Path) -> None:
    for path in sorted((shared_dir / "seeds").glob("0*.txt")):
        text = path.read_text(encoding="utf-8")
        [m] = [m for m in matcher.match("", text, "fr") if m.topic == TOPIC]
        entities = {e["entity"] for e in m.reasons["entities"]}
        assert {"hammouchi", "morocco", "france"} <= entities, path.name
        for e in m.reasons["entities"] + m.reasons["terms"]:
            assert text[e["start"] : e["end"]] == e["text"]


def test_real_pages_of_unrelated_news_do_not_match(matcher: Matcher, shared_dir: Path) -> None:
    """80 real articles (fr/es/en/ar, none about Morocco-France security): real-world negatives."""
    import json

    manifest = json.loads((shared_dir / "fixtures" / "real-pages" / "manifest.json").read_text(encoding="utf-8"))
    flagged = []
    for page in manifest["pages"]:
        truth = page["ground_truth"]
        body = truth.get("body") or " ".join(truth.get("must_contain", []))
        found = matcher.match(truth.get("title") or "", body, page.get("language"))
        flagged += [(page["id"], m.topic) for m in found if m.topic == TOPIC]
    assert len(manifest["pages"]) >= 50
    assert flagged == []


@pytest.mark.parametrize("topic", ["organised-crime", "irregular-migration"])
def test_the_other_shipped_topics_on_their_own_items(matcher: Matcher, topic: str) -> None:
    """Smaller labelled sets (fr/ar/en/es) for the two other topics: the engine is general."""
    from bench.evaluation import load_corpus_file

    items = load_corpus_file(ROOT / "tests" / "corpus" / "topics" / f"{topic}.yaml")
    assert sum(i.label for i in items) >= 6 and sum(not i.label for i in items) >= 6
    res = evaluate(matcher, topic, items)
    assert res.precision >= FLOOR and res.recall >= FLOOR, _explain(res)
