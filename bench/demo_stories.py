"""Stories in the demo: crawl the bundled sample web as ``newswatch demo`` does, then check
every story against the local web's ground truth (each generated article's event).

    .venv/bin/python bench/demo_stories.py [--articles 12]

Prints the number of stories, the largest, the purity (share of articles whose story's main
event is their own; 1.0 = no story mixes events), the stories that mix events, and how many
republications (word-for-word copies) sit in their original's story.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from localweb import LocalWeb, Site, sample_web, sources_for  # noqa: E402
from pipelines.matching.stories import WINDOW  # noqa: E402
from storage.db import dispose_engines, get_engine, upgrade  # noqa: E402
from storage.models import Article, Outlet  # noqa: E402


@dataclass
class StoryFigures:
    articles: int = 0
    unknown: int = 0  # stored articles the ground truth does not know (should be 0)
    stories: int = 0
    largest: int = 0
    purity: float = 1.0
    mixed: list[list[str]] = field(default_factory=list)  # the events of each story that mixes several
    copies: int = 0
    copies_in_story: int = 0
    mixed_topics: int = 0  # stories whose articles are of several topics (security with football…)

    def lines(self) -> list[str]:
        out = [f"{self.articles} articles in {self.stories} stories; largest story {self.largest}; "
               f"purity {self.purity:.3f}; {len(self.mixed)} stories mix events, {self.mixed_topics} mix topics; "
               f"republications in their original's story: {self.copies_in_story}/{self.copies}"]
        out += [f"  mixed: {len(events)} events: {', '.join(events[:6])}" for events in self.mixed[:20]]
        return out


def story_figures(sites: list[Site], database_url: str) -> StoryFigures:
    """Stored stories against the local web's events (pure reading of the database)."""
    truth: dict[tuple[str, str], Any] = {}
    for site in sites:
        for t in site.articles:
            truth[(t.outlet, unquote(t.path))] = t
    with get_engine(database_url).connect() as conn:
        rows = conn.execute(select(Article.id, Article.url, Article.story_id, Outlet.name)
                            .join(Outlet, Article.outlet_id == Outlet.id)).all()
    figures = StoryFigures(articles=len(rows))
    members: dict[Any, list[str]] = {}
    story_of_key: dict[str, Any] = {}
    copies = []
    topics: dict[Any, set[str]] = {}
    dated: dict[Any, list[tuple[str, Any]]] = {}
    for art_id, url, story_id, outlet in rows:
        parts = urlsplit(url)
        t = truth.get((outlet, unquote(parts.path)))
        if t is None:
            figures.unknown += 1
            continue
        event = (t.event or f"{t.outlet}#{t.path}") + f" [{t.topic}]"
        story = story_id if story_id is not None else f"none-{art_id}"
        members.setdefault(story, []).append(event)
        dated.setdefault(story, []).append((event, t.published))
        story_of_key[f"{t.outlet} {t.path}"] = story
        if t.copy_of:
            copies.append((f"{t.outlet} {t.path}", t.copy_of))
        topics.setdefault(story, set()).add(t.topic)
    figures.stories = len(members)
    figures.largest = max((len(m) for m in members.values()), default=0)
    kept = sum(len(m) for m in members.values())
    figures.purity = sum(Counter(m).most_common(1)[0][1] for m in members.values()) / kept if kept else 1.0
    # one event = one event id; a shared id ("coop-meeting:2": the same officials meet) counts
    # as one event only within a week, as a story's window does
    figures.mixed = [sorted({e for e, _ in m}) for m in dated.values()
                     if any(a != b or abs(ta - tb) > WINDOW for (a, ta), (b, tb) in combinations(m, 2))]
    figures.mixed_topics = sum(1 for t in topics.values() if len(t) > 1)
    figures.copies = len(copies)
    figures.copies_in_story = sum(1 for copy, original in copies
                                  if original in story_of_key and story_of_key.get(copy) == story_of_key[original])
    return figures


def crawl_sample_web(tmp: Path, articles: int = 12) -> tuple[list[Site], str]:
    """The demo's crawl (sample web with the broken outlet, discovery, 30 days) into ``tmp``."""
    url = f"sqlite:///{tmp / 'demo.db'}"
    upgrade(url)
    sites = sample_web(date.today(), n_articles=articles, include_bad=True)
    with LocalWeb(sites) as web:
        sources = tmp / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_for(web, sites), allow_unicode=True, sort_keys=False), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_") and k != "DATABASE_URL"}
        env.update({"NEWSWATCH_DATA_DIR": str(tmp / "data"), "DATABASE_URL": url,
                    "NEWSWATCH_CONFIG_DIR": str(ROOT / "config"), "NEWSWATCH_DOWNLOAD_DELAY": "0",
                    "NEWSWATCH_AUTOTHROTTLE": "false", "NEWSWATCH_DOWNLOAD_TIMEOUT": "3",
                    "NEWSWATCH_RETRY_TIMES": "1", "NEWSWATCH_RETRY_BACKOFF_BASE": "0.2"})
        done = subprocess.run([sys.executable, "-m", "newswatch.cli", "crawl", "--sources", str(sources), "--days", "30"],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"crawl failed: {done.stderr[-2000:]}")
    dispose_engines()
    return sites, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=12, help="articles per sample outlet (the demo's default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sites, url = crawl_sample_web(Path(tmp), args.articles)
        for line in story_figures(sites, url).lines():
            print(line)


if __name__ == "__main__":
    main()
