"""The spider's contracts on hand-built responses, no network: every kind ``error_kind``
gives a failed request, every error the spider records itself, and every discovery path
(feed, sitemap, sitemap index, section, homepage feed discovery, robots.txt). The crawl
window comes from an injected clock, so "old" is fixed, not relative to the test's day."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.defer import CancelledError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from common.settings import get_settings
from common.signals import crawl_error
from crawler.middlewares import RefusedRequest
from crawler.spiders.news import NewsSpider, error_kind
from storage.db import upgrade

NOW = datetime(2025, 6, 27, 12, tzinfo=UTC)
HOME = "https://www.le360.ma/"
SOURCES = """outlets:
  - name: Le360
    homepage: https://www.le360.ma/
    country: MA
    languages: [fr]
    sections: [https://www.le360.ma/politique/]
  - name: Other
    homepage: https://other.example/
    country: FR
    languages: [fr]
    feeds: [https://other.example/rss]
"""


@pytest.fixture
def spider(nw_env: Path) -> Iterator[tuple[NewsSpider, list[dict[str, Any]]]]:
    """A configured spider (registry, window, caps, empty store) and the errors it records."""
    sources = nw_env.parent / "sources.yaml"
    sources.write_text(SOURCES, encoding="utf-8")
    url = get_settings().resolved_database_url
    upgrade(url)
    crawler = get_crawler(NewsSpider, settings_dict={"NEWSWATCH_DATABASE_URL": url, "NEWSWATCH_CRAWL_DAYS": 2})
    news = NewsSpider.from_crawler(crawler, sources=str(sources), outlets="Le360", clock=lambda: NOW)
    crawler.spider = news
    errors: list[dict[str, Any]] = []
    crawler.signals.connect(lambda **kw: errors.append(kw), signal=crawl_error, weak=False)
    news._configure()
    yield news, errors


def _response(url: str, body: bytes | str, cls: type[Response] = HtmlResponse, headers: dict | None = None,
              **meta: Any) -> Response:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    request = Request(url, meta={"outlet": "Le360", **meta})
    if cls is Response:
        return Response(url, body=raw, headers=headers or {}, request=request)
    return cls(url, body=raw, encoding="utf-8", headers=headers or {}, request=request)


def _urls(items: Iterator[Any]) -> list[tuple[str, str]]:
    return [(r.url, r.meta["via"]) for r in items if isinstance(r, scrapy.Request)]


# ------------------------------------------------------------------ error kinds
def _failure(exc: BaseException) -> Failure:
    failure = Failure(exc)
    failure.request = Request(HOME)  # type: ignore[attr-defined]
    return failure


@pytest.mark.parametrize(("exc", "kind"), [
    (RefusedRequest("over the page cap", kind="outlet_cap"), "outlet_cap"),
    (RefusedRequest("refused"), "refused"),
    (HttpError(HtmlResponse(HOME, status=404, body=b""), "Ignoring non-200 response"), "http_404"),
    (HttpError(HtmlResponse(HOME, status=503, body=b""), "Ignoring non-200 response"), "http_503"),
    (TimeoutError("User timeout caused connection failure"), "timeout"),
    (IgnoreRequest("max redirections reached (redirect loop)"), "redirect_loop"),
    (CancelledError("Cancelling download: body larger than download maxsize"), "too_large"),
    (DNSLookupError("no such host"), "dns"),
    (ConnectionRefusedError("Connection was refused by other side"), "connection"),
    (IgnoreRequest("Forbidden by robots.txt"), "robots"),
    (ValueError("something else"), "valueerror"),
])  # fmt: skip
def test_error_kind_of_every_failure(exc: BaseException, kind: str) -> None:
    assert error_kind(_failure(exc))[0] == kind


def test_on_error_records_but_not_robots_or_optional_404(spider: tuple[NewsSpider, list]) -> None:
    news, errors = spider
    list(news.on_error(_failure(DNSLookupError("no such host"))))
    robots = _failure(IgnoreRequest("Forbidden by robots.txt"))
    list(news.on_error(robots))
    optional = Failure(HttpError(HtmlResponse(HOME, status=404, body=b""), "x"))
    optional.request = Request(HOME + "feed", meta={"outlet": "Le360", "optional": True})  # type: ignore[attr-defined]
    list(news.on_error(optional))
    assert [e["kind"] for e in errors] == ["dns"]


# ------------------------------------------------------------- spider's own errors
def test_article_errors_not_html_binary_offsite(spider: tuple[NewsSpider, list]) -> None:
    news, errors = spider
    pdf = _response(HOME + "doc-12345.pdf", b"%PDF-1.4", cls=Response, headers={"Content-Type": "application/pdf"})
    png = _response(HOME + "a-b-c-d-12345", b"\x89PNG\r\n\x1a\n\x00\x00" * 50, headers={"Content-Type": "text/html"})
    moved = HtmlResponse("https://evil.example/x", body=b"<p>x</p>", encoding="utf-8",
                         request=Request(HOME + "a-b-c-d-12345", meta={"outlet": "Le360"}))
    for response in (pdf, png, moved):
        assert list(news.parse_article(response)) == []
    assert [e["kind"] for e in errors] == ["not_html", "binary", "offsite_redirect"]


def test_feed_and_sitemap_parse_errors(spider: tuple[NewsSpider, list]) -> None:
    news, errors = spider
    assert _urls(news.parse_feed(_response(HOME + "rss", "<html>not a feed</html>", cls=TextResponse))) == []
    assert _urls(news.parse_sitemap(_response(HOME + "sitemap.xml", "<html>not xml</html>", cls=TextResponse))) == []
    bomb = gzip.compress(gzip.compress(b"<urlset>" + b" " * 200_000 + b"</urlset>"))
    news.max_inflated = 10_000
    assert _urls(news.parse_sitemap(_response(HOME + "s.xml.gz", bomb, cls=Response))) == []
    assert [e["kind"] for e in errors] == ["feed_parse", "sitemap_parse", "too_large"]


# ---------------------------------------------------------------- discovery paths
def test_window_comes_from_the_clock(spider: tuple[NewsSpider, list]) -> None:
    assert spider[0].cutoff == NOW - timedelta(days=2)


def test_feed_path_follows_fresh_items_of_the_outlet(spider: tuple[NewsSpider, list]) -> None:
    news, _ = spider
    fresh, old = NOW - timedelta(hours=3), NOW - timedelta(days=5)
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Le360</title>
      <item><title>A</title><link>{HOME}politique/cooperation-securitaire-12345</link>
        <pubDate>{fresh.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>
      <item><title>B</title><link>{HOME}politique/vieille-affaire-12000</link>
        <pubDate>{old.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>
      <item><title>C</title><link>https://other.example/x-y-z-12345</link></item>
    </channel></rss>"""
    found = _urls(news.parse_feed(_response(HOME + "rss", rss, cls=TextResponse)))
    assert found == [(HOME + "politique/cooperation-securitaire-12345", "feed")]


def _urlset(*entries: tuple[str, datetime]) -> str:
    rows = "".join(f"<url><loc>{u}</loc><lastmod>{d.isoformat()}</lastmod></url>" for u, d in entries)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>'


def test_sitemap_path_and_its_gzip(spider: tuple[NewsSpider, list]) -> None:
    news, _ = spider
    body = _urlset((HOME + "politique/rabat-paris-12345", NOW), (HOME + "politique/ancien-11111", NOW - timedelta(days=9)))
    plain = _urls(news.parse_sitemap(_response(HOME + "sitemap.xml", body, cls=TextResponse)))
    assert plain == [(HOME + "politique/rabat-paris-12345", "sitemap")]
    news.scheduled.clear()
    zipped = _urls(news.parse_sitemap(_response(HOME + "sitemap.xml.gz", gzip.compress(body.encode()), cls=Response)))
    assert zipped == plain


def test_sitemap_index_path_skips_old_children_and_deep_indexes(spider: tuple[NewsSpider, list]) -> None:
    news, _ = spider
    index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{HOME}sitemap-2025-06.xml</loc><lastmod>{NOW.isoformat()}</lastmod></sitemap>"
             f"<sitemap><loc>{HOME}sitemap-2019-01.xml</loc><lastmod>2019-01-31T00:00:00+00:00</lastmod></sitemap>"
             "<sitemap><loc>https://other.example/sitemap.xml</loc></sitemap></sitemapindex>")
    children = list(news.parse_sitemap(_response(HOME + "sitemap_index.xml", index, cls=TextResponse)))
    assert [(r.url, r.meta["sitemap_depth"]) for r in children] == [(HOME + "sitemap-2025-06.xml", 1)]
    too_deep = _response(HOME + "sitemap_index.xml", index, cls=TextResponse, sitemap_depth=3)
    assert list(news.parse_sitemap(too_deep)) == []


def test_section_path_keeps_article_links_only(spider: tuple[NewsSpider, list]) -> None:
    news, _ = spider
    html = ('<a href="/politique/hammouchi-a-paris-pour-la-cooperation-12345">A</a><a href="/tag/maroc">t</a>'
            '<a href="/contact">c</a><a href="https://other.example/a-b-c-d-12345">o</a>')
    found = _urls(news.parse_section(_response(HOME + "politique/", html)))
    assert found == [(HOME + "politique/hammouchi-a-paris-pour-la-cooperation-12345", "section")]


def test_homepage_announces_its_feed_or_probes(spider: tuple[NewsSpider, list]) -> None:
    news, _ = spider
    announced = '<link rel="alternate" type="application/rss+xml" href="/rss/fr.xml"><a href="/x">x</a>'
    assert _urls(news.parse_homepage(_response(HOME, announced)))[0] == (HOME + "rss/fr.xml", "feed")
    silent = list(news.parse_homepage(_response(HOME, "<p>no feed here</p>")))
    assert silent and all(r.meta.get("probe") == "feed" for r in silent)  # the usual feed locations


def test_robots_sitemaps_are_read_on_the_outlets_hosts_only(spider: tuple[NewsSpider, list]) -> None:
    news, _ = spider
    robots = f"User-agent: *\nSitemap: {HOME}news-sitemap.xml\nSitemap: https://other.example/sitemap.xml\n"
    response = _response(HOME + "robots.txt", robots, cls=TextResponse, robots_for=["Le360"])
    assert [r.url for r in news.parse_robots(response)] == [HOME + "news-sitemap.xml"]


# ------------------------------------------------------------- the article item
def test_the_article_item_carries_its_outlet_record_to_the_page_stage(spider: tuple[NewsSpider, list]) -> None:
    """The outlet config travels with the item: the page stage builds its job from the
    spider's record and reads no sources.yaml of its own (the spider may have read --sources)."""
    from pipelines.extract_stage import ExtractPipeline

    news, _ = spider
    page = _response(HOME + "politique/2025/06/26/hammouchi-a-paris-12345", "<html><body><p>x</p></body></html>",
                     headers={"Content-Type": "text/html; charset=utf-8"}, canonical=HOME + "politique/x-12345")
    [item] = list(news.parse_article(page))
    assert item["outlet_config"] is news.by_name["Le360"]
    stage_crawler = get_crawler(settings_dict={"NEWSWATCH_SOURCES_FILE": "/nonexistent/sources.yaml",
                                               "NEWSWATCH_DATABASE_URL": "sqlite://"})
    job = ExtractPipeline(stage_crawler)._job(item)
    assert (job.outlet, job.country, job.homepage, job.languages) == ("Le360", "MA", HOME, ("fr",))
    assert job.timezone == news.by_name["Le360"].timezone and job.url == HOME + "politique/x-12345"
