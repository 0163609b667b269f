"""The local web: generated outlets look like the seeds' page shapes, and the server serves them faithfully."""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml
from lxml import etree

from common.outlets import parse_sources
from localweb import (
    BAD_SITE,
    SHAPES,
    LocalWeb,
    Resource,
    Site,
    build_bad_site,
    build_outlet_site,
    merge_sites,
    sample_web,
    sources_for,
)
from localweb.lexicon import MONTHS

TODAY = date(2026, 11, 23)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def balanced(html: str) -> bool:
    parser = _Balance()
    parser.feed(html)
    parser.close()
    return not parser.errors and not parser.stack


def fetch(url: str, method: str = "GET", timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        resp = conn.getresponse()
        body = resp.read() if method != "HEAD" else b""
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


@pytest.fixture(scope="module")
def sites() -> list[Site]:
    return sample_web(TODAY, n_articles=24)


@pytest.fixture(scope="module")
def web(sites):
    with LocalWeb(sites) as served:
        yield served


def by_name(sites: list[Site], name: str) -> Site:
    return next(s for s in sites if s.name == name)


# ------------------------------------------------------------------ serving


def test_server_serves_what_was_built_with_links_on_the_served_host(web, sites):
    site = by_name(sites, "Le Courrier de Casablanca")
    base = web.base_url(site.name)
    truth = site.articles[0]
    status, headers, body = fetch(base + truth.path)
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert body == site.resources[truth.path].body.replace(b"{BASE}", base.encode())
    assert b"{BASE}" not in body
    assert f'<link rel="canonical" href="{base}{truth.path}">'.encode() in body
    assert int(headers["content-length"]) == len(body)


def test_requests_are_logged_and_counted(web, sites):
    site = by_name(sites, "Maghreb Daily")
    base = web.base_url(site.name)
    tracked = next(a for a in site.articles if a.tracked_path)
    before = web.count(site.name, tracked.path)
    assert fetch(base + tracked.tracked_path)[0] == 200  # utm variant served by the same page
    assert fetch(base + tracked.path)[0] == 200
    assert web.count(site.name, tracked.path) == before + 2  # a bare path counts its query variants
    assert web.count(site.name, tracked.tracked_path) >= 1
    record = [r for r in web.log(site.name) if r.path == tracked.tracked_path][-1]
    assert (record.site, record.method, record.status) == (site.name, "GET", 200)
    assert abs(record.time - time.time()) < 60


def test_log_is_thread_safe_under_concurrent_requests(web, sites):
    site = by_name(sites, "Diaspora Express")
    url = web.base_url(site.name) + "/robots.txt"
    before = web.count(site.name, "/robots.txt")
    threads = [threading.Thread(target=fetch, args=(url,)) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert web.count(site.name, "/robots.txt") == before + 40


def test_unknown_path_is_a_404_page_in_the_site_look(web, sites):
    status, headers, body = fetch(web.base_url("Akhbar Al Maghrib") + "/no/such/page.html")
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert "الصفحة غير موجودة" in body.decode()
    assert web.log("Akhbar Al Maghrib")[-1].status == 404


def test_arabic_slugs_are_served_however_they_are_percent_encoded(web, sites):
    site = by_name(sites, "Akhbar Al Maghrib")
    base = web.base_url(site.name)
    article = next(a for a in site.articles if "%D8" in a.path)
    assert re.fullmatch(r"[\x21-\x7e]+", article.path)  # ASCII on the wire
    assert "الأمن" in unquote(article.path) or any("\u0600" <= ch <= "\u06ff" for ch in unquote(article.path))
    assert fetch(base + article.path)[0] == 200
    lower = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), article.path)
    assert lower != article.path and fetch(base + lower)[0] == 200


def test_500_then_200(web):
    base = web.base_url(BAD_SITE)
    assert [fetch(base + "/articles/flaky.html")[0] for _ in range(3)] == [500, 200, 200]
    status, headers, _ = fetch(base + "/articles/busy.html")
    assert status == 503 and headers["retry-after"] == "1"
    assert fetch(base + "/articles/busy.html")[0] == 200


