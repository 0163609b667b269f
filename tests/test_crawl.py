"""End-to-end crawls of a local web of outlet-like sites (and one broken site) on 127.0.0.1:
discovery without configured feeds, only articles stored, each once, editions credited
right, bad input recorded without stopping the run, incremental re-runs."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from crawl_helpers import crawl_env, crawled_twice, errors, newswatch, stored, write_sources

from localweb import BAD_SITE, LocalWeb, sample_web
from storage.db import dispose_engines, upgrade

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One sample web crawled twice (no feeds configured: all discovered), shared by the tests below."""
    sites = sample_web(date.today(), n_articles=6, include_bad=True)
    with crawled_twice(sites, tmp_path_factory.mktemp("crawl")) as crawl:
        yield crawl


def _good_sites(crawled: Any) -> list[Any]:
    return [s for s in crawled["sites"] if s.name != BAD_SITE]


def test_crawl_finishes_and_prints_a_per_outlet_summary(crawled: Any) -> None:
    first = crawled["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    assert "crawl run" in first.stdout and "Radio Monde (ar)" in first.stdout and "total:" in first.stdout


def test_every_article_is_stored_once_and_credited_to_its_edition(crawled: Any) -> None:
    articles = stored(crawled["url"])
    for site in _good_sites(crawled):
        for truth in site.articles:
            assert truth.path in articles or unquote(truth.path) in {unquote(p) for p in articles}, \
                f"{site.name}: {truth.path} not stored"
            got = articles.get(truth.path) or next(v for p, v in articles.items() if unquote(p) == unquote(truth.path))
            assert got["outlet"] == truth.outlet
            assert got["language"] == truth.language, (truth.path, got["language"])
            assert got["title"] == truth.title
            assert truth.lede[:60] in got["text"] and truth.last_paragraph[:60] in got["text"]


def test_published_dates_right_in_the_outlets_zone(crawled: Any) -> None:
    articles = stored(crawled["url"])
    total = right = 0
    for site in _good_sites(crawled):
        for truth in site.articles:
            got = articles.get(truth.path)
            if got is None or truth.date_precision != "minute":
                continue
            total += 1
            right += got["published"] is not None and abs(got["published"] - truth.published) < timedelta(minutes=1)
    assert total >= 30 and right / total >= 0.95, f"{right}/{total} dates right"


def test_no_listing_tag_author_about_page_becomes_an_article(crawled: Any) -> None:
    stored_paths = {unquote(p.split("?")[0]) for p in stored(crawled["url"])}
    for site in _good_sites(crawled):
        leaked = [p for p in site.non_articles if unquote(p.split("?")[0]) in stored_paths]
        assert not leaked, f"{site.name}: non-articles stored: {leaked}"
        expected = {unquote(t.path.split("?")[0]) for t in site.articles}
        own = {p for p in stored_paths if p in expected}
        assert len(own) == len(expected)


def test_no_page_fetched_twice_and_robots_obeyed(crawled: Any) -> None:
    for site in crawled["sites"]:
        records = [r for r in crawled["log1"] if r.site == site.name]
        article_paths = [unquote(r.path.split("?")[0]) for r in records if r.status == 200
                         and any(unquote(r.path.split("?")[0]) == unquote(t.path) for t in site.articles)]
        assert len(article_paths) == len(set(article_paths)), f"{site.name}: an article was fetched twice"
        # (a 500 or 503 answer is retried: those are not counted as fetches of the article)
        for path in site.disallowed:
            assert not any(r.path.startswith(path) for r in records), f"{site.name}: robots.txt ignored for {path}"
        assert all("newswatch" in r.user_agent for r in records)


def test_bad_input_gets_one_clear_record_each_and_the_run_goes_on(crawled: Any) -> None:
    kinds = {(kind, path) for outlet, kind, path in errors(crawled["url"]) if outlet == BAD_SITE}
    by_path = {path: kind for kind, path in kinds}
    assert by_path.get("/articles/missing.html") == "http_404"
    assert by_path.get("/articles/slow.html") == "timeout"
    assert by_path.get("/loop/a") == "redirect_loop" or any(k == "redirect_loop" for k, _ in kinds)
    assert by_path.get("/articles/binary.html") == "binary"
    assert by_path.get("/articles/huge.html") == "too_large"
    assert by_path.get("/feed-broken.xml") == "feed_parse"
    assert by_path.get("/articles/video.html") == "empty_extraction"
    articles = stored(crawled["url"])
    bad = next(s for s in crawled["sites"] if s.name == BAD_SITE)
    truths = {t.path: t for t in bad.articles}
    for path in ("/articles/latin1.html", "/articles/arabe-1256.html", "/articles/flaky.html", "/articles/ok-ar.html"):
        assert path in articles, f"{path} not stored"
        assert truths[path].lede[:50] in articles[path]["text"], f"{path}: text not decoded right"
    for path in ("/articles/missing.html", "/articles/binary.html", "/articles/huge.html", "/articles/video.html"):
        assert path not in articles


def test_second_run_fetches_no_stored_article_again(crawled: Any) -> None:
    second = crawled["second"]
    assert second.returncode == 0, second.stderr[-3000:]
    assert "total: 0 new articles" in second.stdout
    for site in _good_sites(crawled):
        stored_again = [r.path for r in crawled["log2"] if r.site == site.name
                        and any(unquote(r.path.split("?")[0]) == unquote(t.path) for t in site.articles)]
        assert stored_again == [], f"{site.name} refetched {stored_again[:3]}"


def test_scrapy_crawl_works_from_the_project_root(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'nw.db'}"
    sites = sample_web(date.today(), n_articles=3, include_bad=False)[:1]
    with LocalWeb(sites) as web:
        sources = write_sources(web, sites, tmp_path / "sources.yaml")
        env = crawl_env(tmp_path / "data", url)
        upgrade(url)
        scrapy = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sources={sources}", "-a", "days=365"]
        done = subprocess.run(scrapy, env=env, cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                              text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(stored(url)) == len(sites[0].articles)
    dispose_engines()


def test_a_typo_in_sources_names_the_outlet_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "sources.yaml"
    bad.write_text("outlets:\n  - name: Le360\n    homepage: https://www.le360.ma/\n    country: MA\n"
                   "    languages: [fr]\n    feedz: [https://www.le360.ma/rss]\n", encoding="utf-8")
    done = newswatch(["crawl", "--sources", str(bad)], crawl_env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"))
    assert done.returncode == 2
    assert "Le360" in done.stderr and "feedz" in done.stderr


def test_article_urls_keep_no_tracking_parameters(crawled: Any) -> None:
    for path in stored(crawled["url"]):
        assert "utm_" not in urlsplit(path).query
