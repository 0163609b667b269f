"""Feeds, sitemaps, robots.txt and feed discovery, on well-formed and broken input."""

from datetime import UTC, datetime

import pytest

from crawler.discovery import (
    DiscoveryError,
    discover_feeds,
    page_links,
    parse_feed,
    parse_sitemap,
    robots_sitemaps,
)

RSS = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>
<item><title>Hammouchi \xc3\xa0 Paris</title><link>https://a.ma/politique/hammouchi-a-paris-1</link>
<pubDate>Wed, 26 Jun 2024 10:00:00 +0100</pubDate></item>
<item><title>No date</title><link>/relative/link-2</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<entry><title>A</title><link href="https://a.ma/x-1"/><id>x1</id><updated>2024-06-26T10:00:00Z</updated></entry></feed>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://a.ma/a-1</loc><news:news><news:publication><news:name>A</news:name><news:language>fr</news:language>
</news:publication><news:publication_date>2024-06-26T08:00:00+01:00</news:publication_date><news:title>T1</news:title></news:news>
<lastmod>2024-07-01</lastmod></url>
<url><loc>https://a.ma/a-2</loc><lastmod>2024-06-20</lastmod></url>
</urlset>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://a.ma/sitemap-news.xml</loc><lastmod>2024-06-26</lastmod></sitemap></sitemapindex>"""


def test_rss_entries_with_dates_and_relative_links() -> None:
    feed = parse_feed(RSS, "https://a.ma/feed")
    entries = feed.entries
    assert feed.problem is None
    assert [e.url for e in entries] == ["https://a.ma/politique/hammouchi-a-paris-1", "https://a.ma/relative/link-2"]
    assert entries[0].published == datetime(2024, 6, 26, 9, 0, tzinfo=UTC)
    assert entries[0].title == "Hammouchi à Paris"
    assert entries[1].published is None


def test_atom() -> None:
    (entry,) = parse_feed(ATOM, "https://a.ma/atom").entries
    assert entry.url == "https://a.ma/x-1" and entry.published == datetime(2024, 6, 26, 10, tzinfo=UTC)


def test_entries_recovered_from_broken_xml_are_kept_and_the_breakage_reported() -> None:
    broken = RSS.replace(b"</channel></rss>", b"<item><title>cut & <b>bad</item>")
    feed = parse_feed(broken, "https://a.ma/feed")
    assert len(feed.entries) >= 2 and feed.problem and "malformed feed" in feed.problem


@pytest.mark.parametrize("body", [b"<rss><channel><item><title>broken", b"\x00\x01binary", b"", b"<html>not a feed"])
def test_broken_feed_is_a_clear_error(body: bytes) -> None:
    with pytest.raises(DiscoveryError, match="malformed feed"):
        parse_feed(body, "https://a.ma/feed")


def test_news_sitemap_prefers_publication_date() -> None:
    sitemap = parse_sitemap(NEWS_SITEMAP, "https://a.ma/s.xml")
    assert not sitemap.is_index
    first, second = sitemap.entries
    assert first.published == datetime(2024, 6, 26, 7, tzinfo=UTC) and first.title == "T1"
    assert second.published == datetime(2024, 6, 20, tzinfo=UTC)


def test_sitemap_index() -> None:
    sitemap = parse_sitemap(INDEX, "https://a.ma/sitemap.xml")
    assert sitemap.is_index and sitemap.entries[0].url == "https://a.ma/sitemap-news.xml"


@pytest.mark.parametrize("body", [b"<html><body>404</body></html>", b"", b"\xff\xfe garbage"])
def test_broken_sitemap_is_a_clear_error(body: bytes) -> None:
    with pytest.raises(DiscoveryError, match="malformed sitemap"):
        parse_sitemap(body, "https://a.ma/s.xml")


def test_robots_sitemaps() -> None:
    robots = "User-agent: *\nDisallow: /private/\nSitemap: https://a.ma/news.xml\nSitemap: /other.xml\n"
    assert robots_sitemaps(robots, "https://a.ma/robots.txt") == ["https://a.ma/news.xml", "https://a.ma/other.xml"]


def test_feed_discovery_and_links() -> None:
    html = """<html><head><link rel="alternate" type="application/rss+xml" href="/feed/">
    <link rel="alternate" hreflang="ar" href="/ar/"><link rel="stylesheet" href="/s.css"></head>
    <body><a href="/a-1">x</a><a href="#top">t</a><a href="javascript:alert(1)">j</a><a href="/a-1">dup</a></body></html>"""
    assert discover_feeds(html, "https://a.ma/") == ["https://a.ma/feed/"]
    assert page_links(html, "https://a.ma/") == ["https://a.ma/a-1"]
    assert discover_feeds("", "https://a.ma/") == [] and page_links(b"\x00", "https://a.ma/") == []
