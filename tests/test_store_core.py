"""The Core insert path of store_article: a URL stored by another worker between the check
and the insert is skipped by the insert itself, inside the caller's open transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from pipelines.article import ExtractedArticle
from storage import articles
from storage.articles import ensure_outlet, store_article
from storage.db import begin_write, get_engine, session_factory
from storage.models import Article, RawPage


def _article(text: str) -> ExtractedArticle:
    return ExtractedArticle(url="https://a.ma/x", text=text, title="Titre", language="fr")


def test_url_stored_meanwhile_is_a_duplicate_and_the_batch_goes_on(database_url: str, monkeypatch) -> None:
    session = session_factory(get_engine(database_url))()
    outlet_id = ensure_outlet(session, "Le360", "MA", "https://www.le360.ma/", ["fr"])
    session.commit()
    other = session_factory(get_engine(database_url))()  # the other worker, already done
    assert store_article(other, _article("premier texte"), url="https://a.ma/x", outlet_id=outlet_id, html=b"<p>1</p>",
                         fetched_url="https://a.ma/x").status == "stored"
    other.close()
    # this worker checked the URL before the other one stored it: the check says "new"
    monkeypatch.setattr(articles, "_BY_URL", select(Article.id).where(Article.url == "never"))
    begin_write(session)
    before = datetime.now(UTC) - timedelta(seconds=5)
    late = store_article(session, _article("second texte"), url="https://a.ma/x", outlet_id=outlet_id,
                         html=b"<p>2</p>", fetched_url="https://a.ma/x", commit=False)
    fresh = store_article(session, _article("troisième texte"), url="https://a.ma/y", outlet_id=outlet_id,
                          html=b"<p>3</p>", fetched_url="https://a.ma/y", commit=False)
    session.commit()
    assert late.status == "duplicate_url" and late.article_id is None
    assert fresh.status == "stored"
    assert session.scalar(select(func.count(Article.id))) == 2
    assert session.scalar(select(func.count()).select_from(RawPage)) == 2
    row = session.get(Article, fresh.article_id)
    assert row is not None and row.text == "troisième texte" and row.word_count == 2
    assert row.fetched_at >= before  # the column's Python default applies to the Core insert
    kept = session.scalar(select(Article.text).where(Article.url == "https://a.ma/x"))
    assert kept == "premier texte"
    session.close()


def test_content_hash_folds_white_space_as_before() -> None:
    """Stored hashes must keep matching new ones: the fold is the old regex one, exactly."""
    import hashlib
    import re
    import unicodedata

    def regex_fold(text: str) -> str:
        folded = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()
        return hashlib.sha256(folded.encode("utf-8")).hexdigest()

    spaces = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
    for text in ["", "  ", "Le DGSN\u00a0a reçu\n\n son homologue\u2003à Rabat. ", f"a{spaces}b{spaces}",
                 "ﬁn de l’ENQUÊTE\t\x1c\x1d\x1e\x1fالمغرب  ", "x\u200by"]:
        assert articles.content_hash(text) == regex_fold(text), repr(text)
