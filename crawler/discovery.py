"""Finding article URLs: RSS/Atom feeds, (news) sitemaps and sitemap indexes, robots.txt,
``<link rel="alternate">`` feed discovery and listing-page links.

Pure functions over bytes/text so they are tested without Scrapy. Broken input raises
``DiscoveryError`` with a short reason; the spider records it and goes on.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from time import struct_time
from urllib.parse import urljoin, urlsplit

import feedparser
from dateutil import parser as dateutil_parser
from lxml import etree
from lxml import html as lxml_html
from protego import Protego
from scrapy.utils.gz import gunzip

from common.outlets import Outlet
from crawler.urls import looks_like_article, owning_outlet, same_site, within_outlet

FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml"}
MAX_GZIP_LAYERS = 3


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be read."""


@dataclass(frozen=True)
class Entry:
    url: str
    published: datetime | None = None
    title: str = ""


@dataclass(frozen=True)
class Feed:
    entries: list[Entry]
    problem: str | None = None  # set when the XML was broken but some entries were recovered


@dataclass(frozen=True)
class Sitemap:
    is_index: bool
    entries: list[Entry]


def inflate(body: bytes, max_size: int) -> bytes:
    """Undo gzip layers (a ``.gz`` sitemap, perhaps gzipped again behind Content-Encoding),
    each inflated with a cap of ``max_size`` bytes: a 2 KB bomb cannot take memory.

    Raises ``ValueError`` when a layer is corrupt or there are too many layers, and Scrapy's
    ``_DecompressionMaxSizeExceeded`` when one is too large."""
    for _ in range(MAX_GZIP_LAYERS):
        if body[:2] != b"\x1f\x8b":
            return body
        try:
            body = gunzip(body, max_size=max_size)
        except (OSError, EOFError, struct.error) as exc:
            raise ValueError(f"bad gzip: {exc}") from exc
    if body[:2] == b"\x1f\x8b":
        raise ValueError(f"more than {MAX_GZIP_LAYERS} gzip layers")
    return body


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return _aware(dateutil_parser.parse(value.strip()))
    except (ValueError, OverflowError, TypeError):
        return None


def _struct_to_dt(value: struct_time | None) -> datetime | None:
    if not value:
        return None
    return datetime(*value[:6], tzinfo=UTC)


def parse_feed(body: bytes, base_url: str) -> Feed:
    """Entries of an RSS/Atom feed. feedparser tolerates much: entries recovered from broken
    XML are kept and the breakage reported in ``problem``; a feed with nothing usable raises."""
    parsed = feedparser.parse(body)
    entries: list[Entry] = []
    for item in parsed.entries:
        link = item.get("link") or item.get("id") or ""
        if not link:
            continue
        published = _struct_to_dt(item.get("published_parsed") or item.get("updated_parsed"))
        entries.append(Entry(urljoin(base_url, link.strip()), published, (item.get("title") or "").strip()))
    if not entries and (parsed.bozo or not parsed.get("version")):
        reason = getattr(parsed, "bozo_exception", None) or "no RSS/Atom content"
        raise DiscoveryError(f"malformed feed: {reason}")
    problem = f"malformed feed, {len(entries)} entries recovered: {parsed.bozo_exception}" if parsed.bozo else None
    return Feed(entries, problem)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, base_url: str) -> Sitemap:
    """A sitemap index or urlset, with each URL's best date (news:publication_date, lastmod)."""
    try:
        parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(body.strip() or b"<x/>", parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"malformed sitemap: {exc}") from exc
    if root is None or _local(root.tag) not in ("urlset", "sitemapindex"):
        raise DiscoveryError("malformed sitemap: no <urlset> or <sitemapindex> root")
    is_index = _local(root.tag) == "sitemapindex"
    entries: list[Entry] = []
    for node in root:
        if _local(node.tag) not in ("url", "sitemap"):
            continue
        loc, dates, title = "", [], ""
        for child in node.iter():
            name = _local(child.tag)
            text = (child.text or "").strip()
            if name == "loc" and not loc:
                loc = text
            elif name in ("publication_date", "lastmod") and text:
                dates.append((0 if name == "publication_date" else 1, text))
            elif name == "title" and text:
                title = text
        if loc:
            published = next((d for _, raw in sorted(dates) if (d := parse_date(raw))), None)
            entries.append(Entry(urljoin(base_url, loc), published, title))
    return Sitemap(is_index, entries)


def robots_sitemaps(robots_txt: str, base_url: str) -> list[str]:
    return [urljoin(base_url, url) for url in Protego.parse(robots_txt).sitemaps]


def by_specificity(outlets: Sequence[Outlet]) -> list[Outlet]:
    """Most specific first (longest homepage path): a narrower edition claims its URLs before a
    broader outlet of the same host sees them."""
    return sorted(outlets, key=lambda o: len(o.path_prefix), reverse=True)


