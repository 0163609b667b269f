"""``newswatch reextract``: run the current extractor over the stored raw pages.

The reason raw pages are kept: after an extractor upgrade or a new noise rule, the stored
articles can be brought up to date without crawling again. Prints, per field, how many
articles changed (with a few examples), the pages the extractor would now reject (kept,
never deleted) and, unless ``--dry-run``, re-matches the articles whose text changed.
"""

from __future__ import annotations

import json
import sys

import click

from common.settings import get_settings
from newswatch.commands.dates import SINCE_HELP, parse_since


def _short(value: object, width: int = 70) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command()
@click.option("--outlet", "outlets", multiple=True, help="Only this outlet (repeatable). Default: all.")
@click.option("--since", default=None, help="Only articles fetched since then. " + SINCE_HELP)
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--database-url", default=None, help="Override DATABASE_URL.")
def reextract(outlets: tuple[str, ...], since: str | None, dry_run: bool, as_json: bool,
              database_url: str | None) -> None:
    """Re-run extraction (and matching) over the stored raw HTML; report what changed per field."""
    from common.outlets import SourcesError, load_sources
    from pipelines.extract import extract_article
    from pipelines.matching.store import save_matches
    from pipelines.reextract import reextract as run_reextract
    from storage.db import get_engine, session_factory, upgrade
    from storage.models import Article

    settings = get_settings()
    moment = parse_since(since)
    try:
        configured = {o.name: o for o in load_sources(settings.resolved_sources_file)}
    except (SourcesError, OSError) as exc:
        raise click.ClickException(str(exc)) from None

    def extractor(html: bytes, url: str, outlet: str, encoding: str | None):  # type: ignore[no-untyped-def]
        record = configured.get(outlet)  # an outlet since removed from sources.yaml: defaults
        return extract_article(html, url, encoding=encoding,
                               noise_selectors=tuple(record.noise_selectors) if record else (),
                               timezone=record.timezone if record and record.timezone else "UTC")

    matcher = None
    try:
        from pipelines.matching.engine import load_topics

        matcher = load_topics(settings.resolved_rules_dir)
    except Exception as exc:  # noqa: BLE001 - re-extraction is still worth doing; say so
        click.echo(f"warning: topic rules not loaded ({exc}); articles are not re-matched", err=True)

    def rematch(session, ids):  # type: ignore[no-untyped-def]
        changed = 0
        for article in session.query(Article).filter(Article.id.in_(ids)):
            changed += save_matches(session, article, matcher.match(article.title or "", article.text or "",
                                                                    article.language), matcher.topic_names)
        return changed

    upgrade(database_url)
    with session_factory(get_engine(database_url))() as session:
        report = run_reextract(session, extractor, outlets=outlets, since=moment, dry_run=dry_run,
                               rematch=rematch if matcher is not None else None)
    if as_json:
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    verb = "would change" if dry_run else "changed"
    click.echo(f"reextract: {report.checked} article(s) checked, {report.changed_articles} {verb}, "
               f"{len(report.rejected)} now rejected, {len(report.failed)} failed"
               + ("" if dry_run else f", {report.rematched} match row(s) changed"))
    for name, count in report.changed_fields.most_common():
        click.echo(f"  {name}: {count}")
        for article_id, old, new in report.examples.get(name, []):
            click.echo(f"    #{article_id}: {_short(old)!r} -> {_short(new)!r}")
    for article_id, url, reason in report.rejected[:20]:
        click.echo(f"  rejected #{article_id} {url}: {reason} (kept)")
    for article_id, url, error in report.failed[:20]:
        click.echo(f"  failed #{article_id} {url}: {error}")
