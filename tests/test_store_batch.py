"""The store path in batches (``storage.articles.store_articles``,
``pipelines.matching.store.store_stories_and_matches``): a batch judged page by page as if
each earlier page were stored, and one page the database refuses costs only that page."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from common.article import ExtractedArticle
from pipelines.matching.engine import Matcher, TopicMatch, load_topics
from pipelines.matching.store import (
    ArticleToMatch,
    reset_story_indexes,
    store_stories_and_matches,
    story_index,
)
from storage.articles import Claim, NewArticle, StoreResult, settle_claim, store_articles
from storage.db import begin_write, get_engine, session_factory
from storage.models import Article, Match, RawPage, Story
from tests.test_match_store import NEGATIVE, POSITIVE, RULES

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _page(url: str, text: str, fetched: str | None = None, title: str = "Titre") -> NewArticle:
    return NewArticle(ExtractedArticle(url=url, text=text, title=title, language="fr"), url=url, outlet_id=0,
                      html=f"<p>{text}</p>".encode(), fetched_url=fetched or url)


@pytest.mark.parametrize(("fetched", "same_text", "taken_fetched", "free", "expected"), [
    # the same text under the URL: one article under two addresses
    ("https://a.ma/x?amp=1", True, "https://a.ma/x", {"https://a.ma/x?amp=1"}, Claim(None)),
    # this page claims a URL another page holds: it keeps its own address, if free
    ("https://a.ma/faux", False, "https://a.ma/x", {"https://a.ma/faux"}, Claim("https://a.ma/faux")),
    ("https://a.ma/faux", False, "https://a.ma/x", set(), Claim(None)),
    # the stored page only claimed this URL: it gets its own back, this page takes the URL
    ("https://a.ma/x", False, "https://a.ma/imposteur", {"https://a.ma/imposteur"},
     Claim("https://a.ma/x", move_taken_to="https://a.ma/imposteur")),
    ("https://a.ma/x", False, "https://a.ma/imposteur", set(), Claim(None)),
    # both were fetched from the URL: different texts, yet one URL, one article
    ("https://a.ma/x", False, "https://a.ma/x", {"https://a.ma/x"}, Claim(None)),
])
def test_settle_claim(fetched: str, same_text: bool, taken_fetched: str, free: set[str], expected: Claim) -> None:
    taken_hash = "h1" if same_text else "h2"
    assert settle_claim("https://a.ma/x", fetched, "h1", taken_hash, taken_fetched, free.__contains__) == expected


def _outlet(session) -> int:  # type: ignore[no-untyped-def]
    from storage.articles import ensure_outlet

    outlet_id = ensure_outlet(session, "Le360")
    session.commit()
    return outlet_id


def _store(session, pages: list[NewArticle], outlet_id: int) -> list[StoreResult | Exception]:  # type: ignore[no-untyped-def]
    begin_write(session)
    results = store_articles(session, [NewArticle(**{**p.__dict__, "outlet_id": outlet_id}) for p in pages])
    session.commit()
    return results


def test_a_batch_is_judged_as_if_each_earlier_page_were_stored(database_url: str) -> None:
    session = session_factory(get_engine(database_url))()
    outlet_id = _outlet(session)
    victim, claimer = "https://a.ma/victime-1", "https://a.ma/imposteur-2"
    results = _store(session, [
        _page("https://a.ma/1", "texte un"),
        _page("https://a.ma/1", "texte un", fetched="https://a.ma/1?utm_source=x"),  # the same page again
        _page("https://a.ma/copie", "  TEXTE   un "),  # the same text elsewhere: an exact copy of the first
        _page(victim, "imposteur", fetched=claimer),  # claims the victim's URL first ...
        _page(victim, "victime"),  # ... the victim's own page takes it back
    ], outlet_id)
    assert all(isinstance(r, StoreResult) for r in results)
    assert [r.status for r in results] == ["stored", "duplicate_url", "duplicate_content", "stored", "stored"]  # type: ignore[union-attr]
    first, _, copy, fake, real = results
    assert copy.duplicate_of == first.article_id  # type: ignore[union-attr]
    rows = {a.url: (a.text, a.duplicate_of_id) for a in session.scalars(select(Article))}
    assert rows == {"https://a.ma/1": ("texte un", None), "https://a.ma/copie": ("  TEXTE   un ", first.article_id),  # type: ignore[union-attr]
                    victim: ("victime", None), claimer: ("imposteur", None)}
    assert session.scalar(select(func.count()).select_from(RawPage)) == 4
    # a later batch sees the stored rows the same way
    again = _store(session, [_page(claimer, "imposteur"), _page("https://a.ma/autre", "texte un")], outlet_id)
    assert [(r.status, r.duplicate_of) for r in again] == [("duplicate_url", None),  # type: ignore[union-attr]
                                                           ("duplicate_content", first.article_id)]  # type: ignore[union-attr]
    session.close()


def test_a_page_the_database_refuses_costs_only_that_page(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    session = session_factory(get_engine(database_url))()
    outlet_id = _outlet(session)
    with caplog.at_level(logging.INFO, logger="storage.articles"):
        results = _store(session, [_page("https://a.ma/1", "un"), _page("https://a.ma/2", "deux", title="\ud800"),
                                   _page("https://a.ma/3", "trois")], outlet_id)
    assert "one by one" in caplog.text
    assert isinstance(results[1], Exception)
    assert [r.status for r in (results[0], results[2])] == ["stored", "stored"]  # type: ignore[union-attr]
    assert sorted(session.scalars(select(Article.url))) == ["https://a.ma/1", "https://a.ma/3"]
    session.close()


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_topics(RULES)


def test_stories_and_matches_of_a_batch(database_url: str, matcher: Matcher, caplog: pytest.LogCaptureFixture) -> None:
    """Pages of one story in one batch find each other; a copy carries its original's rows; an
    article the database refuses (here: one that does not exist) is skipped, the rest kept."""
    reset_story_indexes()
    session = session_factory(get_engine(database_url))()
    outlet_id = _outlet(session)
    stored = _store(session, [_page("https://a.ma/1", POSITIVE), _page("https://b.ma/1", POSITIVE + " (Avec MAP)"),
                              _page("https://c.ma/1", POSITIVE), _page("https://d.ma/1", NEGATIVE)], outlet_id)
    ids = [r.article_id for r in stored]  # type: ignore[union-attr]
    assert stored[2].duplicate_of == ids[0]  # type: ignore[union-attr]
    fresh = [ArticleToMatch(article_id, "", text, "fr", NOW, duplicate_of_id=dup, url=f"u{article_id}")
             for article_id, text, dup in zip(ids, [POSITIVE, POSITIVE + " (Avec MAP)", POSITIVE, NEGATIVE],
                                              [None, None, ids[0], None], strict=True)]
    fresh.insert(3, ArticleToMatch(10**9, "", NEGATIVE, "fr", NOW, url="ghost",
                          matches=[TopicMatch("security-cooperation", 0.9, matcher.version_of("security-cooperation"))]))
    index = story_index(session)
    begin_write(session)
    with caplog.at_level(logging.INFO, logger="pipelines.matching.store"):
        store_stories_and_matches(session, fresh, matcher, index)
    session.commit()
    assert "one by one" in caplog.text and f"article {10**9} (ghost) skipped" in caplog.text
    stories = dict(session.execute(select(Article.id, Article.story_id)).all())
    assert stories[ids[0]] == stories[ids[1]] == stories[ids[2]] != stories[ids[3]]
    assert None not in stories.values() and 10**9 not in index
    assert all(key in index for key in ids)
    counts = {s.id: s.article_count for s in session.scalars(select(Story))}
    assert counts == {stories[ids[0]]: 3, stories[ids[3]]: 1}
    rows = {(m.article_id, m.topic): m.score for m in session.scalars(select(Match))}
    assert {article_id for article_id, _ in rows} == set(ids[:3])
    assert rows[(ids[2], "security-cooperation")] == rows[(ids[0], "security-cooperation")]
    session.close()
    reset_story_indexes()


def test_the_page_process_passes_its_refresh_period_instead_of_changing_the_default(database_url: str) -> None:
    from pipelines import page_job
    from pipelines.matching import store

    page_job._STORES.clear()
    try:
        page_job.process_pages([page_job.PageJob(html=b"<html><body><p>x</p></body></html>", url="http://127.0.0.1/a",
                                                 fetched_url="http://127.0.0.1/a", outlet="O",
                                                 database_url=database_url, rules_dir=str(RULES))])
        assert store.REFRESH_SECONDS == 5.0 and page_job.STORY_REFRESH_SECONDS < store.REFRESH_SECONDS
    finally:
        for cached in page_job._STORES.values():
            cached.session.close()
        page_job._STORES.clear()


def test_two_workers_storing_the_same_batches_store_each_page_once(database_url: str) -> None:
    """Two page processes race on the same URLs, batch by batch: each page stored once, the
    other worker told it is a duplicate (PostgreSQL: the loser's batch meets the unique key
    and is redone page by page)."""
    import threading

    engine = get_engine(database_url)
    with session_factory(engine)() as session:
        outlet_id = _outlet(session)
    batches = [[_page(f"https://a.ma/{k}-{i}", f"texte {k} {i}") for i in range(4)] for k in range(8)]
    barrier = threading.Barrier(2)
    statuses: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with session_factory(engine)() as session:
            for batch in batches:
                barrier.wait()
                results = _store(session, batch, outlet_id)
                with lock:
                    statuses.extend(r.status if isinstance(r, StoreResult) else repr(r) for r in results)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pages = sum(len(batch) for batch in batches)
    assert sorted(set(statuses)) == ["duplicate_url", "stored"]
    assert statuses.count("stored") == statuses.count("duplicate_url") == pages
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == pages
        assert session.scalar(select(func.count()).select_from(RawPage)) == pages


def test_a_later_batch_joining_a_story_widens_its_dates(database_url: str, matcher: Matcher) -> None:
    from datetime import timedelta

    reset_story_indexes()
    session = session_factory(get_engine(database_url))()
    outlet_id = _outlet(session)
    index = story_index(session)
    for k, when in enumerate([NOW, NOW - timedelta(days=1), NOW + timedelta(hours=5)]):
        [stored] = _store(session, [_page(f"https://a.ma/{k}", POSITIVE)], outlet_id)
        begin_write(session)
        store_stories_and_matches(session, [ArticleToMatch(stored.article_id, "", POSITIVE, "fr", when,  # type: ignore[union-attr]
                                                           duplicate_of_id=stored.duplicate_of)], matcher, index)  # type: ignore[union-attr]
        session.commit()
    [story] = session.scalars(select(Story)).all()
    assert (story.article_count, story.first_seen, story.last_seen) == (3, NOW - timedelta(days=1),
                                                                        NOW + timedelta(hours=5))
    session.close()
    reset_story_indexes()
