"""Matcher throughput: generated ~600-word articles against generated topic rules.

    .venv/bin/python bench/match_bench.py [--articles 10000] [--words 600] [--sizes 100,500,1200,2000,5000]
    .venv/bin/python bench/match_bench.py --shipped [--articles 3000] [--words 600] [--passes 5]

The main run is 10,000 articles against 1,000 keywords + 200 entities with aliases (spread
over 10 topics); then the pattern count is varied with the same articles to show how the
cost scales (the automaton scans once whatever the number of patterns; what grows is the
number of hits to evaluate). Single process, so articles/s is per core. The normaliser's
cache starts cold: the first articles pay for stemming a new vocabulary.

``--shipped``: the real rule set (``config/rules``, every topic) on two sets of articles in
the four languages, ``--words`` words each: *news*, the local web's generated articles in the
crawl's mix of sections (cooperation, near misses, economy, sport, society…: what a crawl
feeds the matcher); *dense*, labelled corpus items of one language (``tests/corpus`` and its
holdout) put together one per paragraph: far more topic vocabulary than everyday news (every
item is about security or a hard negative of it), the slow end. Prints the median of
``--passes`` warm passes.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.matching import normalize  # noqa: E402
from pipelines.matching.engine import load_topics  # noqa: E402

SYLLABLES = "ba be bi bo bou da de di do ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si so ta te ti to va ve vi za".split()
ENDINGS = ["", "", "s", "e", "es", "ment", "tion", "tions", "ité", "aire", "ais", "aise", "eur", "eurs"]


def make_vocab(rng: random.Random, n: int) -> list[str]:
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) + rng.choice(ENDINGS))
    return sorted(words)


def make_rules(rng: random.Random, vocab: list[str], keywords: int, entities: int, topics: int, out: Path) -> None:
    for f in out.glob("*.yaml"):
        f.unlink()
    mid = vocab[200:]  # keywords avoid the 200 most frequent words, as real ones do
    for t in range(topics):
        kws = [" ".join(rng.choice(mid) for _ in range(rng.choice([1, 1, 2, 2, 3]))) for _ in range(keywords // topics)]
        ents = {}
        for e in range(entities // topics):
            name = " ".join(rng.choice(mid).capitalize() for _ in range(2))
            ents[f"e{e}"] = {"aliases": [name, name.split()[-1], name + " " + rng.choice(mid)],
                             "acronyms": ["".join(w[0] for w in name.upper().split()) + str(e)]}
        half = len(kws) // 2
        doc = {
            "topic": f"topic-{t}",
            "threshold": 0.5,
            "scale": 3,  # the old raw threshold: 0.5 on the 0-1 scale
            "entities": ents,
            "groups": {
                "a": {"terms": {"fr": kws[:half]}, "entities": list(ents)[: len(ents) // 2]},
                "b": {"terms": {"fr": kws[half:]}, "entities": list(ents)[len(ents) // 2 :]},
            },
            "require": {"all": ["a", "b", {"near": ["a", "b"], "within": 50}]},
            "exclusions": [{"phrases": {"fr": [kws[0] + " " + rng.choice(mid)]}}],
        }
        (out / f"topic-{t}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def make_articles(rng: random.Random, vocab: list[str], n: int, words: int) -> list[tuple[str, str]]:
    weights = [1 / (i + 1) for i in range(len(vocab))]  # Zipf
    arts = []
    for _ in range(n):
        toks = rng.choices(vocab, weights=weights, k=words)
        for i in range(0, words, 12):
            toks[i] = toks[i].capitalize()
        body = " ".join(toks)
        body = ". ".join(body[i : i + 120] for i in range(0, len(body), 120))
        arts.append((" ".join(rng.choices(vocab, weights=weights, k=10)).capitalize(), body))
    return arts


def one_pass(matcher: object, articles: list[tuple[str, str]]) -> tuple[float, float, int]:
    """(articles per CPU-second, per wall-second, matched) for one pass."""
    matched = 0
    c0, w0 = time.process_time(), time.perf_counter()
    for title, text in articles:
        if matcher.match(title, text, "fr"):  # type: ignore[attr-defined]
            matched += 1
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    return len(articles) / cpu, len(articles) / wall, matched


def scan_only(matcher: object, articles: list[tuple[str, str]]) -> tuple[float, int]:
    """Articles per CPU-second for normalising + one automaton scan, no rule evaluation."""
    auto = matcher._automaton("fr")  # type: ignore[attr-defined]
    norm = matcher.normalizer("fr")  # type: ignore[attr-defined]
    hits = 0
    c0 = time.process_time()
    for title, text in articles:
        for field in (title, text):
            hits += sum(1 for _ in auto.iter(normalize.tokenize(field, "fr", norm).joined))
    return len(articles) / (time.process_time() - c0), hits


def run(rules_dir: Path, articles: list[tuple[str, str]], passes: int = 1) -> tuple[list[tuple[float, float, int]], int, float]:
    normalize._NORMALIZERS.clear()
    matcher = load_topics(rules_dir)
    t0 = time.perf_counter()
    matcher.warm()
    build = time.perf_counter() - t0
    results = [one_pass(matcher, articles) for _ in range(passes)]
    if passes > 1:
        run.last_scan = scan_only(matcher, articles)  # type: ignore[attr-defined]
    return results, matcher.pattern_count("fr"), build


def corpus_articles(rng: random.Random, n: int, words: int) -> list[tuple[str, str, str]]:
    """(title, text, language): labelled corpus items of one language, one per paragraph, up to
    ``words`` words; the first item's title is the article's title."""
    from bench.evaluation import load_corpus

    by_lang: dict[str, list[tuple[str, str]]] = {}
    for folder in (ROOT / "tests" / "corpus", ROOT / "tests" / "corpus" / "holdout"):
        for item in load_corpus(folder):
            if item.language:
                by_lang.setdefault(item.language, []).append((item.title, item.text))
    langs = sorted(by_lang)
    arts = []
    for i in range(n):
        lang = langs[i % len(langs)]
        paragraphs: list[str] = []
        count = 0
        while count < words:
            title, text = rng.choice(by_lang[lang])
            para = f"{title}. {text}" if paragraphs and title else text
            paragraphs.append(para)
            count += len(para.split())
        arts.append((rng.choice(by_lang[lang])[0], "\n\n".join(paragraphs), lang))
    return arts


def news_articles(rng: random.Random, n: int, words: int) -> list[tuple[str, str, str]]:
    """(title, text, language): the local web's generated articles, sections in the outlets' mix."""
    from localweb import lexicon
    from localweb.outlet import TOPIC_CYCLE

    arts = []
    for i in range(n):
        lang, topic = lexicon.LANGUAGES[i % len(lexicon.LANGUAGES)], TOPIC_CYCLE[i % len(TOPIC_CYCLE)]
        weekday = lexicon.WEEKDAYS[lang][i % 7]
        slots = lexicon.event_slots(rng, lang, weekday)
        title = lexicon.make_title(rng, lang, topic, weekday, slots)
        arts.append((title, "\n\n".join(lexicon.make_paragraphs(rng, lang, topic, words, weekday, slots)), lang))
    return arts


def shipped(args: argparse.Namespace) -> int:
    """The real rule set on generated news and on corpus-made articles: median articles/s per core."""
    import statistics

    matcher = load_topics(ROOT / "config" / "rules")
    t0 = time.perf_counter()
    matcher.warm()
    build = time.perf_counter() - t0
    keys = ", ".join(f"{lang} {matcher.pattern_count(lang)}" for lang in ("fr", "ar", "en", "es"))
    print(f"shipped rules ({', '.join(matcher.topic_names)}): automaton keys {keys}, built in {build:.2f} s")
    sets = (("news", "local web articles, the crawl's mix of sections", news_articles),
            ("dense", "labelled corpus items put together", corpus_articles))
    for name, what, make in sets:
        articles = make(random.Random(args.seed), args.articles, args.words)
        words = sum(len(t.split()) for _, t, _ in articles) / len(articles)
        print(f"{name}: {len(articles)} articles ({what}; fr/ar/en/es), {words:.0f} words each on average")
        rates, matched = [], 0
        for p in range(args.passes + 1):
            c0 = time.process_time()
            matched = sum(1 for title, text, lang in articles if matcher.match(title, text, lang))
            rate = len(articles) / (time.process_time() - c0)
            if p:  # the first pass warms the normaliser's caches
                rates.append(rate)
        print(f"  median of {args.passes} warm passes: {statistics.median(rates):,.0f} articles/s per core"
              f" ({statistics.median(rates) * words / 1e6:.2f} M words/s; passes {min(rates):,.0f}-{max(rates):,.0f}),"
              f" {matched} articles matched")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--words", type=int, default=600)
    ap.add_argument("--sizes", default="100,500,1200,2000,5000", help="total patterns (keywords + 1/5 entities)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shipped", action="store_true", help="the real rules (config/rules) on corpus-made articles")
    ap.add_argument("--passes", type=int, default=5, help="--shipped: warm passes (median printed)")
    args = ap.parse_args()
    if args.shipped:
        return shipped(args)
    rng = random.Random(args.seed)
    vocab = make_vocab(rng, 40_000)
    articles = make_articles(rng, vocab, args.articles, args.words)
    words = sum(len(t.split()) for _, t in articles) / len(articles)
    print(f"{len(articles)} articles, {words:.0f} words each on average, vocabulary {len(vocab)}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        make_rules(rng, vocab, 1000, 200, 10, d)
        (cold, warm), patterns, build = run(d, articles, passes=2)
        print(f"main: 1000 keywords + 200 entities ({patterns} automaton keys, built in {build:.2f} s), {cold[2]} articles matched")
        for name, (cpu, wall, _) in (("first pass, cold caches", cold), ("second pass, warm caches", warm)):
            print(f"  {name}: {cpu:,.0f} articles/s per core (CPU time; {cpu * words / 1e6:.2f} M words/s),"
                  f" {wall:,.0f}/s wall clock")
        sample = articles[: min(len(articles), 3000)]
        print(f"scaling (first {len(sample)} articles, warm caches, articles/s per core;"
              " 'scan' = normalise + automaton only, 'full' = with rule evaluation and reasons):")
        for size in [int(x) for x in args.sizes.split(",")]:
            kw = max(10, size * 5 // 6)
            ent = max(10, size // 6 // 3)  # each entity brings ~3 aliases + 1 acronym
            make_rules(random.Random(args.seed + size), vocab, kw, ent, 10, d)
            (_, (cpu, wall, matched)), patterns, _ = run(d, sample, passes=2)
            scan, hits = run.last_scan  # type: ignore[attr-defined]
            print(f"  {patterns:>6} patterns: scan {scan:>7,.0f}/s, full {cpu:>7,.0f}/s"
                  f"  ({hits / len(sample):.1f} hits/article, {matched} articles matched)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
