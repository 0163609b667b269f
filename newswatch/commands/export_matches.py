"""``newswatch export matches``: flagged articles with topic, score and reasons (JSON lines or CSV)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from common.csv_export import formula_guard, write_records
from newswatch.commands.dates import SINCE_HELP, parse_since
from storage.reasons import parse_reasons

CSV_FIELDS = ["match_id", "topic", "score", "rules_version", "matched_at", "article_id", "url", "title", "outlet",
              "language", "published_at", "story_id", "terms", "entities", "snippet"]


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    """One CSV row: reasons reduced to the distinct terms, entities and the best snippet."""
    reasons = parse_reasons(row.get("reasons"))
    snippets = [s for s in reasons.snippets if s.field == "text"] or reasons.snippets
    flat = {k: v for k, v in row.items() if k != "reasons"}
    flat["terms"] = "; ".join(dict.fromkeys(t.term for t in reasons.terms))
    flat["entities"] = "; ".join(dict.fromkeys(e.entity for e in reasons.entities))
    flat["snippet"] = " ".join(snippets[0].text.split()) if snippets else ""
    return {k: formula_guard(v) for k, v in flat.items()}


def write_rows(rows: Iterator[dict[str, Any]], fmt: str, out: Any) -> int:
    if fmt == "csv":
        return write_records(out, CSV_FIELDS, (flatten(row) for row in rows))
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


@click.command("matches")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--since", default=None, help="Only matches made since then. " + SINCE_HELP)
@click.option("--topic", default=None, help="Only this topic.")
@click.option("--database-url", default=None, help="Override DATABASE_URL.")
def matches(fmt: str, since: str | None, topic: str | None, database_url: str | None) -> None:
    """Matched articles with topic, score and reasons, newest first."""
    from pipelines.matching.store import iter_match_rows
    from storage.db import get_engine, session_factory, upgrade

    moment = parse_since(since)
    upgrade(database_url)
    with session_factory(get_engine(database_url))() as session:
        count = write_rows(iter_match_rows(session, moment, topic), fmt, sys.stdout)
    click.echo(f"{count} match(es) exported", err=True)
