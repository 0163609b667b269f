"""``newswatch export articles``: stored articles as JSON lines (the input of ``newswatch match``) or CSV."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.csv_export import write_records as write_csv_records
from newswatch.commands.dates import SINCE_HELP, parse_since
from storage.db import get_engine, session_factory, upgrade
from storage.models import Article, Outlet

ARTICLE_FIELDS = ["id", "url", "outlet", "country", "title", "author", "published", "language",
                  "language_confidence", "site_name", "fetched_at", "story_id", "duplicate_of_id", "text"]


def article_records(session: Session, since: datetime | None) -> Iterator[dict[str, Any]]:
    query = select(Article, Outlet).join(Outlet, Article.outlet_id == Outlet.id).order_by(Article.id)
    if since is not None:
        query = query.where(Article.fetched_at >= since)
    for article, outlet in session.execute(query.execution_options(yield_per=500)):
        yield {
            "id": article.id, "url": article.url, "outlet": outlet.name, "country": outlet.country,
            "title": article.title, "author": article.author,
            "published": article.published_at.isoformat() if article.published_at else None,
            "language": article.language, "language_confidence": article.language_confidence,
            "site_name": article.site_name, "fetched_at": article.fetched_at.isoformat(),
            "story_id": article.story_id, "duplicate_of_id": article.duplicate_of_id, "text": article.text,
        }


def write_records(records: Iterator[dict[str, Any]], fmt: str, fields: list[str]) -> int:
    if fmt == "csv":
        return write_csv_records(sys.stdout, fields, records)
    count = 0
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


@click.group()
def export() -> None:
    """Export stored data."""


@export.command("articles")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--since", default=None, help="Only articles fetched since then. " + SINCE_HELP)
@click.option("--database-url", default=None, help="Override DATABASE_URL.")
def articles(fmt: str, since: str | None, database_url: str | None) -> None:
    """Articles as JSON lines (what `newswatch match` reads) or CSV."""
    upgrade(database_url)
    with session_factory(get_engine(database_url))() as session:
        count = write_records(article_records(session, parse_since(since)), fmt, ARTICLE_FIELDS)
    click.echo(f"{count} article(s) exported", err=True)


from newswatch.commands.export_matches import matches  # noqa: E402

export.add_command(matches)
