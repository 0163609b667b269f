"""Storing articles: idempotent on canonical URL, exact duplicates flagged, raw HTML kept."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from common.article import ExtractedArticle
from pipelines.store_stage import choose_url
from storage.articles import content_hash, decompress_html, ensure_outlet, store_article
from storage.db import get_engine, session_factory
from storage.models import Article, RawPage


def _article(text: str = "Le DGSN a reçu son homologue français à Rabat.") -> ExtractedArticle:
    return ExtractedArticle(url="https://a.ma/x", text=text, title="Titre", language="fr",
                            published=datetime(2024, 6, 26, 9, tzinfo=UTC))


def test_store_is_idempotent_and_keeps_raw_html(database_url: str) -> None:
    session = session_factory(get_engine(database_url))()
    outlet_id = ensure_outlet(session, "Le360", "MA", "https://www.le360.ma/", ["fr"])
    session.commit()
    html = "<html><body><p>Le DGSN a reçu…</p></body></html>".encode()
    first = store_article(session, _article(), url="https://a.ma/x", outlet_id=outlet_id, html=html,
                          fetched_url="https://a.ma/x?utm_source=rss")
    again = store_article(session, _article(), url="https://a.ma/x", outlet_id=outlet_id, html=html,
                          fetched_url="https://a.ma/x")
    assert first.status == "stored" and again.status == "duplicate_url"
    assert session.scalar(select(func.count(Article.id))) == 1
    raw = session.get(RawPage, first.article_id)
    assert raw is not None and decompress_html(raw.html_zlib) == html and raw.size_bytes == len(html)
    stored = session.get(Article, first.article_id)
    assert stored is not None and stored.published_at == datetime(2024, 6, 26, 9, tzinfo=UTC)
    session.close()


def test_same_text_under_another_url_is_flagged_duplicate(database_url: str) -> None:
    session = session_factory(get_engine(database_url))()
    outlet_id = ensure_outlet(session, "Le360")
    first = store_article(session, _article(), url="https://a.ma/x", outlet_id=outlet_id, html=b"<p>",
                          fetched_url="https://a.ma/x")
    copy = store_article(session, _article("  le DGSN a reçu son homologue  français à Rabat. "),
                         url="https://a.ma/y", outlet_id=outlet_id, html=b"<p>", fetched_url="https://a.ma/y")
    assert copy.status == "duplicate_content" and copy.duplicate_of == first.article_id
    session.close()


def test_content_hash_folds_case_and_space() -> None:
    assert content_hash("A  b\nC") == content_hash("a b c") != content_hash("a b d")


def test_declared_canonical_on_same_host_wins() -> None:
    assert choose_url("https://a.ma/x", "https://A.ma/x/?utm_source=t") == "https://a.ma/x/"
    assert choose_url("https://a.ma/x", "https://evil.example/x") == "https://a.ma/x"
    assert choose_url("https://a.ma/x", "https://a.ma/") == "https://a.ma/x"
    assert choose_url("https://a.ma/x", None) == "https://a.ma/x"


def test_two_concurrent_writers_store_each_article_once(database_url: str) -> None:
    """Two workers storing the same pages at the same moment: one row each, never an error."""
    import threading

    engine = get_engine(database_url)
    with session_factory(engine)() as session:
        outlet_id = ensure_outlet(session, "Le360")
        session.commit()
    urls = [f"https://a.ma/article-{i}" for i in range(40)]
    barrier = threading.Barrier(2)
    results: list[str] = []
    lock = threading.Lock()

    def writer() -> None:
        with session_factory(engine)() as session:
            for url in urls:
                barrier.wait()
                result = store_article(session, _article(f"texte {url}"), url=url, outlet_id=outlet_id,
                                       html=b"<p>", fetched_url=url)
                with lock:
                    results.append(result.status)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("stored") == len(urls) and results.count("duplicate_url") == len(urls)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count(Article.id))) == len(urls)


def test_two_processes_creating_one_outlet_at_once_both_get_its_id(database_url: str) -> None:
    """The crawl's worker processes meet a new outlet at the same moment: no error, one row."""
    import threading

    from storage.models import Outlet

    engine = get_engine(database_url)
    barrier = threading.Barrier(4)
    ids: list[int] = []

    def create() -> None:
        with session_factory(engine)() as session:
            barrier.wait()
            ids.append(ensure_outlet(session, "Barlamane", "MA", "https://www.barlamane.com/", ["ar"]))
            session.commit()
            # the session is still usable afterwards (no pending failed insert)
            store_article(session, _article(f"texte {threading.get_ident()}"), url=f"https://b.ma/{threading.get_ident()}",
                          outlet_id=ids[-1], html=b"<p>", fetched_url="https://b.ma/")

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 4 and len(set(ids)) == 1
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count(Outlet.id))) == 1
        assert session.scalar(select(func.count(Article.id))) == 4
