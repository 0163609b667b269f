"""`newswatch export articles`: JSON lines (the input of `newswatch match`) and CSV, with --since."""

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from common.article import ExtractedArticle
from common.settings import get_settings
from newswatch.cli import cli
from storage.articles import ensure_outlet, store_article
from storage.db import get_engine, session_factory, upgrade


def _seed() -> None:
    url = get_settings().resolved_database_url
    upgrade(url)
    with session_factory(get_engine(url))() as session:
        outlet_id = ensure_outlet(session, "Hespress", "MA", "https://www.hespress.com/", ["ar"])
        for i, (title, text) in enumerate([("حموشي في باريس", "نص عربي، مع فاصلة\nوسطر ثان"),
                                           ('Titre "cité", avec virgule', "Texte <b>brut</b>")]):
            store_article(session, ExtractedArticle(url=f"https://www.hespress.com/{i}", text=text, title=title,
                                                    language="ar" if i == 0 else "fr",
                                                    published=datetime(2024, 6, 26, 9, tzinfo=UTC)),
                          url=f"https://www.hespress.com/{i}", outlet_id=outlet_id, html=b"<p>",
                          fetched_url=f"https://www.hespress.com/{i}")


def test_export_jsonl_and_csv_round_trip(nw_env: Path) -> None:
    _seed()
    runner = CliRunner()
    lines = runner.invoke(cli, ["export", "articles"])
    assert lines.exit_code == 0, lines.output
    records = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [r["title"] for r in records] == ["حموشي في باريس", 'Titre "cité", avec virgule']
    assert records[0]["outlet"] == "Hespress" and records[0]["published"] == "2024-06-26T09:00:00+00:00"
    table = runner.invoke(cli, ["export", "articles", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert rows[1]["title"] == 'Titre "cité", avec virgule' and rows[0]["text"] == "نص عربي، مع فاصلة\nوسطر ثان"
    later = runner.invoke(cli, ["export", "articles", "--since", "2999-01-01"])
    assert later.stdout == ""
    bad = runner.invoke(cli, ["export", "articles", "--since", "yesterday"])
    assert bad.exit_code == 2 and "not a date" in bad.output


def test_export_csv_never_writes_a_formula(nw_env: Path) -> None:
    """Scraped titles go through the one CSV writer's formula guard; JSON lines stay verbatim."""
    url = get_settings().resolved_database_url
    upgrade(url)
    with session_factory(get_engine(url))() as session:
        outlet_id = ensure_outlet(session, "Hespress", "MA", "https://www.hespress.com/", ["fr"])
        store_article(session, ExtractedArticle(url="https://www.hespress.com/x", text="@SUM(A1) texte",
                                                title='=HYPERLINK("http://evil.example")', language="fr"),
                      url="https://www.hespress.com/x", outlet_id=outlet_id, html=b"<p>",
                      fetched_url="https://www.hespress.com/x")
    runner = CliRunner()
    row = next(csv.DictReader(io.StringIO(runner.invoke(cli, ["export", "articles", "--format", "csv"]).stdout)))
    assert row["title"] == "'=HYPERLINK(\"http://evil.example\")" and row["text"] == "'@SUM(A1) texte"
    assert row["id"].isdigit() and row["url"] == "https://www.hespress.com/x"
    record = json.loads(runner.invoke(cli, ["export", "articles"]).stdout)
    assert record["title"] == '=HYPERLINK("http://evil.example")'
