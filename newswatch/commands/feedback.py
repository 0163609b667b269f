"""``newswatch feedback report``: per rule term and entity, how often analysts said "not relevant"."""

from __future__ import annotations

import json

import click

from newswatch.commands.dates import SINCE_HELP, parse_since


@click.group()
def feedback() -> None:
    """Analysts' verdicts on matches, turned into rule-writing advice."""


@feedback.command("report")
@click.option("--topic", default=None, help="Only this topic's matches.")
@click.option("--since", default=None, help="Only matches made since then. " + SINCE_HELP)
@click.option("--limit", default=30, show_default=True, help="Lines to print (0: all).")
@click.option("--all", "show_all", is_flag=True, help="Also terms nobody marked not relevant.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@click.option("--database-url", default=None, help="Override DATABASE_URL.")
def report(topic: str | None, since: str | None, limit: int, show_all: bool, as_json: bool,
           database_url: str | None) -> None:
    """Per rule term and entity: matches, reviewed, marked not relevant — the term to fix first on top."""
    from pipelines.matching.feedback import feedback_report
    from storage.db import get_engine, session_factory, upgrade

    upgrade(database_url)
    with session_factory(get_engine(database_url))() as session:
        lines = feedback_report(session, topic=topic, since=parse_since(since))
    if not show_all:
        lines = [line for line in lines if line.not_relevant]
    if limit:
        lines = lines[:limit]
    if as_json:
        for line in lines:
            click.echo(json.dumps(line.to_json(), ensure_ascii=False))
        return
    if not lines:
        click.echo("no term or entity of " + (f"topic {topic!r}" if topic else "any topic")
                   + " has matches marked not relevant")
        return
    click.echo(f"{'topic':24} {'kind':6} {'term / entity':30} {'group':22} {'matches':>7} {'reviewed':>8} "
               f"{'not rel.':>8} {'share':>6}  examples")
    for line in lines:
        share = line.not_relevant_share
        click.echo(f"{line.topic[:24]:24} {line.kind:6} {line.name[:30]:30} {line.group[:22]:22} {line.matches:7d} "
                   f"{line.reviewed:8d} {line.not_relevant:8d} {'' if share is None else f'{share:.0%}':>6}  "
                   + " | ".join(line.examples or []))
