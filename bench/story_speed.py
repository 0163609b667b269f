"""Story lookup speed: signatures per second and index lookups per second (one core).

    .venv/bin/python bench/story_speed.py [--articles 3000] [--words 600]

Generated articles of the local web's lexicon (four languages, six topics, ~600 words), in
time order: signature of each (what the crawl's extraction processes compute), then, for
each, the lookup of its story in a StoryIndex of the ones before it and its insertion (what
the write path does). CPU time, medians of 3 rounds (the machine is shared); the first
round's signature rate is also printed apart: the signature caches per-word and per-chunk
work across articles, and a crawl meets new words every page. The articles are random draws,
not events: how many stories they form says how many candidates a lookup scores.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from localweb.lexicon import WEEKDAYS, make_paragraphs, make_title  # noqa: E402
from pipelines.matching.stories import StoryIndex, signature  # noqa: E402

TOPICS = ["coop", "near", "economie", "sport", "culture", "societe"]


def articles(n: int, words: int) -> list[tuple[str, str, str]]:
    rng = random.Random(11)
    out = []
    for _ in range(n):
        lang, topic = rng.choice(["fr", "ar", "en", "es"]), rng.choice(TOPICS)
        day = WEEKDAYS[lang][rng.randrange(7)]
        out.append((make_title(rng, lang, topic, day), "\n".join(make_paragraphs(rng, lang, topic, words, day)), lang))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--words", type=int, default=600)
    args = parser.parse_args()
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
