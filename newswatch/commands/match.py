"""``newswatch match`` (test rules on JSON lines) and ``newswatch rematch`` (re-run changed rules).

``match`` reads articles as JSON lines - what ``newswatch extract`` and ``newswatch export
articles`` print (fields title, text, language, url, …) - from FILE or stdin, and prints one
JSON line per article: its url/id, the matching topics, scores and reasons. A bad line gives
one error line on stderr and the run goes on. Rules come from NEWSWATCH_RULES_DIR (default
CONFIG_DIR/rules) or ``--rules``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from common.settings import get_settings
from newswatch.commands.dates import SINCE_HELP, parse_since


def load_matcher(rules: Path | None, topics: tuple[str, ...]) -> Any:
    from pipelines.matching.engine import load_topics
    from pipelines.matching.rules import RulesError

    try:
        matcher = load_topics(rules or get_settings().resolved_rules_dir)
        if topics:
            matcher = matcher.subset(list(topics))
    except RulesError as exc:
        from newswatch.exitcodes import USAGE, CliError

        raise CliError(str(exc), USAGE) from None
    return matcher


def match_lines(
    stream: TextIO, matcher: Any, out: TextIO, err: TextIO, all_lines: bool = True, explain: bool = False
) -> tuple[int, int, int]:
    """(articles read, articles matched, bad lines). Pure I/O loop, testable without click.

    ``explain``: instead of JSON, per article and topic the score against the threshold, the
    groups found, what the ``require`` structure is missing and which exclusions fired.
    """
    read = matched = bad = 0
    for lineno, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            title, text = record.get("title") or "", record.get("text") or ""
            if not isinstance(title, str) or not isinstance(text, str):
                raise ValueError("title/text must be strings")
            language = record.get("language")
            found = matcher.match(title, text, language if isinstance(language, str) else None)
        except (ValueError, TypeError) as exc:
            bad += 1
            err.write(f"line {lineno}: skipped: {exc}\n")
            continue
        read += 1
        if found:
            matched += 1
        if explain:
            if found or all_lines:
                label = record.get("url") or record.get("id") or f"line {lineno}"
                out.write(f"== {label}: {title[:100]}\n")
                for why in matcher.explain(title, text, language if isinstance(language, str) else None):
                    out.write("\n".join(why.lines()) + "\n")
            continue
        if found or all_lines:
            result = {
                "line": lineno,
                "id": record.get("id"),
                "url": record.get("url"),
                "title": title,
                "language": record.get("language"),
                "matches": [m.to_json() for m in found],
            }
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return read, matched, bad


@click.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--topic", "topics", multiple=True, help="Only this topic (repeatable). Default: all.")
@click.option("--rules", type=click.Path(path_type=Path, file_okay=False), default=None, help="Rules folder.")
@click.option("--only-matched", is_flag=True, help="Print only articles that match a topic.")
@click.option("--explain", is_flag=True, help="Say why (not): score vs threshold, missing groups, exclusions that fired.")
def match(file: TextIO, topics: tuple[str, ...], rules: Path | None, only_matched: bool, explain: bool) -> None:
    """Match articles (JSON lines from FILE or -) against the topic rules; print JSON lines."""
    matcher = load_matcher(rules, topics)
    read, matched, bad = match_lines(file, matcher, sys.stdout, sys.stderr, all_lines=not only_matched, explain=explain)
    click.echo(f"{read} article(s), {matched} matched, {bad} bad line(s)", err=True)


@click.command()
@click.option("--topic", "topics", multiple=True, help="Only this topic (repeatable). Default: all.")
@click.option("--since", default=None, help="Only articles fetched or published since then. " + SINCE_HELP)
@click.option("--all", "all_articles", is_flag=True, help="Every article, not only those matched with older rules.")
@click.option("--rules", type=click.Path(path_type=Path, file_okay=False), default=None, help="Rules folder.")
@click.option("--database-url", default=None, help="Override DATABASE_URL.")
def rematch(topics: tuple[str, ...], since: str | None, all_articles: bool, rules: Path | None, database_url: str | None) -> None:
    """Re-run changed rules over stored articles (those matched with an older rules version)."""
    from pipelines.matching.store import rematch as run_rematch
    from storage.db import get_engine, session_factory, upgrade

    matcher = load_matcher(rules, topics)
    moment = parse_since(since)
    upgrade(database_url)
    with session_factory(get_engine(database_url))() as session:
        stats = run_rematch(session, matcher, since=moment, all_articles=all_articles)
        session.commit()
    click.echo(
        f"rematch: {stats.checked} article(s) checked, {stats.changed} match row(s) changed, {stats.failed} failed",
        err=True,
    )
