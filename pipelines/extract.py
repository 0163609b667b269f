"""HTML page -> ``ExtractedArticle``: the pure core the crawler calls for every fetched page.

One pass over one parsed tree: decode the bytes (pipelines.decode), parse once (lxml, with
trafilatura's parser settings), read metadata and the publication date from the intact tree,
decide whether the page is an article at all (pipelines.page_kind), strip the outlet's
and the built-in noise blocks (pipelines.noise), run trafilatura on the same tree
(``include_comments=False``: on shared/fixtures/real-pages it keeps F1 and leaks less than
the default), clean the text line by line, put back a visible standfirst that trafilatura
dropped, and identify the language (pipelines.language).

Figures (bench/extract_quality.py on shared/fixtures/real-pages, 80 pages; CPU time):

    extractor                           token F1  wanted kept  leak (must_not)  speed
    trafilatura default                   0.973      0.941     0.140 (19/136)   39 p/s
    trafilatura include_comments=False    0.975      0.941     0.125 (17/136)   42 p/s
    extract_article (before issue 12)     0.982      0.975     0.074 (10/136)   35 p/s
    extract_article                       0.986      0.975     0.044  (6/136)   36 p/s

i.e. about +15 % time over trafilatura alone: parsing once here saves trafilatura's own
parse (~3 ms) but the tree copy, metadata, dates, the noise pass (~2 ms), the "is it an
article" classifier (~1.3 ms, 4 %) and language (~0.7 ms) cost ~8 ms. Since issue 15 the
passes around trafilatura test the cheapest things first (a year before the date patterns,
a child count before text_content, a JSON-LD article skips the structure pass) and lxml.html's
element classes are looked up in C: +1.4 % over trafilatura without comments (52.8 vs
53.5 p/s in one run; +14.2 % before), 16.4 -> 14.7 ms a real page, the same output. No real page is
dropped as NotAnArticle/EmptyExtraction. Older portals' ``<br>``-paragraph bodies are
rebuilt as paragraphs first (pipelines.paragraphs); video pages keep their description and
captions, not the player (``extra["page_kind"] = "video"``); a page kept against some
evidence of not being an article says why (``extra["kind_doubt"]``). The contract:

* a result, or ``NotAnArticle`` (listing/tag/author/about/contact/login/404 page), or
  ``EmptyExtraction`` (an article page without text worth keeping, or input that is not
  a page at all) — never another exception, whatever the bytes;
* no global state beyond caches, so it runs in worker processes (everything is picklable).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import trafilatura
from lxml import etree
from lxml.etree import ParserError
from lxml.html import (
    HtmlComment,
    HtmlElement,
    HtmlElementClassLookup,
    HtmlEntity,
    HTMLParser,
    HtmlProcessingInstruction,
    fromstring,
)

from common.article import EmptyExtraction, ExtractedArticle, ExtractionError, NotAnArticle
from common.sniff import looks_binary
from pipelines import dates, noise, page_kind
from pipelines.decode import decode_html
from pipelines.language import article_language
from pipelines.metadata import PageMeta, author_from_elements, author_from_text, clean, read_meta

LOGGER = logging.getLogger(__name__)

# Text shorter than this (after cleaning) is not an article worth keeping.
MIN_TEXT_CHARS = 200
# A paywalled outlet shows only headline and lede: that much is its article, not an empty page.
PAYWALLED_MIN_TEXT_CHARS = 40
# Pages are cut to this many characters before parsing; real articles are far smaller.
MAX_HTML_CHARS = 4_000_000
# A standfirst is put back only when it is at least this long.
MIN_STANDFIRST_CHARS = 60
# A video page keeps its caption/description as text; shorter than this it is empty.
MIN_VIDEO_TEXT_CHARS = 80
# Extracted text this long on a video page is an article that goes with the video.
VIDEO_ARTICLE_CHARS = 500

# Characters XML cannot hold: trafilatura serialises its tree, so they go before parsing.
_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INVALID_XML_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
# A self-closing doctype ("<!DOCTYPE html/>") trips libxml2 (lxml bug 1955915).
_FAULTY_DOCTYPE = re.compile(r"^\s*< ?! ?DOCTYPE[^>]*/[^<>]*>", re.IGNORECASE)
# trafilatura's own parser settings; fed UTF-8 bytes, which lxml parses faster than str.
_PARSER = HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
)


def _html_class_lookup() -> etree.ElementNamespaceClassLookup:
    """lxml.html's element classes (``FormElement`` for ``<form>``, ``HtmlElement`` else)
    chosen in C: lxml.html's own lookup is a Python call for every element proxy created,
    and the passes over the tree here and in trafilatura create ~4,000 a page (~1 ms)."""
    fallback = etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
    lookup = etree.ElementNamespaceClassLookup(fallback)
    registry = lookup.get_namespace(None)
    for tag, cls in HtmlElementClassLookup._default_element_classes.items():
        registry[tag] = cls
    return lookup


_PARSER.set_element_class_lookup(_html_class_lookup())


def _has_invalid_xml(data: bytes) -> bool:
    """``_INVALID_XML`` tested on the UTF-8 bytes (a C loop, ~3x faster than the regex on
    the text): its control characters are those bytes, U+FFFE/U+FFFF those sequences."""
    return (
        len(data.translate(None, _INVALID_XML_BYTES)) != len(data)
        or b"\xef\xbf\xbe" in data
        or b"\xef\xbf\xbf" in data
    )


def parse_html(text: str) -> HtmlElement | None:
    """Parse decoded HTML once, the way trafilatura's loader does, a little faster."""
    data: bytes | None = text.encode("utf-8", "surrogatepass")
    if _has_invalid_xml(data):
        text, data = _INVALID_XML.sub("", text), None
    if _FAULTY_DOCTYPE.match(text):
        text, data = _FAULTY_DOCTYPE.sub("", text, count=1), None
    try:
        tree = fromstring(data or text.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (ParserError, ValueError, TypeError):
        return None
    return tree if isinstance(tree, HtmlElement) else None


def _standfirst(tree: HtmlElement, description: str | None, text: str) -> str | None:
    """The description when the page shows it (a standfirst) and trafilatura dropped it."""
    desc = clean(description)
    if len(desc) < MIN_STANDFIRST_CHARS:
        return None
    probe = desc.rstrip(".…").casefold()[:50]
    if probe in " ".join(text[: 4 * len(desc) + 2000].split()).casefold():
        return None
    body = tree.find("body")
    if body is None:
        return None
    for element in body.iter("p", "h2", "div", "span", "strong"):
        own = element.text
        if not own or len(own) < MIN_STANDFIRST_CHARS:
            continue
        if " ".join(own.split()).casefold().startswith(probe):
            shown = clean(element.text_content())
            return shown if len(shown) <= 2 * len(desc) + 40 else None
    return None


def _video_text(tree: HtmlElement, jsonld: list[dict[str, Any]], meta: PageMeta, text: str) -> str:
    """A video page's text: its description (VideoObject, else the page's), then the
    extracted text when it is an article of its own, else the paragraphs and captions of
    the page's ``<article>``/``<main>`` (on a page that is mostly a player, the extractor
    falls back to the whole page's menus and teasers)."""
    description = ""
    for obj in jsonld:
        value = obj.get("description")
        if "VideoObject" in str(obj.get("@type")) and isinstance(value, str) and value.strip():
            description = clean(value)
            break
    description = description or clean(meta.description)
    parts: list[str] = [description] if len(description) >= 30 else []
    if len(text) >= VIDEO_ARTICLE_CHARS:
        parts.append(text)
    else:
        body = tree.find("body")
        container = body
        for path in (".//article", ".//main"):
            found = body.find(path) if body is not None else None
            if found is not None:
                container = found
                break
        for element in container.iter("p", "figcaption") if container is not None else ():
            shown = clean(element.text_content())
            if len(shown) >= 30:
                parts.append(shown)
    kept: list[str] = []
    for part in parts:
        probe = part.rstrip(".…").casefold()[:50]
        if not any(probe in " ".join(other.split()).casefold() for other in kept):
            kept.append(part)
    return "\n".join(kept)


def _trafilatura_text(tree: HtmlElement, url: str) -> str:
    try:
        text = trafilatura.extract(
            tree, url=url or None, include_comments=False, include_tables=True, with_metadata=False
        )
    except Exception as exc:  # trafilatura bugs on odd trees must not escape
        LOGGER.warning("trafilatura failed on %s: %s: %s", url, type(exc).__name__, exc)
        return ""
    return text or ""


def _ordered_jsonld(jsonld: list[dict[str, Any]], meta: PageMeta) -> list[dict[str, Any]]:
    if meta.article_jsonld is None:
        return jsonld
    return [meta.article_jsonld] + [obj for obj in jsonld if obj is not meta.article_jsonld]


def _extract(
    html: bytes | str,
    url: str,
    noise_selectors: Sequence[str],
    timezone: str,
    encoding: str | None,
    discovered_via: str,
    min_text_chars: int = MIN_TEXT_CHARS,
) -> ExtractedArticle:
    text_html, used_encoding = decode_html(html, encoding)
    if not text_html.strip():
        raise EmptyExtraction("empty page")
    if looks_binary(text_html):
        raise NotAnArticle("not an HTML page (binary content)")
    if len(text_html) > MAX_HTML_CHARS:
        text_html = text_html[:MAX_HTML_CHARS]
    # a URL taken from a feed or a news sitemap is an item: its shape is no evidence
    url_hint = None if discovered_via in page_kind.ITEM_SOURCES else page_kind.url_reason(url)
    tree = parse_html(text_html)
    if tree is None or tree.find("body") is None and not len(tree):
        raise EmptyExtraction("no parseable HTML")

    jsonld = dates.jsonld_objects(tree)
    meta = read_meta(tree, url, jsonld)
    if url_hint and page_kind.url_is_conclusive(url_hint) and not meta.article_jsonld:
        raise NotAnArticle(url_hint)
    reason = page_kind.markup_reason(tree, meta)
    if reason:
        raise NotAnArticle(f"{url_hint}; {reason}" if url_hint else reason)
    published, date_source = dates.find_published(
        tree, jsonld=_ordered_jsonld(jsonld, meta), timezone=timezone, url=url, title=meta.title
    )

    video = page_kind.is_video_page(tree, meta)
    if video:
        noise.strip_player(tree)
    bylines: list[HtmlElement] = []
    noise.strip_dom_noise(tree, noise_selectors, bylines if meta.author is None else None)
    if meta.author is None:
        meta.author = author_from_elements(bylines, meta.site_name) or author_from_text(
            dates.headline_element(tree, meta.title), meta.site_name
        )
    raw_text = _trafilatura_text(tree, url)
    text = noise.clean_text(raw_text, title=meta.title, author=meta.author, video=video)
    if video:
        text = _video_text(tree, jsonld, meta, text)
    standfirst = _standfirst(tree, meta.description, text)
    if standfirst and text:
        text = f"{standfirst}\n{text}"

    reason, doubt = page_kind.content_reason(
        text, tree, meta, None if url_hint and page_kind.url_is_conclusive(url_hint) else url_hint
    )
    if reason:
        raise NotAnArticle(reason)
    # a paywalled outlet's page may hold only its headline and lede (min_text_chars is lower)
    if len(text) < (min(MIN_VIDEO_TEXT_CHARS, min_text_chars) if video else min_text_chars):
        raise EmptyExtraction(f"{'video page' if video else 'page'} with {len(text)} characters of text")

    guess = article_language(meta.title, text)
    extra: dict[str, Any] = {
        "encoding": used_encoding,
        "date_source": date_source,
        "og_type": meta.og_type,
    }
    if meta.canonical:
        extra["declared_canonical"] = meta.canonical
    if discovered_via:
        extra["discovered_via"] = discovered_via
    if standfirst:
        extra["standfirst_restored"] = True
    if video:
        extra["page_kind"] = "video"
    if doubt:
        extra["kind_doubt"] = doubt
    return ExtractedArticle(
        url=url,
        text=text,
        title=meta.title or (text.splitlines()[0][:200] if text else ""),
        author=meta.author,
        published=published,
        site_name=meta.site_name,
        description=meta.description,
        language=guess.language,
        language_confidence=guess.confidence,
        extra=extra,
    )


def extract_article(
    html: bytes | str,
    url: str,
    *,
    noise_selectors: Sequence[str] = (),
    timezone: str = "UTC",
    encoding: str | None = None,
    discovered_via: str = "",
    min_text_chars: int = MIN_TEXT_CHARS,
) -> ExtractedArticle:
    """Extract the article of one page.

    ``encoding`` is the HTTP charset hint; ``timezone`` the outlet's IANA zone for dates
    written without one; ``noise_selectors`` the outlet's extra CSS selectors to strip;
    ``discovered_via`` (feed, sitemap, section) is kept in ``extra``.

    Raises ``NotAnArticle`` or ``EmptyExtraction`` (both ``ExtractionError``), nothing else.
    """
    try:
        return _extract(html, url, noise_selectors, timezone, encoding, discovered_via, min_text_chars)
    except ExtractionError:
        raise
    except Exception as exc:  # hostile input must end as a typed drop, never a crash
        LOGGER.warning("extraction failed on %s: %s: %s", url, type(exc).__name__, exc)
        raise EmptyExtraction(f"extraction failed: {type(exc).__name__}") from exc
