"""``newswatch extract FILE_OR_URL``: run the article extractor on one page and print JSON.

For trying an outlet's noise selectors and time zone on a saved page before adding it to
``sources.yaml``, and for checking what newswatch makes of a page that looks wrong in the
dashboard. ``--outlet`` reads ``noise_selectors`` and ``timezone`` from the sources file
(``--sources``, default NEWSWATCH_SOURCES_FILE or CONFIG_DIR/sources.yaml). A page that is
not an article, or has no text, ends with a one-line message on stderr and exit code 2.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

OUTPUT_FIELDS = ("url", "title", "author", "published", "site_name", "language", "text")


def _fetch(url: str) -> tuple[bytes, str | None, str]:
    """GET ``url``; return (body, charset from Content-Type, final URL)."""
    from newswatch.settings import get_settings

    settings = get_settings()
    request = urllib.request.Request(url, headers={"User-Agent": settings.user_agent})
    with urllib.request.urlopen(request, timeout=settings.download_timeout) as response:
        body = response.read(settings.max_response_bytes + 1)
        if len(body) > settings.max_response_bytes:
            raise click.ClickException(f"{url}: larger than {settings.max_response_bytes} bytes")
        return body, response.headers.get_content_charset(), response.geturl()


def _outlet_options(outlet: str | None, sources: Path | None) -> tuple[list[str], str | None]:
    if not outlet:
        return [], None
    from crawler.sources import SourcesError, load_sources, select_outlets
    from newswatch.settings import get_settings

    path = sources or get_settings().resolved_sources_file
    try:
        chosen = select_outlets(load_sources(path), [outlet])[0]
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc
    return list(chosen.noise_selectors), chosen.timezone


@click.command()
@click.argument("source")
@click.option(
    "--url", "page_url", default=None, help="The page's URL (for a saved file; used for page kind and links)."
)
@click.option(
    "--outlet", default=None, help="Outlet name in the sources file: its noise selectors and time zone."
)
@click.option(
    "--sources",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Sources file (default: NEWSWATCH_SOURCES_FILE or CONFIG_DIR/sources.yaml).",
)
@click.option(
    "--timezone", "zone", default=None, help="Time zone for dates without one (overrides --outlet's)."
)
@click.option("--encoding", default=None, help="Charset hint, as an HTTP header would give it.")
@click.option("--all", "all_fields", is_flag=True, help="Print every field (description, confidence, extra).")
@click.option("--pretty/--line", default=None,
              help="Indented JSON (default on a terminal) or one JSON line (default in a pipe, for `newswatch match`).")
def extract(
    source: str,
    page_url: str | None,
    outlet: str | None,
    sources: Path | None,
    zone: str | None,
    encoding: str | None,
    all_fields: bool,
    pretty: bool | None,
) -> None:
    """Extract the article in SOURCE (a saved HTML file or an http(s) URL) and print it as JSON."""
    from pipelines.article import ExtractionError
    from pipelines.extract import extract_article

    selectors, outlet_zone = _outlet_options(outlet, sources)
    if source.startswith(("http://", "https://")):
        try:
            html, charset, final_url = _fetch(source)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise click.ClickException(f"cannot fetch {source}: {getattr(exc, 'reason', exc)}") from exc
        encoding = encoding or charset
        page_url = page_url or final_url
    else:
        path = Path(source)
        try:
            html = path.read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from exc
        page_url = page_url or path.resolve().as_uri()
    try:
        article = extract_article(
            html,
            page_url,
            noise_selectors=selectors,
            timezone=zone or outlet_zone or "UTC",
            encoding=encoding,
        )
    except ExtractionError as exc:
        click.echo(f"{source}: {exc.kind.replace('_', ' ')}: {exc.reason}", err=True)
        sys.exit(2)
    data: dict[str, Any] = article.to_json()
    if not all_fields:
        data = {key: data[key] for key in OUTPUT_FIELDS}
    if pretty is None:
        pretty = sys.stdout.isatty()
    click.echo(json.dumps(data, ensure_ascii=False, indent=2 if pretty else None))