def test_delay_holds_the_answer_and_stop_does_not_wait_for_it():
    site = Site("slow", {"/slow": Resource(body=b"late", delay=0.6), "/fast": Resource(body=b"ok")})
    web = LocalWeb([site]).start()
    try:
        base = web.base_url("slow")
        with pytest.raises(TimeoutError):
            fetch(base + "/slow", timeout=0.2)
        started = time.perf_counter()
        assert fetch(base + "/slow", timeout=5)[2] == b"late"
        assert time.perf_counter() - started >= 0.55
        assert fetch(base + "/fast")[2] == b"ok"
        outcome: list[object] = []

        def wait_for_slow() -> None:
            try:
                outcome.append(fetch(base + "/slow", timeout=5)[2])
            except (OSError, http.client.HTTPException) as exc:
                outcome.append(exc)

        pending = threading.Thread(target=wait_for_slow)
        pending.start()
        time.sleep(0.1)
    finally:
        started = time.perf_counter()
        web.stop()
    assert time.perf_counter() - started < 0.5  # the sleeping request is released, not awaited
    pending.join()
    assert len(outcome) == 1 and isinstance(outcome[0], Exception)  # ... and gets no answer


def test_redirect_loop(web):
    base = web.base_url(BAD_SITE)
    status, headers, _ = fetch(base + "/loop/a")
    assert status == 302 and headers["location"] == base + "/loop/b"
    status, headers, _ = fetch(base + "/loop/b")
    assert status == 301 and headers["location"] == base + "/loop/a"


@pytest.mark.parametrize(("path", "charset", "lang"), [("/articles/arabe-1256.html", "windows-1256", "ar"),
                                                      ("/articles/latin1.html", "iso-8859-1", "fr")])
def test_charsets_are_declared_right_and_text_decodes(web, sites, path, charset, lang):
    bad = by_name(sites, BAD_SITE)
    truth = next(a for a in bad.articles if a.path == path)
    status, headers, body = fetch(web.base_url(BAD_SITE) + path)
    assert status == 200 and headers["content-type"] == f"text/html; charset={charset}"
    assert f'content="text/html; charset={charset}"'.encode() in body  # the page says so too
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = unescape(body.decode(charset))
    assert truth.lede in text and truth.last_paragraph in text and truth.title in text
    assert truth.language == lang


def test_binary_huge_endless_and_empty_bodies(web):
    base = web.base_url(BAD_SITE)
    status, headers, body = fetch(base + "/articles/binary.html")
    assert headers["content-type"] == "text/html" and body.startswith(b"\x89PNG")
    status, headers, _ = fetch(base + "/articles/huge.html", method="HEAD")
    assert status == 200 and int(headers["content-length"]) == 12 * 1024 * 1024  # over the 8 MB default cap
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("GET", "/articles/endless.html")
    resp = conn.getresponse()
    assert resp.getheader("Content-Length") is None and resp.getheader("Connection") == "close"
    got = 0
    while got < 3 * 1024 * 1024:  # keeps coming until we hang up
        got += len(resp.read1(65536))
    conn.close()
    status, headers, body = fetch(base + "/articles/empty-body.html")
    assert status == 200 and body == b"" and headers["content-length"] == "0"


def test_bad_site_links_every_case_from_its_feed_and_sitemap(web, sites):
    bad = by_name(sites, BAD_SITE)
    base = web.base_url(BAD_SITE)
    feed = etree.fromstring(fetch(base + "/feed.xml")[2])
    in_feed = {urlsplit(link).path for link in feed.xpath("//item/link/text()")}
    sitemap = etree.fromstring(fetch(base + "/sitemap.xml")[2])
    in_sitemap = {urlsplit(loc).path for loc in sitemap.xpath("//sm:loc/text()", namespaces=SITEMAP_NS)}
    cases = {p for p in bad.cases if p != "/feed-broken.xml"}
    assert cases <= in_feed and cases <= in_sitemap
    assert {a.path for a in bad.articles} <= cases
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(fetch(base + "/feed-broken.xml")[2])
    home = fetch(base + "/")[2].decode()
    assert f'href="{base}/feed.xml"' in home and f'href="{base}/feed-broken.xml"' in home
    assert "Sitemap: " + base + "/sitemap.xml" in fetch(base + "/robots.txt")[2].decode()
    hostile = next(a for a in bad.articles if a.path == "/articles/hostile.html")
    page = fetch(base + hostile.path)[2].decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page  # shown as text, escaped in HTML
    assert "<script>alert('xss')</script>" in hostile.lede  # ... and the truth is the raw text


def test_bad_site_truncated_page_is_cut_and_the_rest_is_whole(sites):
    bad = by_name(sites, BAD_SITE)
    truncated = bad.resources["/articles/truncated.html"].body.decode()
    truth = next(a for a in bad.articles if a.path == "/articles/truncated.html")
    assert truth.lede in unescape(truncated) and "</html>" not in truncated and not balanced(truncated)
    for path in ("/articles/ok-fr.html", "/articles/ok-ar.html", "/articles/video.html", "/articles/soft-404.html"):
        assert balanced(bad.resources[path].body.decode()), path


