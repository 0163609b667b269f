"""Benchmark: matches page and /api/matches latency with 100,000 articles and 20,000 matches
(one article in five matched by a second topic, a third of them triaged), and the Stories page.

Builds a fresh store (SQLite by default, or --database-url for PostgreSQL — its public
schema is wiped), fills it with bulk inserts, then times requests through the ASGI test
client (the whole app: routing, queries, template rendering, JSON) and prints median and
p95 per scenario. Goal: median < 150 ms.

    .venv/bin/python bench/dashboard_bench.py [--articles 100000] [--matches 20000] [--runs 30] [--cpu]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import random
import statistics
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from dashboard.app import create_app
from storage.db import dispose_engines, get_engine, upgrade
from storage.models import Article, Match, Outlet, Story, Triage

WORDS_FR = ("coopération sécuritaire Rabat Paris terrorisme renseignement accord ministre police frontière "
            "migration justice extradition enquête réseau démantèlement DGSN DGSI Maroc France").split()  # fmt: skip
WORDS_AR = "التعاون الأمني الرباط باريس الإرهاب المغرب فرنسا الشرطة الحدود الهجرة".split()
TOPICS = ("security-cooperation", "migration", "justice", "terrorism")


def fill(url: str, n_articles: int, n_matches: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(Outlet), [
            {"name": f"Outlet {i:02d}", "country": "ma" if i % 2 else "fr", "homepage": f"https://o{i}.example",
             "languages": ["fr"], "created_at": now} for i in range(30)
        ])  # fmt: skip
        conn.execute(insert(Story), [
            {"title": f"story {i}", "first_seen": now, "last_seen": now, "article_count": rng.randint(1, 6)}
            for i in range(5000)
        ])  # fmt: skip
    # filler: a 20,000-word vocabulary with Zipf frequencies (like real text); 30 % of
    # articles are on topic and carry six topic words (so a topic word is in ~8 % of texts)
    vocabulary = [f"mot{i}" for i in range(20_000)]
    cum_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    batch = 5000
    for start in range(0, n_articles, batch):
        rows = []
        for i in range(start, min(start + batch, n_articles)):
            arabic = i % 5 == 0
            vocab = WORDS_AR if arabic else WORDS_FR
            words = rng.choices(vocabulary, cum_weights=cum_weights, k=120)
            if rng.random() < 0.3:
                for _ in range(6):
                    words[rng.randrange(120)] = rng.choice(vocab)
            when = now - timedelta(minutes=rng.randint(0, 60 * 24 * 90))
            rows.append({
                "url": f"https://o{i % 30}.example/a/{i}", "outlet_id": i % 30 + 1,
                "title": " ".join(rng.choices(vocabulary, cum_weights=cum_weights, k=6) + [rng.choice(vocab)]), "text": " ".join(words),
                "language": "ar" if arabic else "fr", "published_at": when, "fetched_at": when + timedelta(minutes=30),
                "content_hash": hashlib.sha256(str(i).encode()).hexdigest(), "word_count": 120,
                "story_id": rng.randint(1, 5000) if rng.random() < 0.3 else None, "discovered_via": "feed",
            })  # fmt: skip
        with engine.begin() as conn:
            conn.execute(insert(Article), rows)
    # as many matches as asked; one matched article in five has a second topic (one row in the list)
    matched = rng.sample(range(1, n_articles + 1), n_matches * 5 // 6)
    pairs = [(a, t) for a in matched for t in rng.sample(TOPICS, 2 if rng.random() < 0.2 else 1)][:n_matches]
    snippet = "la coopération sécuritaire entre Rabat et Paris " * 4
    reasons = {
        "terms": [{"term": "coopération", "group": "cooperation", "field": "text", "start": 3 + 48 * k, "end": 14 + 48 * k}
                  for k in range(4)],
        "entities": [{"entity": "rabat_ma", "alias": "Rabat", "field": "text", "start": 33, "end": 38}],
        "groups": ["cooperation"], "snippets": [{"field": "text", "text": snippet, "start": 0, "end": len(snippet)}],
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(Match), [
            {"article_id": a, "topic": t, "score": round(rng.random(), 3), "rules_version": "bench",
             "reasons": reasons, "matched_at": now - timedelta(minutes=rng.randint(0, 60 * 24 * 90))} for a, t in pairs
        ])  # fmt: skip
        conn.execute(insert(Triage), [
            {"article_id": a, "state": rng.choice(("relevant", "not_relevant", "done")), "by": "bench", "at": now}
            for a in matched if rng.random() < 0.33
        ])  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


CLOCK = time.perf_counter  # --cpu: time.process_time, the CPU of every thread of this process


def timed(client, path: str, runs: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    client.get(path)  # warm-up
    samples = []
    for _ in range(runs):
        t0 = CLOCK()
        response = client.get(path)
        samples.append((CLOCK() - t0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--matches", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--reuse", action="store_true", help="keep the rows already in --database-url")
    parser.add_argument(
        "--cpu", action="store_true",
        help="time the CPU spent (app + SQLite, all threads) rather than the wall clock: fair on a busy machine",
    )  # fmt: skip
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.cpu else time.perf_counter
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if url.startswith("postgresql") and not args.reuse:
            with get_engine(url).begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            dispose_engines()
        upgrade(url)
        t0 = time.perf_counter()
        with get_engine(url).connect() as conn:
            existing = conn.execute(text("SELECT count(*) FROM articles")).scalar()
        if existing and args.reuse:
            print(f"reusing the {existing:,} articles already in {url}")
        else:
            fill(url, args.articles, args.matches)
        print(f"backend {get_engine(url).dialect.name}: {args.articles:,} articles + {args.matches:,} matches "
              f"inserted in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        client = TestClient(create_app(url), base_url="http://127.0.0.1")
        scenarios = [
            ("newest (default)", ""),
            ("topic + country + min_score", "?topic=security-cooperation&country=ma&min_score=0.5"),
            ("sorted by score", "?sort=-score"),
            ("page 100", "?page=100"),
            ("one row per story", "?view=stories"),
            ("date range 7 days", f"?date_from={(datetime.now(UTC) - timedelta(days=7)).date()}"),
            ("full-text 'coopération Rabat'", "?q=coop%C3%A9ration+Rabat"),
            ("full-text Arabic 'التعاون'", "?q=%D8%A7%D9%84%D8%AA%D8%B9%D8%A7%D9%88%D9%86"),
            ("not yet triaged", "?triage=new"),
            ("relevant, one topic", "?triage=relevant&topic=migration"),
        ]
        print(
            f"{'scenario':34} {'page median':>12} {'p95':>8} {'api median':>11} {'p95':>8} {'facets median':>14}"
            f" {'p95':>8}  (ms {'CPU' if args.cpu else 'wall'}, {args.runs} runs)"
        )
        worst = worst_facets = 0.0
        for name, query in scenarios:
            page_med, page_p95, _ = timed(client, f"/matches{query}", args.runs)
            api_med, api_p95, _ = timed(client, f"/api/matches{query}", args.runs)
            # the page fetches its facet counts from /api/facets after it is shown (app.js)
            facets_med, facets_p95, _ = timed(client, f"/api/facets{query}", args.runs)
            worst = max(worst, page_med, api_med)
            worst_facets = max(worst_facets, facets_med)
            print(f"{name:34} {page_med:12.1f} {page_p95:8.1f} {api_med:11.1f} {api_p95:8.1f} {facets_med:14.1f} {facets_p95:8.1f}")
        for name, query in [("stories page", ""), ("stories told by 3+ outlets", "?min_outlets=3")]:
            page_med, page_p95, _ = timed(client, f"/stories{query}", args.runs)
            api_med, api_p95, _ = timed(client, f"/api/stories{query}", args.runs)
            worst = max(worst, page_med, api_med)
            print(f"{name:34} {page_med:12.1f} {page_p95:8.1f} {api_med:11.1f} {api_p95:8.1f}")
        print(f"worst median {worst:.1f} ms: {'within' if worst < 150 else 'OVER'} the 150 ms goal")
        print(f"worst facet-count median {worst_facets:.1f} ms (fetched after the page is shown)")
        dispose_engines()


if __name__ == "__main__":
    main()
