"""``newswatch extract FILE_OR_URL``: run the article extractor on one page and print JSON.

FILE may be gzip-compressed (``page.html.gz``); a file that is not HTML (a PDF, an image)
is named as such. Exit codes as everywhere (docs/cli.md): 2 for a bad file or option or a
page that is not an article, 3 when the URL cannot be fetched.

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

from newswatch.exitcodes import NOTHING, USAGE, CliError

OUTPUT_FIELDS = ("url", "title", "author", "published", "site_name", "language", "text")


def _fetch(url: str) -> tuple[bytes, str | None, str]:
    """GET ``url``; return (body, charset from Content-Type, final URL)."""
    from common.settings import get_settings

    settings = get_settings()
    request = urllib.request.Request(url, headers={"User-Agent": settings.user_agent})
    with urllib.request.urlopen(request, timeout=settings.download_timeout) as response:
        body = response.read(settings.max_response_bytes + 1)
        if len(body) > settings.max_response_bytes:
            raise CliError(f"{url}: larger than {settings.max_response_bytes} bytes", NOTHING)
        return body, response.headers.get_content_charset(), response.geturl()


MAX_INFLATED = 64 * 1024 * 1024
BINARY_SIGNATURES = {b"%PDF": "a PDF", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
                     b"GIF8": "a GIF image", b"PK\x03\x04": "a ZIP archive (or a Word/Excel file)",
                     b"RIFF": "a RIFF media file", b"\x00\x00\x00": "a binary file"}


def read_page(path: Path) -> bytes:
    """The page in a saved file: ``.html``, or gzip-compressed (``.html.gz``, what ``curl
    --compressed -o`` or a web archive may leave). A file that is not HTML gets a message
    that says what it is, instead of an extractor error."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", USAGE) from exc
    if data[:2] == b"\x1f\x8b":
        import gzip
        import zlib

        try:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            data = inflater.decompress(data, MAX_INFLATED)
            if inflater.unconsumed_tail:
                raise CliError(f"{path}: inflates to more than {MAX_INFLATED // 2**20} MiB; not a web page", USAGE)
            if not inflater.eof:
                raise EOFError("truncated: the compressed stream ends early")
        except (zlib.error, gzip.BadGzipFile, EOFError) as exc:
            raise CliError(f"{path}: a damaged gzip file ({exc})", USAGE) from exc
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise CliError(f"{path} is {what}, not an HTML page: save the page itself (Ctrl-S, or curl -o page.html URL)",
                           USAGE)
    head = data[:2048].lstrip().lower()
    if head and b"<" not in head and not any(m in data[:65536].lower() for m in (b"<html", b"<body", b"<p", b"<div")):
        raise CliError(f"{path} does not look like HTML (no tags in it): extract reads saved web pages (.html, "
                       ".html.gz) or URLs", USAGE)
    return data


def _outlet_options(outlet: str | None, sources: Path | None) -> tuple[list[str], str | None]:
    if not outlet:
        return [], None
    from common.outlets import SourcesError, load_sources, select_outlets
    from common.settings import get_settings

    path = sources or get_settings().resolved_sources_file
    try:
        chosen = select_outlets(load_sources(path), [outlet])[0]
    except SourcesError as exc:
        raise CliError(str(exc), USAGE) from exc
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
    from common.article import ExtractionError
    from pipelines.extract import extract_article

    selectors, outlet_zone = _outlet_options(outlet, sources)
    if source.startswith(("http://", "https://")):
        try:
            html, charset, final_url = _fetch(source)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise CliError(f"cannot fetch {source}: {getattr(exc, 'reason', exc)}", NOTHING) from exc
        encoding = encoding or charset
        page_url = page_url or final_url
    else:
        path = Path(source)
        html = read_page(path)
        page_url = page_url or path.resolve().as_uri().removesuffix(".gz")
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
