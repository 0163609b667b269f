"""``newswatch outlets check`` and ``outlets list`` on a local web: discovery as the crawl does
it (configured, advertised, robots.txt, probed), sample extractions, last-run health."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from crawl_helpers import crawl_env, newswatch, write_sources

from common.outlets import parse_sources
from localweb import LocalWeb, build_outlet_site, merge_sites
from newswatch.commands.outlets import collect_check, health_label, http_fetch
from storage.db import dispose_engines, get_engine, session_scope, upgrade
from storage.discovered import Finding, save_discovered
from storage.models import CrawlRun


@pytest.fixture(scope="module")
def web() -> Any:
    today = date.today()
    sites = [
        build_outlet_site("Le Réveil", shape="aggregator", language="fr", n_articles=6, today=today, seed=23,
                          advertise=False),
        merge_sites("Presse Partagée", [
            build_outlet_site("Presse Partagée (fr)", shape="clean", language="fr", n_articles=6, today=today,
                              seed=21, path_prefix="/fr/", country="FR"),
            build_outlet_site("Presse Partagée (ar)", shape="clean", language="ar", n_articles=6, today=today,
                              seed=22, path_prefix="/ar/", country="FR", hidden=2),
        ]),
    ]
    with LocalWeb(sites) as served:
        yield served


def _outlets(web: LocalWeb, **kw: Any) -> dict[str, Any]:
    from localweb import sources_for

    return {o.name: o for o in parse_sources(sources_for(web, web.sites, **kw))}


def test_check_probes_the_usual_locations_and_extracts_samples(web: LocalWeb) -> None:
    outlet = _outlets(web)["Le Réveil"]
    report = collect_check(outlet, http_fetch, sample=3)
    assert [(f.url.rsplit("/", 1)[1], f.how) for f in report.feeds] == [("rss.xml", "probed (outlet path)")]
    assert report.feeds[0].items > 0
    assert any(s.url.endswith("/sitemap_index.xml") and s.how == "probed (outlet path)" for s in report.sitemaps)
    assert report.sections[0].how == "homepage" and report.sections[0].items > 0
    truths = {t.path: t for t in web.sites[0].articles}
    assert len(report.samples) == 3
    for sample in report.samples:
        truth = truths[sample.url.split(str(web.base_url("Le Réveil")), 1)[1]]
        assert not sample.error and sample.title == truth.title and sample.language == "fr"
        assert truth.lede[:50] in sample.first_paragraph and sample.published
        assert sample.last_paragraph and sample.words > 100
    assert {s.via for s in report.samples} == {"feed"}  # a URL is credited to the first channel that lists it


def test_check_reads_an_editions_sitemap_from_the_shared_robots_txt(web: LocalWeb) -> None:
    outlet = _outlets(web)["Presse Partagée (ar)"]
    report = collect_check(outlet, http_fetch, sample=2)
    assert [f.how for f in report.feeds] == ["advertised (<link rel=alternate>)"]
    robots = [s for s in report.sitemaps if s.how == "robots.txt"]
    assert [s.url.split("/", 3)[3] for s in robots] == ["ar/sitemap_index.xml"]  # not the /fr/ edition's
    assert all("/ar/" in s.url for s in report.samples) and not any(s.error for s in report.samples)


def test_check_command_prints_the_report_and_fails_when_nothing_extracts(web: LocalWeb, tmp_path: Path) -> None:
    sources = write_sources(web, web.sites, tmp_path / "sources.yaml")
    env = crawl_env(tmp_path / "data", f"sqlite:///{tmp_path / 'nw.db'}")
    done = newswatch(["outlets", "check", "le réveil", "--sample", "2", "--sources", str(sources)], env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "probed (outlet path)" in done.stdout and "title: " in done.stdout and "first: " in done.stdout
    as_json = newswatch(["outlets", "check", "Le Réveil", "--sample", "1", "--json", "--sources", str(sources)], env)
    assert json.loads(as_json.stdout)["samples"][0]["title"] and json.loads(as_json.stdout)["cached"] == []
    crawled = newswatch(["crawl", "--sources", str(sources), "--outlet", "Le Réveil", "--days", "365"], env)
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    again = newswatch(["outlets", "check", "Le Réveil", "--sample", "1", "--sources", str(sources)], env)
    assert "cached feed: " in again.stdout and "/rss.xml  found " in again.stdout and "answering" in again.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text("outlets:\n  - name: Nowhere\n    homepage: http://127.0.0.1:9/\n    country: MA\n"
                      "    languages: [fr]\n", encoding="utf-8")
    nothing = newswatch(["outlets", "check", "Nowhere", "--sources", str(broken)], env)
    assert nothing.returncode == 1 and "homepage: unreachable" in nothing.stdout


def test_list_shows_every_outlet_with_bounds_and_last_run_health(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nw.db'}"
    upgrade(url)
    with session_scope(get_engine(url)) as session:
        session.add(CrawlRun(status="finished", outlet_stats={
            "Le360": {"articles": 12, "errors": 1, "pages": 30, "last_error": None},
            "Mediapart": {"articles": 0, "errors": 0, "pages": 9}}))
    save_discovered(get_engine(url), [Finding("Le360", "sitemap", "https://fr.le360.ma/sitemap.xml", True)])
    dispose_engines()
    done = newswatch(["outlets", "list", "--json"], crawl_env(tmp_path / "data", url))
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {row["name"]: row for row in map(json.loads, done.stdout.splitlines())}
    assert len(rows) >= 55
    assert rows["Le360"]["health"] == "ok" and rows["Le360"]["articles"] == 12
    assert rows["Mediapart"]["health"] == "no articles" and rows["Mediapart"]["paywalled"] is True
    assert rows["Barlamane FR"]["hosts"] == ["www.barlamane.com"] and rows["Barlamane FR"]["path"] == "/fr/"
    assert rows["Hespress"]["health"] == "never crawled"
    assert rows["Le360"]["discovered"] == ["https://fr.le360.ma/sitemap.xml"] and rows["Hespress"]["discovered"] == []
    text = newswatch(["outlets", "list"], crawl_env(tmp_path / "data", url))
    assert "Barlamane FR" in text.stdout and "www.barlamane.com/fr/" in text.stdout and "outlets" in text.stdout


def test_health_label() -> None:
    assert health_label(None) == "never crawled"
    assert health_label({"articles": 3, "pages": 5}) == "ok"
    assert health_label({"articles": 0, "pages": 0, "errors": 2}) == "unreachable"
    assert health_label({"articles": 0, "pages": 4}) == "no articles"
    assert health_label({"articles": 0, "pages": 1, "status": "blocked"}) == "blocked"


def test_check_follows_no_redirect_off_the_outlet() -> None:
    """`outlets check` fetches over HTTP like the crawl: a redirect off the outlet's hosts is refused."""
    import threading
    import urllib.error
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import pytest

    from newswatch.commands.outlets import http_fetch

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.2:9/admin")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/article"
        with pytest.raises(urllib.error.URLError, match="leaves the outlet"):
            http_fetch(url, allow=lambda target: target.startswith("http://127.0.0.1:"))
    finally:
        server.shutdown()