# ------------------------------------------------------------------ generated outlets


@pytest.fixture(scope="module")
def shaped() -> dict[str, Site]:
    langs = {"wordpress": "fr", "aggregator": "fr", "portal": "ar", "readmore": "fr", "clean": "es"}
    return {shape: build_outlet_site(f"Test {shape}", shape=shape, language=langs[shape], n_articles=40, today=TODAY,
                                     seed=3) for shape in SHAPES}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_html_page_is_well_formed(shaped, shape):
    site = shaped[shape]
    html_paths = [p for p, r in site.resources.items() if r.headers.get("Content-Type", "").startswith("text/html")]
    assert len(html_paths) > 40
    for path in html_paths:
        assert balanced(site.resources[path].body.decode()), path
    assert balanced(site.not_found.body.decode())


@pytest.mark.parametrize("shape", SHAPES)
def test_every_xml_resource_parses(shaped, shape):
    site = shaped[shape]
    xml = [p for p, r in site.resources.items() if "xml" in r.headers.get("Content-Type", "")]
    assert len(xml) >= 4  # feed, sitemap index, news sitemap, pages sitemap
    for path in xml:
        etree.fromstring(site.resources[path].body)


@pytest.mark.parametrize("shape", SHAPES)
def test_articles_carry_their_truth_and_their_shape_noise(shaped, shape):
    site = shaped[shape]
    assert site.noise
    for truth in site.articles:
        html = site.resources[truth.path].body.decode()
        text = unescape(html)
        assert truth.lede in text and truth.last_paragraph in text and truth.title in text
        visible = unescape(re.sub(r"<[^>]+>", "", html))
        for marker in site.noise:
            assert marker in visible, (truth.path, marker)
        assert '<link rel="canonical" href="{BASE}' + truth.path + '">' in html
        ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html)
        if truth.date_source == "jsonld":
            data = json.loads(ld.group(1))
            assert data["@type"] == "NewsArticle"
            assert datetime.fromisoformat(data["datePublished"]) == truth.published
            assert f'content="{truth.published.isoformat()}"' in html
        else:
            assert ld is None and "article:published_time" not in html
            assert ('datetime="' + truth.published.isoformat() in html) == (truth.date_source == "time")


def test_visible_dates_are_written_as_outlets_write_them(shaped):
    wp = shaped["wordpress"]
    visible = [a for a in wp.articles if a.date_source == "visible"]
    assert visible
    for a in visible:
        p = a.published
        expected = f"Publié le {p.day} {MONTHS['fr'][p.month - 1]} {p.year} à {p.hour}h{p.minute:02d}"
        assert expected in wp.resources[a.path].body.decode()
    portal = shaped["portal"]
    for a in portal.articles:
        assert MONTHS["ar"][a.published.month - 1] in portal.resources[a.path].body.decode()
    aggregator = shaped["aggregator"]
    for a in aggregator.articles:
        p = a.published
        assert f"{p.day:02d} - {p.month:02d} - {p.year}" in aggregator.resources[a.path].body.decode()
        assert a.date_precision == ("day" if a.date_source == "visible" else "minute")


def test_articles_vary_realistically(shaped):
    arts = [a for s in shaped.values() for a in s.articles]
    sizes = [len(s.resources[a.path].body) for s in shaped.values() for a in s.articles]
    assert 40_000 <= min(sizes) and max(sizes) <= 160_000 and max(sizes) - min(sizes) > 50_000
    words = [a.words for a in arts]
    assert 300 <= min(words) and max(words) <= 1800 and max(words) - min(words) > 500
    topics = {a.topic for a in arts}
    assert {"coop", "near"} <= topics and len(topics) >= 5
    assert 0.1 <= sum(a.topic == "coop" for a in arts) / len(arts) <= 0.35
    end = datetime.combine(TODAY, datetime.min.time(), tzinfo=ZoneInfo("Africa/Casablanca")) + timedelta(hours=6)
    recent = [a for a in arts if a.published >= end - timedelta(days=10)]
    assert all(a.published < end for a in arts)  # nothing from the future
    assert 0.7 <= len(recent) / len(arts) < 1  # mostly the last 10 days, some older
    assert {a.date_source for a in arts} == {"jsonld", "time", "visible"}
    assert any(a.tracked_path and "utm_source=" in a.tracked_path for a in arts)
    paths = [a.path for a in arts]
    assert len(paths) == len(set(paths))


