"""End-to-end discovery from homepages alone: editions sharing one host each get their own
sitemaps from the one robots.txt, and outlets that advertise no feed or sitemap are found
by probing the usual locations, cached, and not probed again on the next run."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import unquote

import pytest
from crawl_helpers import crawl_env, crawled_twice, newswatch, stored, write_sources

from localweb import LocalWeb, build_outlet_site, merge_sites
from storage.db import dispose_engines, get_engine, upgrade
from storage.discovered import discovered_sources

pytestmark = pytest.mark.slow
N = 8


def discovery_web(today: date) -> list[Any]:
    return [
        # two editions on one host; the Arabic one's newest articles are linked from no page,
        # only listed in its sitemap, which only the host's robots.txt names
        merge_sites("Presse Partagée", [
            build_outlet_site("Presse Partagée (fr)", shape="clean", language="fr", n_articles=N, today=today,
                              seed=21, path_prefix="/fr/", country="FR"),
            build_outlet_site("Presse Partagée (ar)", shape="clean", language="ar", n_articles=N, today=today,
                              seed=22, path_prefix="/ar/", country="FR", hidden=3, hidden_in="sitemap"),
        ]),
        # no <link rel="alternate">, no Sitemap: line: feed at /rss.xml, sitemap at /sitemap_index.xml
        build_outlet_site("Le Réveil", shape="aggregator", language="fr", n_articles=N, today=today, seed=23,
                          advertise=False, hidden=3, hidden_in="feed"),
        # an edition whose feed answers only at the host root
        build_outlet_site("Atlas Info (en)", shape="wordpress", language="en", n_articles=N, today=today, seed=24,
                          path_prefix="/en/", advertise=False, feed_path="/feed.xml", hidden=3, hidden_in="feed"),
    ]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with crawled_twice(discovery_web(date.today()), tmp_path_factory.mktemp("discovery")) as crawl:
        yield crawl


def test_every_article_found_from_the_homepages_alone(crawled: Any) -> None:
    assert crawled["first"].returncode == 0, crawled["first"].stderr[-3000:]
    articles = {unquote(p): v for p, v in stored(crawled["url"]).items()}
    for site in crawled["sites"]:
        assert len(site.hidden) == 3 or site.name == "Presse Partagée"
        for truth in site.articles:
            got = articles.get(unquote(truth.path))
            assert got is not None, f"{site.name}: {truth.path} not found{' (hidden)' if truth.path in site.hidden else ''}"
            assert got["outlet"] == truth.outlet


def test_second_edition_on_a_shared_host_gets_its_robots_sitemap(crawled: Any) -> None:
    shared = crawled["sites"][0]
    articles = stored(crawled["url"])
    assert len(shared.hidden) == 3
    for path in shared.hidden:
        assert path.startswith("/ar/") and articles[path]["outlet"] == "Presse Partagée (ar)"
    fetched = [r.path for r in crawled["log1"] if r.site == shared.name]
    assert fetched.count("/ar/sitemap_index.xml") == 1 and fetched.count("/fr/sitemap_index.xml") == 1


def test_probing_finds_feeds_at_the_usual_paths_in_the_outlets_path_then_the_root(crawled: Any) -> None:
    found = {(row["outlet"], row["kind"], row["url"].split("/", 3)[3]) for row in discovered_sources(get_engine(crawled["url"]))}
    assert ("Le Réveil", "feed", "rss.xml") in found
    assert ("Le Réveil", "sitemap", "sitemap_index.xml") in found
    assert ("Atlas Info (en)", "feed", "feed.xml") in found  # at the root, after /en/ gave nothing
    assert ("Atlas Info (en)", "sitemap", "en/sitemap_index.xml") in found
    assert not any(outlet.startswith("Presse Partagée") for outlet, _, _ in found)  # advertised: no probing
    rows = discovered_sources(get_engine(crawled["url"]), "Le Réveil")
    assert all(row["found_at"] is not None and row["failed_at"] is None for row in rows)


def test_second_run_reuses_the_cache_instead_of_probing(crawled: Any) -> None:
    assert crawled["second"].returncode == 0, crawled["second"].stderr[-3000:]
    assert "total: 0 new articles" in crawled["second"].stdout
    first_misses = {(r.site, r.path) for r in crawled["log1"] if r.status == 404}
    assert ("Atlas Info (en)", "/en/rss.xml") in first_misses  # the first run did probe
    second = {(r.site, r.path) for r in crawled["log2"]}
    assert not first_misses & second, sorted(first_misses & second)[:5]
    assert ("Atlas Info (en)", "/feed.xml") in second and ("Le Réveil", "/rss.xml") in second


def test_a_cached_feed_that_stops_answering_is_marked_and_reprobed(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'nw.db'}"
    upgrade(url)
    site = build_outlet_site("Le Réveil", shape="aggregator", language="fr", n_articles=4, today=date.today(), seed=23,
                             advertise=False)
    from storage.discovered import Finding, save_discovered

    with LocalWeb([site]) as web:
        save_discovered(get_engine(url), [Finding("Le Réveil", "feed", web.url("Le Réveil", "/old-feed.rss"), True)])
        sources = write_sources(web, [site], tmp_path / "sources.yaml")
        done = newswatch(["crawl", "--sources", str(sources), "--days", "365"], crawl_env(tmp_path / "data", url))
        log = web.log()
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {row["url"].split("/", 3)[3]: row for row in discovered_sources(get_engine(url), "Le Réveil")}
    assert rows["old-feed.rss"]["failed_at"] is not None
    assert rows["rss.xml"]["failed_at"] is None
    assert any(r.path == "/rss.xml" for r in log)
    dispose_engines()
