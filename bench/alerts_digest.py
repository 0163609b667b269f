"""Digest builder and renderers: how long a big day takes (pure code, no database, no network).

Usage: python bench/alerts_digest.py [matches] [stories]
Prints matches/s for build_digest and the time to render e-mail (text + HTML) and Slack.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.digest import MatchItem, Selection, build_digest
from alerts.render import render_digest


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    stories = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    rng = random.Random(1)
    t0 = datetime(2026, 11, 20, tzinfo=UTC)
    text = "Rabat et Paris renforcent leur coopération sécuritaire face au terrorisme. " * 40
    items = []
    for i in range(n):
        at = text.index("coopération", rng.randrange(0, 2000))
        items.append(MatchItem(
            match_id=i, topic=rng.choice(["security-cooperation", "migration"]), score=rng.random(),
            matched_at=t0 + timedelta(minutes=i % 1440), article_id=i, title=f"Titre {i} <b>&</b>",
            url=f"https://o{i % 40}.example/{i}", outlet=f"Outlet {i % 40}", language=rng.choice(["fr", "ar", "en"]),
            published_at=t0, story_id=rng.randrange(stories),
            reasons={"terms": [{"term": "coopération sécuritaire", "field": "text", "start": at, "end": at + 23}],
                     "snippets": [{"text": text[at - 60: at + 200], "start": at - 60, "end": at + 200}]},
            text=text,
        ))
    selection = Selection(frozenset({"security-cooperation", "migration"}), 0.2)
    start = time.perf_counter()
    digest = build_digest("bench", items, selection, delivered=set(), since=t0, until=t0 + timedelta(days=2))
    built = time.perf_counter() - start
    start = time.perf_counter()
    rendered = render_digest(digest, zone=ZoneInfo("Africa/Casablanca"))
    rendering = time.perf_counter() - start
    print(f"build_digest: {n} matches -> {len(digest.entries)} stories in {built * 1000:.0f} ms "
          f"({n / built:,.0f} matches/s)")
    print(f"render (text {len(rendered.text) // 1024} KiB, html {len(rendered.html) // 1024} KiB, "
          f"{len(rendered.slack)} Slack messages): {rendering * 1000:.0f} ms")


if __name__ == "__main__":
    main()
