"""Story pairs: pairwise precision and recall of the story signature on labelled articles.

    .venv/bin/python bench/story_pairs.py [FILE.yaml ...] [--sweep] [--show-errors]

Each file (default: every ``tests/stories/pairs*.yaml``) holds articles labelled with their
event; every pair of articles in a file is a labelled pair: same event = same story. Two
figures per file:
- *pairwise*: ``similarities(a, [b]) > 0`` (and published within the story window) against the label;
- *grouped*: the articles fed to a ``StoryIndex`` in date order, as the crawl stores them
  (cores, no chaining): two articles in one story against the label.
Pairs are also broken down by kind: wire copy, same event in two languages, same event in
one language, same topic but another event, other topics. ``--sweep`` prints the figures
for a range of event thresholds (how the threshold was chosen on pairs_tune.yaml).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.evaluation import Confusion  # noqa: E402
from pipelines.matching import stories  # noqa: E402


@dataclass(frozen=True)
class Labelled:
    id: str
    event: str
    topic: str
    lang: str
    when: datetime
    title: str
    text: str
    copy_of: str | None


def load(path: Path) -> list[Labelled]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for a in data["articles"]:
        day = a["date"] if isinstance(a["date"], date) else date.fromisoformat(str(a["date"]))
        out.append(Labelled(a["id"], a["event"], a["topic"], a["lang"], datetime.combine(day, time(12), UTC),
                            a.get("title", ""), a["text"], a.get("copy_of")))
    ids = [a.id for a in out]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: duplicate article ids")
    return out


def kind(a: Labelled, b: Labelled) -> str:
    if a.event == b.event:
        if a.copy_of == b.id or b.copy_of == a.id:
            return "wire copy"
        return "same event, two languages" if a.lang != b.lang else "same event, one language"
    return "same topic, other event" if a.topic == b.topic else "other topics"


class Counts(Confusion):
    """Pair counts: same event (truth) against joined in one story (said)."""

    @property
    def pairs(self) -> int:
        return self.total


def grouped(articles: list[Labelled], sigs: dict[str, stories.Signature]) -> dict[str, int]:
    """Article id -> story, fed to an index in date order as the crawl would."""
    index = stories.StoryIndex()
    story_of: dict[str, int] = {}
    for key, a in enumerate(sorted(articles, key=lambda a: (a.when, a.id))):
        found = index.candidates(sigs[a.id], a.when)
        story_of[a.id] = found[0][1] if found else key
        index.add(key, sigs[a.id], story_of[a.id], a.when)
    return story_of


def evaluate(articles: list[Labelled]) -> dict[str, Any]:
    sigs = {a.id: stories.signature(a.title, a.text, a.lang) for a in articles}
    story_of = grouped(articles, sigs)
    pairwise, by_group, by_kind = Counts(), Counts(), {}
    errors = []
    for a, b in combinations(articles, 2):
        truth = a.event == b.event
        said = abs(a.when - b.when) <= stories.WINDOW and stories.similarities(sigs[a.id], [sigs[b.id]])[0] > 0
        pairwise.add(truth, said)
        by_group.add(truth, story_of[a.id] == story_of[b.id])
        by_kind.setdefault(kind(a, b), Counts()).add(truth, said)
        if truth != said:
            errors.append((a.id, b.id, truth, round(sigs[a.id].event.jaccard(sigs[b.id].event), 3),
                           round(sigs[a.id].shingles.jaccard(sigs[b.id].shingles), 3)))
    sizes = sorted((list(story_of.values()).count(s) for s in set(story_of.values())), reverse=True)
    return {"pairwise": pairwise, "grouped": by_group, "kinds": by_kind, "errors": errors, "largest": sizes[0],
            "stories": len(sizes), "events": len({a.event for a in articles})}


def report(name: str, result: dict[str, Any], show_errors: bool) -> None:
    p, g = result["pairwise"], result["grouped"]
    print(f"{name}: {p.pairs} pairs ({p.tp + p.fn} same-event), {result['events']} events")
    print(f"  pairwise  precision {p.precision:.3f}  recall {p.recall:.3f}  (tp {p.tp}, fp {p.fp}, fn {p.fn})")
    print(f"  grouped   precision {g.precision:.3f}  recall {g.recall:.3f}  (tp {g.tp}, fp {g.fp}, fn {g.fn}); "
          f"{result['stories']} stories, largest {result['largest']}")
    for k, c in sorted(result["kinds"].items()):
        same = c.tp + c.fn
        print(f"    {k:28s} {c.pairs:5d} pairs  " + (f"found {c.tp}/{same}" if same else f"wrongly joined {c.fp}"))
    if show_errors:
        for a, b, truth, ev, sh in result["errors"]:
            print(f"    {'MISSED' if truth else 'JOINED'} {a} ~ {b}: event {ev}, shingles {sh}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--sweep", action="store_true", help="figures for a range of event thresholds")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    files = args.files or sorted((ROOT / "tests" / "stories").glob("pairs*.yaml"))
    data = {f.name: load(f) for f in files}
    if args.sweep:
        keep = stories.EVENT_JACCARD, stories.GENERIC_WEIGHT
        for weight in (1.0, 0.5, 0.25):
            for threshold in (0.15, 0.18, 0.2, 0.22, 0.25, 0.28, 0.3, 0.35):
                stories.EVENT_JACCARD, stories.GENERIC_WEIGHT = threshold, weight
                for name, arts in data.items():
                    r = evaluate(arts)
                    print(f"generic weight {weight:.2f} threshold {threshold:.2f} {name}: pairwise P "
                          f"{r['pairwise'].precision:.3f} R {r['pairwise'].recall:.3f}; grouped P "
                          f"{r['grouped'].precision:.3f} R {r['grouped'].recall:.3f}")
        stories.EVENT_JACCARD, stories.GENERIC_WEIGHT = keep
        return
    print(f"event threshold {stories.EVENT_JACCARD}, generic weight {stories.GENERIC_WEIGHT}, "
          f"min shared specific {stories.MIN_SHARED_SPECIFIC}, min features {stories.MIN_EVENT_FEATURES}, "
          f"near-duplicate threshold {stories.DUPLICATE_JACCARD}")
    for name, arts in data.items():
        report(name, evaluate(arts), args.show_errors)


if __name__ == "__main__":
    main()
