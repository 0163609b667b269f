"""Republications: an exact copy (same content hash) or a near-copy joins its original's story,
carries its matches, and shows in "also published by"; a digest still lists the story once."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

import pytest
from sqlalchemy import select

from localweb import build_outlet_site
from localweb.model import BASE
from pipelines.page_job import PageJob, process_pages
from storage.articles import also_published_by
from storage.db import get_engine, session_factory
from storage.models import Article, Match

RULES = str(Path(__file__).resolve().parent.parent / "config" / "rules")
ORIGIN = "http://127.0.0.1:8000"
AGGREGATOR = "http://127.0.0.2:8000"


pytestmark = pytest.mark.usefixtures("fresh_page_worker")  # each test is a new worker process


def _job(html: bytes, url: str, outlet: str, database_url: str) -> PageJob:
    return PageJob(html=html, url=url, fetched_url=url, outlet=outlet, country="MA", homepage=url.rsplit("/", 1)[0] + "/",
                   languages=("fr",), timezone="Africa/Casablanca", database_url=database_url, rules_dir=RULES)


def test_an_exact_copy_joins_the_story_and_carries_the_matches(database_url: str) -> None:
    site = build_outlet_site("Le Courrier", shape="wordpress", language="fr", n_articles=12, today=date(2026, 11, 20), seed=1)
    coop = next(t for t in site.articles if t.topic == "coop")
    html = site.resources[coop.path].body.replace(BASE.encode(), ORIGIN.encode())
    other = next(t for t in site.articles if t.topic in ("sport", "culture", "economie"))
    other_html = site.resources[other.path].body.replace(BASE.encode(), ORIGIN.encode())
    outcomes = process_pages([_job(html, ORIGIN + coop.path, "Le Courrier", database_url),
                              _job(other_html, ORIGIN + other.path, "Le Courrier", database_url)])
    original_id = outcomes[0].article_id
    # an aggregator on another host serves the very same page, a batch later
    copy = process_pages([_job(html, AGGREGATOR + "/revue/12345", "Revue de Presse", database_url)])[0]
    assert copy.status == "duplicate_content"
    with session_factory(get_engine(database_url))() as s:
        original, dup = s.get(Article, original_id), s.get(Article, copy.article_id)
        assert dup.duplicate_of_id == original.id
        assert original.story_id is not None and dup.story_id == original.story_id
        assert s.get(Article, outcomes[1].article_id).story_id != original.story_id
        rows = {m.topic: m.score for m in s.scalars(select(Match).where(Match.article_id == original.id))}
        carried = {m.topic: m.score for m in s.scalars(select(Match).where(Match.article_id == dup.id))}
        assert rows and carried == rows  # a coop article is flagged, and so is its copy, with the same score
        also = also_published_by(s, original.id)
        assert [(p.article_id, p.outlet, p.copy) for p in also] == [(dup.id, "Revue de Presse", True)]
        assert [p.outlet for p in also_published_by(s, dup.id)] == ["Le Courrier"]
        assert also_published_by(s, outcomes[1].article_id) == []
        assert also_published_by(s, 10**9) == []
    # the digest lists the story once, told by both outlets: the copy is never counted twice
    from datetime import UTC, datetime, timedelta

    from alerts.digest import Selection, build_digest
    from alerts.queries import match_items

    now = datetime.now(UTC)
    items = match_items(get_engine(database_url), rows, now - timedelta(days=1), now + timedelta(minutes=1))
    assert {i.article_id for i in items} >= {original_id, copy.article_id}
    digest = build_digest("team", items, Selection(topics=frozenset(rows)), delivered=set(),
                          since=now - timedelta(days=1), until=now + timedelta(minutes=1))
    entry = next(e for e in digest.entries if original_id in e.article_ids)
    assert copy.article_id in entry.article_ids
    assert {o.outlet for o in entry.outlets} == {"Le Courrier", "Revue de Presse"}
    assert sum(1 for e in digest.entries if copy.article_id in e.article_ids) == 1


def test_a_near_copy_joins_too_but_is_no_exact_copy(database_url: str) -> None:
    site = build_outlet_site("Le Courrier", shape="wordpress", language="fr", n_articles=12, today=date(2026, 11, 20), seed=1)
    coop = next(t for t in site.articles if t.topic == "coop")
    html = site.resources[coop.path].body.replace(BASE.encode(), ORIGIN.encode())
    first = process_pages([_job(html, ORIGIN + coop.path, "Le Courrier", database_url)])[0]
    para = next(e for e in (coop.last_paragraph, escape(coop.last_paragraph), escape(coop.last_paragraph, quote=False))
                if e.encode() in html)
    edited = html.replace(para.encode(), (para + " (Avec MAP)").encode())
    near = process_pages([_job(edited, AGGREGATOR + "/revue/777", "Revue de Presse", database_url)])[0]
    assert near.status == "stored"
    with session_factory(get_engine(database_url))() as s:
        assert s.get(Article, near.article_id).story_id == s.get(Article, first.article_id).story_id
        assert [(p.outlet, p.copy) for p in also_published_by(s, first.article_id)] == [("Revue de Presse", False)]
