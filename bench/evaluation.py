"""Measure a topic on a labelled corpus: precision, recall and the misclassified items.

The corpus is YAML files of ``{id, label, title, text[, lang]}`` (``tests/corpus/``, labels for
security-cooperation; ``tests/corpus/topics/<topic>.yaml``, labels for that topic); the
real seeds in the shared folder join it when present, read in place: each seed article is a
positive, and the ~50 unrelated ticker headlines of seed 001 are negatives one by one.
Used by ``tests/test_match_corpus.py`` and ``bench/eval_rules.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.matching.engine import Matcher


@dataclass(frozen=True)
class Item:
    id: str
    label: bool
    title: str
    text: str
    language: str | None


@dataclass
class Confusion:
    """Counts of a yes/no decision against the truth, with precision and recall (1.0 when undefined)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, said: bool) -> None:
        if truth and said:
            self.tp += 1
        elif said:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn


@dataclass
class Evaluation(Confusion):
    false_positives: list[tuple[Item, float]] = field(default_factory=list)
    false_negatives: list[Item] = field(default_factory=list)


def load_corpus_file(path: Path) -> list[Item]:
    """One YAML list of items; the language defaults to the file name (fr.yaml …)."""
    lang = path.stem if path.stem in ("fr", "en", "es", "ar") else None
    return [
        Item(str(raw["id"]), bool(raw["label"]), raw.get("title", ""), raw.get("text", ""), raw.get("lang", lang))
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []
    ]


def load_corpus(corpus_dir: Path) -> list[Item]:
    """Every ``*.yaml`` of the folder (not its sub-folders)."""
    return [item for path in sorted(corpus_dir.glob("*.yaml")) for item in load_corpus_file(path)]


_TICKER_END = "Merci d'avoir signalé"


def load_seed_items(seeds_dir: Path) -> list[Item]:
    """The five seeds as positives (whole page text, noise included) + seed 001's ticker."""
    items: list[Item] = []
    for path in sorted(seeds_dir.glob("0*.txt")):
        text = path.read_text(encoding="utf-8")
        items.append(Item(f"seed-{path.stem[:3]}", True, "", text, "fr"))
        if path.name.startswith("001") and _TICKER_END in text:
            ticker = text.split(_TICKER_END, 1)[0]
            headlines = [h.strip() for h in re.split(r"\s{3,}", ticker) if h.strip()]
            for i, headline in enumerate(headlines):
                # headlines mix fr/es/en: no language given, the matcher guesses
                items.append(Item(f"seed-001-ticker-{i:02d}", False, headline, "", None))
    return items


def evaluate(matcher: Matcher, topic: str, items: list[Item]) -> Evaluation:
    result = Evaluation()
    for item in items:
        matches = {m.topic: m for m in matcher.match(item.title, item.text, item.language)}
        found = matches.get(topic)
        if found and item.label:
            result.tp += 1
        elif found:
            result.fp += 1
            result.false_positives.append((item, found.score))
        elif item.label:
            result.fn += 1
            result.false_negatives.append(item)
        else:
            result.tn += 1
    return result