def sitemap_readers(sitemap: str, host_outlets: Sequence[Outlet]) -> list[Outlet]:
    """The outlets of one host that read a sitemap robots.txt lists, most specific first.

    A sitemap inside an edition's path (/ar/sitemap.xml) is that edition's alone. One the
    whole-host outlet owns, or one at the host root (/sitemap_index.xml) when no outlet
    holds the root, serves every outlet of the host: each keeps only its own URLs. Anything
    else (a sitemap under the path of an edition nobody configured) is nobody's.
    """
    owner = owning_outlet(sitemap, host_outlets)
    if owner is not None and owner.path_prefix != "/":
        return [owner]
    if owner is None and urlsplit(sitemap).path.count("/") > 1:
        return []
    return by_specificity(host_outlets)


def robots_sitemap_allowed(url: str, outlet: Outlet) -> bool:
    """A robots.txt ``Sitemap:`` line is followed only on the outlet's own hosts: under its
    path, or at the host's root (a shared host's one sitemap index)."""
    if not same_site(url, outlet):
        return False
    return within_outlet(url, outlet) or urlsplit(url).path.count("/") <= 1


def robots_sitemap_readers(sitemap: str, host_outlets: Sequence[Outlet]) -> list[Outlet]:
    """The outlets that follow a ``Sitemap:`` line of their host's robots.txt: the readers
    ``sitemap_readers`` gives, each only when the sitemap is on its own hosts."""
    return [o for o in sitemap_readers(sitemap, host_outlets) if robots_sitemap_allowed(sitemap, o)]


def discover_feeds(html: str | bytes, base_url: str) -> list[str]:
    """Feed URLs announced by ``<link rel="alternate" type="application/rss+xml">``."""
    try:
        doc = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    feeds = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = link.get("href")
        if "alternate" in rel and kind in FEED_TYPES and href:
            url = urljoin(base_url, href.strip())
            if url not in feeds:
                feeds.append(url)
    return feeds


def page_links(html: str | bytes, base_url: str) -> list[str]:
    """Every ``<a href>`` of a page, absolute, in document order, without duplicates."""
    try:
        doc = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    seen: dict[str, None] = {}
    for anchor in doc.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        seen.setdefault(urljoin(base_url, href), None)
    return list(seen)


def advertised_feeds(html: str | bytes, base_url: str, outlet: Outlet) -> list[str]:
    """The feeds a homepage announces that belong to the outlet (not a sister edition's)."""
    return [feed for feed in discover_feeds(html, base_url) if within_outlet(feed, outlet)]


def article_links(html: str | bytes, base_url: str, outlet: Outlet) -> list[str]:
    """The links of a homepage or section page that look like the outlet's articles."""
    return [link for link in page_links(html, base_url) if looks_like_article(link, outlet)]


# ------------------------------------------------------------------ probing
# Where feeds and sitemaps usually answer when a site neither links nor lists them: the
# generic names, then the CMS-specific ones (WordPress, SPIP, Arc XP). Probed within the
# outlet's path first, then at the host root.
FEED_PROBES = ("feed", "rss", "rss.xml", "feed.xml", "atom.xml", "?feed=rss2", "spip.php?page=backend",
               "arc/outboundfeeds/rss/")
SITEMAP_PROBES = ("sitemap.xml", "sitemap_index.xml", "news-sitemap.xml", "sitemap-news.xml")
PROBES = {"feed": FEED_PROBES, "sitemap": SITEMAP_PROBES}


def probe_urls(homepage: str, path_prefix: str, kind: str, stage: int) -> list[str]:
    """Candidate URLs of ``kind`` ("feed" or "sitemap"): stage 0 under the outlet's path,
    stage 1 at the host root (empty when the outlet's path is the root: nothing new to try)."""
    base_path = path_prefix if stage == 0 else "/"
    if stage == 1 and path_prefix == "/":
        return []
    base = urljoin(homepage, base_path)
    return [urljoin(base, suffix) for suffix in PROBES[kind]]


def probe_answer(kind: str, body: bytes, url: str, outlet: Outlet | None = None) -> Feed | Sitemap | None:
    """What a probe answered, when it really is a feed (with items) or a sitemap; ``None`` for
    anything else, e.g. the homepage a site serves for every unknown path with status 200.
    With ``outlet``, a feed or urlset must also list at least one of the outlet's pages (a
    host-root feed of another edition is no find); an index is judged by its children later."""
    head = body.lstrip()[:512].lower()
    if not head.startswith((b"<?xml", b"<rss", b"<feed", b"<urlset", b"<sitemapindex", b"<rdf", b"\xef\xbb\xbf")):
        return None
    try:
        answer: Feed | Sitemap = parse_feed(body, url) if kind == "feed" else parse_sitemap(body, url)
    except DiscoveryError:
        return None
    if not answer.entries:
        return None
    if outlet is None or (isinstance(answer, Sitemap) and answer.is_index):
        return answer
    return answer if any(within_outlet(entry.url, outlet) for entry in answer.entries) else None