@pytest.mark.parametrize("shape", SHAPES)
def test_discovery_inputs_lead_to_every_article(shaped, shape):
    site = shaped[shape]
    home = site.resources["/"].body.decode()
    feed_path = site.outlets[0].feeds[0]
    kind = "atom" if shape in ("portal", "clean") else "rss"
    assert f'<link rel="alternate" type="application/{kind}+xml"' in home and "{BASE}" + feed_path.replace("&", "&amp;") in home
    robots = site.resources["/robots.txt"].body.decode()
    assert "Disallow: /private/" in robots
    index_path = re.search(r"Sitemap: \{BASE\}(\S+)", robots).group(1)
    index = etree.fromstring(site.resources[index_path].body)
    found: dict[str, str] = {}
    for loc in index.xpath("//sm:loc/text()", namespaces=SITEMAP_NS):
        doc = etree.fromstring(site.resources[loc.removeprefix("{BASE}")].body)
        for url in doc.xpath("//sm:url[news:news]", namespaces=SITEMAP_NS):
            path = url.findtext("sm:loc", namespaces=SITEMAP_NS).removeprefix("{BASE}")
            found[path] = url.findtext("news:news/news:publication_date", namespaces=SITEMAP_NS)
    assert found == {a.path: a.published.isoformat() for a in site.articles}
    feed = site.resources[feed_path].body.decode()
    for a in site.articles:
        if a.tracked_path and a.tracked_path.replace("&", "&amp;") in feed:
            break
    else:
        pytest.fail("no feed item carries a utm-tagged link")
    # non-article pages are linked from every article (sections, tags, authors, about, contact, login,
    # search) and so is the robots-disallowed /private/
    article_html = site.resources[site.articles[0].path].body.decode().replace("&amp;", "&")
    assert site.disallowed[0] in article_html
    linked = [p for p in site.non_articles if f'href="{p}"' in article_html]
    assert len(linked) >= 12, linked


def test_listing_pages_paginate_to_every_article():
    site = build_outlet_site("Pager", shape="wordpress", language="fr", n_articles=120, today=TODAY)
    seen: set[str] = set()
    for spec_section in site.outlets[0].sections:
        page_path = spec_section
        pages = {page_path}
        html = site.resources[page_path].body.decode()
        pages |= set(re.findall(r'href="(/category/[^"]+/page/\d+/)"', html))
        for p in pages:
            seen |= set(re.findall(r'<h3><a href="([^"]+)"', site.resources[p].body.decode()))
    assert {a.path for a in site.articles} <= seen


def test_generation_is_deterministic_for_a_seed():
    one = build_outlet_site("Same", shape="readmore", language="fr", n_articles=30, today=TODAY, seed=7)
    two = build_outlet_site("Same", shape="readmore", language="fr", n_articles=30, today=TODAY, seed=7)
    other = build_outlet_site("Same", shape="readmore", language="fr", n_articles=30, today=TODAY, seed=8)
    assert {p: r.body for p, r in one.resources.items()} == {p: r.body for p, r in two.resources.items()}
    assert one.articles == two.articles
    assert [a.title for a in one.articles] != [a.title for a in other.articles]
    script = ("from datetime import date; from localweb import build_outlet_site as b; import hashlib;"
              "s=b('Same', shape='readmore', language='fr', n_articles=30, today=date(2026,11,23), seed=7);"
              "print(hashlib.sha256(b''.join(s.resources[p].body for p in sorted(s.resources))).hexdigest())")
    digest = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    import hashlib
    assert digest == hashlib.sha256(b"".join(one.resources[p].body for p in sorted(one.resources))).hexdigest()


def test_two_thousand_articles_generate_in_a_few_seconds():
    started = time.process_time()  # CPU time: the suite shares two cores with other processes
    built = [build_outlet_site(f"Bench {shape}", shape=shape, language=lang, n_articles=400, today=TODAY)
             for shape, lang in zip(SHAPES, ("fr", "fr", "ar", "fr", "en"), strict=True)]
    elapsed = time.process_time() - started
    assert sum(len(s.articles) for s in built) == 2000
    assert elapsed < 5, f"2,000 articles took {elapsed:.1f}s of CPU"


@pytest.mark.parametrize(("kwargs", "message"), [({"shape": "blog"}, "unknown shape"), ({"language": "de"}, "unknown language"),
                                                 ({"path_prefix": "fr"}, "path_prefix")])
def test_bad_arguments_are_refused(kwargs, message):
    args = {"shape": "clean", "language": "fr", "n_articles": 2, "today": TODAY, **kwargs}
    with pytest.raises(ValueError, match=message):
        build_outlet_site("X", **args)


# ------------------------------------------------------------------ sample web, editions, sources


