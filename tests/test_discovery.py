"""Feeds, sitemaps, robots.txt and feed discovery, on well-formed and broken input."""

from datetime import UTC, datetime

import pytest

from common.outlets import Outlet
from crawler.discovery import (
    DiscoveryError,
    advertised_feeds,
    article_links,
    discover_feeds,
    page_links,
    parse_feed,
    parse_sitemap,
    probe_answer,
    probe_urls,
    robots_sitemap_readers,
    robots_sitemaps,
    sitemap_readers,
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


def test_an_outlet_keeps_its_own_advertised_feeds_and_article_links() -> None:
    """What the spider and ``outlets check`` both take from a homepage: the feeds and the
    article-looking links of the outlet itself, not those of a sister edition or another site."""
    html = """<html><head><link rel="alternate" type="application/rss+xml" href="/fr/feed/">
    <link rel="alternate" type="application/atom+xml" href="/ar/feed/">
    <link rel="alternate" type="application/rss+xml" href="https://other.fr/feed/"></head>
    <body><a href="/fr/politique/2024/06/26/hammouchi-a-paris-1234">a</a><a href="/fr/contact">c</a>
    <a href="/ar/politique/2024/06/26/article-5678">ar</a><a href="/fr/">home</a></body></html>"""
    fr = _outlet("fr", "https://h.fr/fr/")
    assert advertised_feeds(html, "https://h.fr/fr/", fr) == ["https://h.fr/fr/feed/"]
    assert article_links(html, "https://h.fr/fr/", fr) == ["https://h.fr/fr/politique/2024/06/26/hammouchi-a-paris-1234"]


# ------------------------------------------------------------------ probing and sharing


def _outlet(name: str, homepage: str) -> Outlet:
    return Outlet(name=name, homepage=homepage, country="FR", languages=["fr"])


def test_probe_urls_within_the_outlets_path_then_at_the_root() -> None:
    inside = probe_urls("https://a.fr/ar/", "/ar/", "feed", 0)
    assert inside[0] == "https://a.fr/ar/feed" and "https://a.fr/ar/?feed=rss2" in inside
    assert "https://a.fr/ar/spip.php?page=backend" in inside and "https://a.fr/ar/arc/outboundfeeds/rss/" in inside
    root = probe_urls("https://a.fr/ar/", "/ar/", "sitemap", 1)
    assert root == ["https://a.fr/sitemap.xml", "https://a.fr/sitemap_index.xml", "https://a.fr/news-sitemap.xml",
                    "https://a.fr/sitemap-news.xml"]
    assert probe_urls("https://a.fr/", "/", "feed", 1) == []  # the root was stage 0 already


def test_a_probe_counts_only_when_it_parses_as_a_feed_or_sitemap() -> None:
    assert probe_answer("feed", RSS, "https://a.ma/feed") is not None
    assert probe_answer("feed", ATOM, "https://a.ma/atom.xml") is not None
    assert probe_answer("sitemap", NEWS_SITEMAP, "https://a.ma/sitemap.xml") is not None
    assert probe_answer("sitemap", INDEX, "https://a.ma/sitemap_index.xml") is not None
    homepage = b"<!DOCTYPE html><html><body><a href='/a-1'>x</a></body></html>"  # soft 404: 200 + homepage
    assert probe_answer("feed", homepage, "https://a.ma/feed") is None
    assert probe_answer("sitemap", homepage, "https://a.ma/sitemap.xml") is None
    assert probe_answer("sitemap", RSS, "https://a.ma/sitemap.xml") is None  # a feed is not a sitemap
    assert probe_answer("feed", b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "u") is None
    # at the host root, a feed counts for an edition only when it lists the edition's pages
    assert probe_answer("feed", RSS, "https://a.ma/feed", _outlet("pol", "https://a.ma/politique/")) is not None
    assert probe_answer("feed", RSS, "https://a.ma/feed", _outlet("ar", "https://a.ma/ar/")) is None
    assert probe_answer("sitemap", INDEX, "https://a.ma/sitemap_index.xml", _outlet("ar", "https://a.ma/ar/")) is not None


def test_robots_sitemaps_are_shared_out_to_the_editions_of_a_host() -> None:
    fr, ar, whole = _outlet("fr", "https://h.fr/fr/"), _outlet("ar", "https://h.fr/ar/"), _outlet("all", "https://h.fr/")
    assert sitemap_readers("https://h.fr/ar/sitemap.xml", [fr, ar]) == [ar]  # an edition's own
    assert {o.name for o in sitemap_readers("https://h.fr/sitemap_index.xml", [fr, ar])} == {"fr", "ar"}
    assert sitemap_readers("https://h.fr/es/sitemap.xml", [fr, ar]) == []  # an edition nobody configured
    readers = sitemap_readers("https://h.fr/sitemaps/news.xml", [whole, fr, ar])
    assert readers[-1] is whole and len(readers) == 3  # the whole-host outlet reads last
    assert sitemap_readers("https://h.fr/fr/news.xml", [whole, fr, ar]) == [fr]


def test_a_robots_sitemap_is_read_only_on_the_readers_own_hosts() -> None:
    fr, ar = _outlet("fr", "https://h.fr/fr/"), _outlet("ar", "https://h.fr/ar/")
    assert {o.name for o in robots_sitemap_readers("https://h.fr/sitemap_index.xml", [fr, ar])} == {"fr", "ar"}
    assert robots_sitemap_readers("https://cdn.h.fr/sitemap.xml", [fr, ar]) == []  # another host
    assert robots_sitemap_readers("http://169.254.169.254/sitemap.xml", [fr]) == []
    assert robots_sitemap_readers("https://h.fr/ar/sitemap.xml", [fr, ar]) == [ar]


def test_the_probe_cache_remembers_finds_and_failures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from storage.db import dispose_engines, get_engine, upgrade
    from storage.discovered import Finding, discovered_sources, load_discovered, save_discovered

    url = f"sqlite:///{tmp_path / 'nw.db'}"
    upgrade(url)
    engine = get_engine(url)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    save_discovered(engine, [Finding("A", "feed", "https://a.ma/feed", True),
                             Finding("A", "sitemap", "https://a.ma/sitemap.xml", True),
                             Finding("A", "feed", "https://a.ma/never", False)], now=t0)
    assert load_discovered(engine, ["A", "B"]) == {("A", "feed"): ["https://a.ma/feed"],
                                                   ("A", "sitemap"): ["https://a.ma/sitemap.xml"]}
    save_discovered(engine, [Finding("A", "feed", "https://a.ma/feed", False)], now=t0 + timedelta(days=1))
    assert load_discovered(engine, ["A"]) == {("A", "sitemap"): ["https://a.ma/sitemap.xml"]}
    rows = {r["url"]: r for r in discovered_sources(engine, "A")}
    assert set(rows) == {"https://a.ma/feed", "https://a.ma/sitemap.xml"}
    assert rows["https://a.ma/feed"]["found_at"] == t0 and rows["https://a.ma/feed"]["failed_at"] == t0 + timedelta(days=1)
    save_discovered(engine, [Finding("A", "feed", "https://a.ma/feed", True)], now=t0 + timedelta(days=2))
    again = discovered_sources(engine, "A")[0]
    assert again["failed_at"] is None and again["last_ok_at"] == t0 + timedelta(days=2) and again["found_at"] == t0
    dispose_engines()
