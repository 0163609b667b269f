"""Pages stored in batches (``pipelines.page_job.process_pages``): one transaction for several
pages, yet each page keeps its own outcome, and a failed commit stores none of them."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from common.article import NotAnArticle
from localweb import build_outlet_site
from localweb.model import BASE
from pipelines import page_job
from pipelines.page_job import PageJob, PageResult, process_pages
from storage.db import get_engine, session_factory
from storage.models import Article, Match

RULES = str(Path(__file__).resolve().parent.parent / "config" / "rules")
ORIGIN = "http://127.0.0.1:8000"
pytestmark = pytest.mark.usefixtures("fresh_page_worker")  # each test is a new worker process


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    return build_outlet_site("Batch FR", shape="wordpress", language="fr", n_articles=12, today=date(2026, 11, 20), seed=3)


def _job(site, path: str, database_url: str, *, body: bytes | None = None) -> PageJob:  # type: ignore[no-untyped-def]
    html = body if body is not None else site.resources[path].body.replace(BASE.encode(), ORIGIN.encode())
    return PageJob(html=html, url=ORIGIN + path, fetched_url=ORIGIN + path, outlet=site.name, country="MA",
                   homepage=ORIGIN + "/", languages=("fr",), timezone=site.outlets[0].timezone,
                   database_url=database_url, rules_dir=RULES)


def _count(database_url: str, model) -> int:  # type: ignore[no-untyped-def]
    with session_factory(get_engine(database_url))() as session:
        return int(session.scalar(select(func.count(model.id))) or 0)


def test_each_page_of_a_batch_gets_its_own_outcome(site, database_url: str) -> None:  # type: ignore[no-untyped-def]
    articles = [t.path for t in site.articles[:4]]
    listing = site.non_articles[0]
    jobs = [_job(site, articles[0], database_url), _job(site, listing, database_url),
            _job(site, articles[1], database_url), _job(site, articles[0], database_url),  # same URL again
            _job(site, articles[2], database_url), _job(site, articles[3], database_url)]
    outcomes = process_pages(jobs)
    assert [type(o).__name__ for o in outcomes] == ["PageResult", "NotAnArticle", "PageResult", "PageResult",
                                                     "PageResult", "PageResult"]
    assert isinstance(outcomes[1], NotAnArticle)
    statuses = [o.status for o in outcomes if isinstance(o, PageResult)]
    assert statuses == ["stored", "stored", "duplicate_url", "stored", "stored"]
    assert _count(database_url, Article) == 4
    stored_ids = {o.article_id for o in outcomes if isinstance(o, PageResult) and o.status == "stored"}
    assert len(stored_ids) == 4
    # the batch's matches were written with it: the cooperation articles of the site match
    coop = [t for t in site.articles[:4] if t.topic == "coop"]
    assert _count(database_url, Match) >= len(coop)


def test_pages_of_one_story_in_one_batch_join_it(site, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """A republication (the text with a line added, under another URL) in the same batch joins
    the original's story: candidates are looked up as each page is written, not before."""
    truth = site.articles[0]
    html = site.resources[truth.path].body.replace(BASE.encode(), ORIGIN.encode())
    lede = escape(truth.lede).encode()
    assert lede in html
    copy = html.replace(truth.path.encode(), b"/copie/" + truth.path.strip("/").encode()).replace(
        lede, lede + escape(" Selon une source proche du dossier, d'autres réunions suivront.").encode())
    outcomes = process_pages([_job(site, truth.path, database_url),
                              _job(site, "/copie/" + truth.path.strip("/"), database_url, body=copy)])
    assert [o.status for o in outcomes] == ["stored", "stored"]  # type: ignore[union-attr]
    with session_factory(get_engine(database_url))() as session:
        stories = {session.get(Article, o.article_id).story_id for o in outcomes}  # type: ignore[union-attr]
    assert len(stories) == 1 and None not in stories


def test_a_failed_commit_stores_nothing_and_says_so_for_every_page(site, sqlite_url: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    jobs = [_job(site, t.path, sqlite_url) for t in site.articles[:3]]
    store = page_job._store_for(jobs[0])

    def broken_commit() -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(store.session, "commit", broken_commit)
    outcomes = process_pages(jobs)
    assert all(isinstance(o, OperationalError) for o in outcomes), outcomes
    monkeypatch.undo()
    assert _count(sqlite_url, Article) == 0
    # the worker's session is usable afterwards: the same pages store on the next try
    outcomes = process_pages(jobs)
    assert [o.status for o in outcomes] == ["stored"] * 3  # type: ignore[union-attr]
    assert _count(sqlite_url, Article) == 3
