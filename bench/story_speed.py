"""Story lookup speed: signatures per second and index lookups per second (one core).

    .venv/bin/python bench/story_speed.py [--articles 3000] [--words 600]
    .venv/bin/python bench/story_speed.py --memory [--sizes 10000,20000,50000]

Generated articles of the local web's lexicon (four languages, six topics, ~600 words), in
time order: signature of each (what the crawl's extraction processes compute), then, for
each, the lookup of its story in a StoryIndex of the ones before it and its insertion (what
the write path does). CPU time, medians of 3 rounds (the machine is shared); the first
round's signature rate is also printed apart: the signature caches per-word and per-chunk
work across articles, and a crawl meets new words every page. The articles are random draws,
not events: how many stories they form says how many candidates a lookup scores.

``--memory``: bytes a StoryIndex holds per indexed article (tracemalloc, after the signatures
are made), for N articles each its own story (every entry in both LSHs: the worst case). The N
signatures reuse the features and people of a few hundred generated articles, with fresh random
MinHash values each (so every article fills its own LSH buckets, as unique articles do).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from localweb.lexicon import WEEKDAYS, make_paragraphs, make_title  # noqa: E402
from pipelines.matching.stories import EVENT_PERM, SHINGLE_PERM, Signature, StoryIndex, _minhash, signature  # noqa: E402

TOPICS = ["coop", "near", "economie", "sport", "culture", "societe"]


def articles(n: int, words: int) -> list[tuple[str, str, str]]:
    rng = random.Random(11)
    out = []
    for _ in range(n):
        lang, topic = rng.choice(["fr", "ar", "en", "es"]), rng.choice(TOPICS)
        day = WEEKDAYS[lang][rng.randrange(7)]
        out.append((make_title(rng, lang, topic, day), "\n".join(make_paragraphs(rng, lang, topic, words, day)), lang))
    return out


def memory(sizes: list[int], words: int) -> None:
    """Print bytes per indexed article for each size (tracemalloc: Python and numpy allocations)."""
    base = [signature(title, text, lang) for title, text, lang in articles(300, words)]
    rng = np.random.default_rng(5)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    for n in sizes:
        whens = [t0 + timedelta(seconds=2 * i) for i in range(n)]
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        sigs = []  # made while traced: what the index keeps of them counts, the rest is freed below
        for i in range(n):
            b = base[i % len(base)]
            sigs.append(Signature(
                _minhash(SHINGLE_PERM, rng.integers(0, 2**32, SHINGLE_PERM, dtype=np.uint64).astype(np.uint32)),
                _minhash(EVENT_PERM, rng.integers(0, 2**32, EVENT_PERM, dtype=np.uint64).astype(np.uint32)),
                b.n_shingles, b.n_event, b.features.copy(), b.script, b.persons.copy(), b.person_parts.copy()))
        index = StoryIndex()
        for key, (sig, when) in enumerate(zip(sigs, whens, strict=True)):
            index.add(key, sig, key, when)
        del sigs, sig
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        print(f"{n:,} articles indexed: {used / 2**20:,.1f} MiB, {used / len(index):,.0f} bytes/article", flush=True)
        del index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--words", type=int, default=600)
    parser.add_argument("--memory", action="store_true", help="bytes per indexed article instead of speed")
    parser.add_argument("--sizes", default="10000,20000,50000", help="article counts for --memory")
    args = parser.parse_args()
    if args.memory:
        memory([int(n) for n in args.sizes.split(",")], args.words)
        return
    arts = articles(args.articles, args.words)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    sig_rates, lookup_rates = [], []
    stories: set[int] = set()
    for _ in range(3):
        start = time.process_time()
        sigs = [signature(title, text, lang) for title, text, lang in arts]
        sig_rates.append(len(arts) / (time.process_time() - start))
        index = StoryIndex()
        start = time.process_time()
        for key, sig in enumerate(sigs):
            when = t0 + timedelta(minutes=5 * key)  # 3,000 articles over ten days: a 7-day window holds ~2,000
            found = index.candidates(sig, when)
            story = found[0][1] if found else key
            index.add(key, sig, story, when)
            stories.add(story)
        lookup_rates.append(len(sigs) / (time.process_time() - start))
    print(f"{len(arts)} articles of ~{args.words} words: signature {statistics.median(sig_rates):,.0f} articles/s "
          f"(first round {sig_rates[0]:,.0f}), "
          f"story lookup + insert {statistics.median(lookup_rates):,.0f} articles/s (CPU, one core, median of 3); "
          f"{len(stories)} stories (the lookup costs more the more stories the window holds)")


if __name__ == "__main__":
    main()
