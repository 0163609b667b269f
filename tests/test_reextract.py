"""`newswatch reextract`: stored raw pages extracted again, changes reported per field, rejects kept."""

import json
from pathlib import Path

from click.testing import CliRunner
from page_layouts import page_bytes
from sqlalchemy import select

from common.article import ExtractedArticle
from common.settings import get_settings
from newswatch.cli import cli
from storage.articles import content_hash, ensure_outlet, store_article
from storage.db import get_engine, session_factory, upgrade
from storage.models import Article, Match

PAGES = Path(__file__).parent / "pages"


def _seed() -> tuple[int, int]:
    """Two articles as an older extractor left them: a real article with a truncated text and
    no author, and a tag page that the current classifier rejects."""
    url = get_settings().resolved_database_url
    upgrade(url)
    article_html = (PAGES / "seeds" / "000_clean_article.html").read_bytes()
    tag_html = page_bytes(PAGES / "kinds" / "tag_page.html")
    with session_factory(get_engine(url))() as session:
        outlet_id = ensure_outlet(session, "Le Journal du Maroc", "MA", "https://www.lejournaldumaroc.com/", ["fr"])
        ids = []
        for path, html, text in [("/jo-2024-policiers", article_html, "Cookie banner. Menu."),
                                 ("/tag/securite", tag_html, "Sécurité : tous les articles")]:
            result = store_article(
                session, ExtractedArticle(url="https://www.lejournaldumaroc.com" + path, text=text, title="old title",
                                          language="fr"),
                url="https://www.lejournaldumaroc.com" + path, outlet_id=outlet_id, html=html,
                fetched_url="https://www.lejournaldumaroc.com" + path)
            ids.append(result.article_id)
        session.commit()
    return ids[0], ids[1]


def _article(article_id: int) -> Article:
    with session_factory(get_engine(get_settings().resolved_database_url))() as session:
        row = session.get(Article, article_id)
        assert row is not None
        session.expunge(row)
        return row


def _matches(article_id: int) -> list[str]:
    with session_factory(get_engine(get_settings().resolved_database_url))() as session:
        return list(session.scalars(select(Match.topic).where(Match.article_id == article_id)))


def test_dry_run_reports_changes_and_writes_nothing(nw_env: Path) -> None:
    good, tag = _seed()
    result = CliRunner().invoke(cli, ["reextract", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["checked"] == 2 and report["changed_articles"] == 1
    assert {"title", "text"} <= set(report["changed_fields"])
    assert [r["id"] for r in report["rejected"]] == [tag]
    assert report["rematched"] == 0
    assert _article(good).text == "Cookie banner. Menu."  # nothing written
    assert _matches(good) == []


def test_reextract_updates_fields_hash_and_matches_and_keeps_rejected_pages(nw_env: Path) -> None:
    good, tag = _seed()
    result = CliRunner().invoke(cli, ["reextract"])
    assert result.exit_code == 0, result.output
    assert "1 changed, 1 now rejected" in result.stdout
    assert "(kept)" in result.stdout
    row = _article(good)
    assert row.title.startswith("JO 2024 : des policiers marocains")
    assert "Cookie banner" not in row.text and "policiers" in row.text
    assert row.content_hash == content_hash(row.text) and row.word_count == len(row.text.split())
    assert row.published_at is not None
    assert "security-cooperation" in _matches(good)  # the new text is matched again
    assert _article(tag).text == "Sécurité : tous les articles"  # rejected now, but never deleted
    again = CliRunner().invoke(cli, ["reextract", "--json"])  # idempotent: nothing left to change
    assert json.loads(again.stdout)["changed_articles"] == 0


def test_outlet_filter(nw_env: Path) -> None:
    _seed()
    result = CliRunner().invoke(cli, ["reextract", "--dry-run", "--json", "--outlet", "Another outlet"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["checked"] == 0