def test_sample_web_spans_shapes_languages_and_a_shared_host(sites):
    outlets = [spec for s in sites for spec in s.outlets]
    assert len(outlets) >= 6
    assert {lang for spec in outlets for lang in spec.languages} == {"fr", "ar", "en", "es"}
    assert {spec.country for spec in outlets} == {"MA", "FR"}
    assert BAD_SITE in {s.name for s in sites}
    shared = by_name(sites, "Radio Monde")
    assert [spec.path_prefix for spec in shared.outlets] == ["/fr/", "/ar/", "/es/"]
    for spec in shared.outlets:
        mine = [a for a in shared.articles if a.outlet == spec.name]
        assert mine and all(a.path.startswith(spec.path_prefix) for a in mine)


def test_shared_host_has_one_robots_and_a_root_redirect(web, sites):
    base = web.base_url("Radio Monde")
    robots = fetch(base + "/robots.txt")[2].decode()
    for prefix in ("/fr/", "/ar/", "/es/"):
        assert f"Sitemap: {base}{prefix}sitemap_index.xml" in robots and f"Disallow: {prefix}private/" in robots
    status, headers, _ = fetch(base + "/")
    assert status == 302 and headers["location"] == base + "/fr/"
    a = build_outlet_site("A", shape="clean", language="fr", n_articles=2, today=TODAY, path_prefix="/x/")
    b = build_outlet_site("B", shape="clean", language="fr", n_articles=2, today=TODAY, path_prefix="/x/")
    with pytest.raises(ValueError, match="path_prefix"):
        merge_sites("AB", [a, b])


def test_sources_for_validates_and_leaves_discovery_to_the_spider(web, sites):
    data = sources_for(web, sites)
    outlets = parse_sources(data)
    assert len(outlets) == sum(len(s.outlets) for s in sites)
    assert all(not o.feeds and not o.sitemaps and not o.sections for o in outlets)
    fr_edition = next(o for o in outlets if o.name == "Radio Monde (fr)")
    assert fr_edition.path_prefix == "/fr/" and fr_edition.country == "FR"
    for o in outlets:  # every homepage answers
        assert fetch(o.homepage)[0] == 200, o.name


def test_sources_for_with_feeds_lists_served_feeds_and_sitemaps(web, sites):
    outlets = parse_sources(sources_for(web, sites, with_feeds=True, with_sections=True))
    for o in outlets:
        assert o.feeds and o.sitemaps
        for url in o.feeds + o.sitemaps + o.sections:
            assert fetch(url)[0] == 200, url


def test_command_serves_until_interrupted_and_writes_sources(tmp_path):
    out = tmp_path / "local-sources.yaml"
    proc = subprocess.Popen([sys.executable, "-m", "localweb", "--articles", "3", "--sources-out", str(out),
                             "--port-base", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=PROJECT_ROOT)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("sources written") or not line:
                break
        assert any("Radio Monde (ar)" in line and "/ar/" in line for line in lines), lines
        data = yaml.safe_load(out.read_text(encoding="utf-8"))
        homepage = parse_sources(data)[0].homepage
        assert fetch(homepage)[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0, stderr
    assert "stopped after" in stdout


def test_bad_site_builder_is_usable_alone():
    bad = build_bad_site("Cassé", TODAY, slow_delay=3.0, huge_bytes=9 * 1024 * 1024)
    assert bad.resources["/articles/slow.html"].delay == 3.0
    assert len(bad.resources["/articles/huge.html"].body) == 9 * 1024 * 1024
    assert {"/articles/missing.html", "/loop/a", "/articles/binary.html", "/articles/video.html"} <= set(bad.cases)


def test_every_language_of_the_vocabulary_file_is_complete() -> None:
    """lexicon.json is data: each language has every topic, label and section the pages use,
    twelve months and seven weekdays, and a pool for every slot its templates name."""
    import string

    from localweb import lexicon

    for lang in lexicon.LANGUAGES:
        for table in (lexicon.TITLES, lexicon.SENTENCES, lexicon.LABELS, lexicon.SECTIONS, lexicon.POOLS):
            assert set(table[lang]) == set(table["fr"]), lang
        assert set(lexicon.TITLES[lang]) == set(lexicon.TOPIC_SECTION)
        assert (len(lexicon.MONTHS[lang]), len(lexicon.WEEKDAYS[lang])) == (12, 7)
        templates = [t for group in (lexicon.TITLES, lexicon.SENTENCES) for ts in group[lang].values() for t in ts]
        slots = {name for t in templates for _, name, _, _ in string.Formatter().parse(t) if name}
        assert slots - set(lexicon.POOLS[lang]) <= {"city2", "weekday"}, lang  # filled by _Slots itself
