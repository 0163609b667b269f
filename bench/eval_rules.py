"""Print precision, recall and the misclassified items of a topic on the labelled corpus.

    .venv/bin/python bench/eval_rules.py [--topic security-cooperation] [--rules config/rules]
        [--corpus tests/corpus] [--seeds ../shared/seeds] [--explain]

security-cooperation is measured on tests/corpus/*.yaml plus the seeds; a topic with its own
file tests/corpus/topics/<topic>.yaml on that file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.evaluation import evaluate, load_corpus, load_corpus_file, load_seed_items  # noqa: E402
from pipelines.matching.engine import load_topics  # noqa: E402


def _shared() -> Path:
    """NEWSWATCH_SHARED_DIR, else ../shared beside the checkout (or beside its parent, for worktrees)."""
    import os

    if os.environ.get("NEWSWATCH_SHARED_DIR"):
        return Path(os.environ["NEWSWATCH_SHARED_DIR"])
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared").is_dir():
            return base / "shared"
    return ROOT.parent / "shared"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topic", default="security-cooperation")
    ap.add_argument("--rules", type=Path, default=ROOT / "config" / "rules")
    ap.add_argument("--corpus", type=Path, default=ROOT / "tests" / "corpus")
    ap.add_argument("--seeds", type=Path, default=_shared() / "seeds")
    ap.add_argument("--explain", action="store_true", help="show groups found for misclassified items")
    args = ap.parse_args()

    matcher = load_topics(args.rules)
    own = args.corpus / "topics" / f"{args.topic}.yaml"
    if own.is_file():  # a topic with its own labelled file
        items = load_corpus_file(own)
    else:
        items = load_corpus(args.corpus)
        if args.seeds.is_dir():
            items += load_seed_items(args.seeds)
        else:
            print(f"(seeds folder {args.seeds} absent: corpus only)")
    res = evaluate(matcher, args.topic, items)
    print(f"topic {args.topic}: {res.total} items, {res.tp + res.fn} positive")
    print(f"precision {res.precision:.3f}  recall {res.recall:.3f}  (tp {res.tp} fp {res.fp} fn {res.fn} tn {res.tn})")
    for lang in ("fr", "ar", "en", "es"):
        part = evaluate(matcher, args.topic, [i for i in items if i.language == lang])
        if part.total:
            print(f"  {lang}: precision {part.precision:.3f}  recall {part.recall:.3f}  ({part.total} items,"
                  f" tp {part.tp} fp {part.fp} fn {part.fn})")
    for item, score in res.false_positives:
        print(f"  FALSE POSITIVE {item.id} (score {score}): {item.title or item.text[:80]}")
        if args.explain:
            [why] = [e for e in matcher.explain(item.title, item.text, item.language) if e.topic == args.topic]
            print("\n".join("      " + line for line in why.lines()))
    for item in res.false_negatives:
        print(f"  FALSE NEGATIVE {item.id}: {item.title or item.text[:80]}")
        if args.explain:
            [why] = [e for e in matcher.explain(item.title, item.text, item.language) if e.topic == args.topic]
            print("\n".join("      " + line for line in why.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
