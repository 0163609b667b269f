"""The crawl's "already stored" set: 64-bit digests (``UrlDigests``), loaded from the store
the way the spider always read it (a page's own fetched URL, canonical), never a claim."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import insert

from common.settings import get_settings
from common.urls import canonicalize
from crawler.spiders.news import NewsSpider
from crawler.urls import UrlDigests
from storage.db import get_engine, upgrade
from storage.models import Article, RawPage
from storage.models import Outlet as OutletRow

SOURCES = """outlets:
  - name: Le360
    homepage: https://www.le360.ma/
    country: MA
    languages: [fr]
  - name: Other
    homepage: https://other.example/
    country: FR
    languages: [fr]
"""


def test_digests_hold_exactly_the_urls_given() -> None:
    urls = [f"https://www.le360.ma/politique/article-{i}.html" for i in range(5000)]
    digests = UrlDigests([*urls, *urls[:100]])  # repeated URLs count once
    assert len(digests) == 5000 and digests.nbytes == 8 * 5000
    assert all(url in digests for url in urls)
    assert not any(f"https://www.le360.ma/politique/article-{i}.html" in digests for i in range(5000, 10000))
    assert "https://www.le360.ma/" not in UrlDigests()


@pytest.mark.parametrize("url", [
    "HTTP://WWW.Le360.ma:80/a/b.html?b=2&a=1&utm_source=x#frag",
    "https://www.le360.ma/société/l'été 2026.html",
    "https://www.le360.ma/a%2fb/c.html?q=a+b&q=%C3%A9",
    "https://www.le360.ma:8443/ar/مقال-1.html?id=5&ref=home",
    "https://xn--bcher-kva.example/path/?",
    "http://127.0.0.1:8080//double//slash/;params?x",
])
def test_canonical_urls_are_their_own_canonical_form(url: str) -> None:
    """The load skips ``canonicalize`` when a page was fetched from its article URL: right only
    because article URLs are canonicalize outputs and canonicalize is idempotent."""
    canonical = canonicalize(url)
    assert canonicalize(canonical) == canonical


@pytest.fixture
def spider(nw_env: Path) -> Iterator[NewsSpider]:
    sources = nw_env.parent / "sources.yaml"
    sources.write_text(SOURCES, encoding="utf-8")
    url = get_settings().resolved_database_url
    upgrade(url)
    crawler = get_crawler(NewsSpider, settings_dict={"NEWSWATCH_DATABASE_URL": url, "NEWSWATCH_CRAWL_DAYS": 2})
    news = NewsSpider.from_crawler(crawler, sources=str(sources), outlets="Le360")
    crawler.spider = news
    yield news


def _store(database_url: str, rows: list[tuple[str, str, str | None]]) -> None:
    """(outlet, article URL, fetched URL or None for no raw page) rows, as the store writes them."""
    with get_engine(database_url).begin() as conn:
        ids = {name: conn.execute(insert(OutletRow).values(name=name, homepage="", languages=["fr"])
                                  .returning(OutletRow.id)).scalar_one() for name in ("Le360", "Other")}
        for i, (outlet, url, fetched) in enumerate(rows, start=1):
            conn.execute(insert(Article).values(id=i, url=url, outlet_id=ids[outlet], content_hash=f"{i:064x}"))
            if fetched is not None:
                conn.execute(insert(RawPage).values(article_id=i, fetched_url=fetched, html_zlib=zlib.compress(b"")))


def test_the_stored_set_is_each_pages_own_canonical_url(spider: NewsSpider) -> None:
    home = "https://www.le360.ma"
    _store(get_settings().resolved_database_url, [
        ("Le360", f"{home}/a/1.html", f"{home}/a/1.html"),  # fetched from its own URL
        ("Le360", f"{home}/a/2.html", f"{home}/a/2.html?utm_source=rss#top"),  # fetched with tracking
        ("Le360", f"{home}/a/3.html", None),  # no raw page: the article URL
        ("Le360", f"{home}/a/claimed.html", f"{home}/a/4.html"),  # page 4 named another URL its canonical
        ("Other", "https://other.example/a/5.html", "https://other.example/a/5.html"),  # not crawled now
    ])
    spider._configure()
    stored = spider.stored_urls
    assert isinstance(stored, UrlDigests) and len(stored) == 4
    for url in (f"{home}/a/1.html", f"{home}/a/2.html", f"{home}/a/3.html", f"{home}/a/4.html"):
        assert url in stored
    assert f"{home}/a/claimed.html" not in stored  # a claim never keeps the claimed article out
    assert "https://other.example/a/5.html" not in stored
    # and the spider skips exactly those: a stored link is not requested, a new one is
    outlet = spider.by_name["Le360"]
    assert spider._article_request(f"{home}/a/2.html?utm_medium=x", outlet, "feed") is None
    assert spider._article_request(f"{home}/a/claimed.html", outlet, "feed") is not None
