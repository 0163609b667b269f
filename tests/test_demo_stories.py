"""The demo's crawl of the local web, checked story by story against its ground truth: no story
mixes topics or events, none swallows the crawl, and every word-for-word
republication sits in its original's story with the original's matches."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.demo_stories import crawl_sample_web, story_figures  # noqa: E402
from storage.db import get_engine  # noqa: E402
from storage.models import Article, Match  # noqa: E402

pytestmark = pytest.mark.slow


def test_demo_stories_hold_one_event_each(tmp_path: Path) -> None:
    sites, url = crawl_sample_web(tmp_path)
    figures = story_figures(sites, url)
    assert figures.articles >= 90 and figures.unknown == 0
    assert figures.mixed_topics == 0, figures.lines()  # weather, football, trams and security never share a story
    assert figures.purity >= 0.9, figures.lines()  # before: 0.49 (one story of 25 articles in four languages)
    assert not figures.mixed, figures.lines()  # before the person rule: 2 (one official, other counterparts)
    assert figures.largest <= 10, figures.lines()
    assert figures.copies >= 3 and figures.copies_in_story == figures.copies, figures.lines()
    with get_engine(url).connect() as conn:
        copies = conn.execute(select(Article.id, Article.url, Article.duplicate_of_id)
                              .where(Article.duplicate_of_id.is_not(None))).all()
        assert copies, "the aggregator's word-for-word copies are stored as duplicates of their originals"
        flagged = 0
        for copy_id, copy_url, original_id in copies:
            assert "/" in urlsplit(copy_url).path
            mine = conn.execute(select(Match.topic, Match.score).where(Match.article_id == copy_id)).all()
            theirs = conn.execute(select(Match.topic, Match.score).where(Match.article_id == original_id)).all()
            assert sorted(mine) == sorted(theirs)
            flagged += bool(mine)
        assert flagged >= 1  # the security-cooperation copies are flagged like their originals
