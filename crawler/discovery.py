"""Finding article URLs: RSS/Atom feeds, (news) sitemaps and sitemap indexes, robots.txt,
``<link rel="alternate">`` feed discovery and listing-page links.

Pure functions over bytes/text so they are tested without Scrapy. Broken input raises
``DiscoveryError`` with a short reason; the spider records it and goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from time import struct_time
from urllib.parse import urljoin

import feedparser
from dateutil import parser as dateparser
from lxml import etree
from lxml import html as lxml_html
from protego import Protego

FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml"}


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


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return _aware(dateparser.parse(value.strip()))
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
