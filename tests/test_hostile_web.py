"""The crawler reads a hostile web (issue 11, items 1-4 and 9; issue 16's boundary rules).

A local web on loopback addresses: an outlet on 127.0.0.1 whose feed, sitemaps, sections
and redirects try to steer the crawler to an "internal host" on 127.0.0.2 (by redirects,
backslashes, userinfo, numeric IPv4 forms, robots.txt ``Sitemap:`` lines, a name that
resolves to loopback), serves a 1 GiB-inflating gzip bomb three ways and a sitemap index
that never ends, and has one page claim another article's URL as its canonical; beside it,
a host with editions (a broad outlet at ``/`` whose feed reaches its narrower ``/fr/``
edition's articles first, a "sub-domain" on 127.0.0.3 nobody lists, and a listed extra
host on 127.0.0.4).

One real ``newswatch crawl`` of it must make no request to the internal host, store
nothing from it, still store the outlet's ordinary articles, end by itself, and keep the
whole process tree (crawler plus extraction processes) under 500 MB: its resident set is
the sum of VmRSS over the crawl process and every descendant, read from /proc every 20 ms.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
import time
import zlib
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from crawl_helpers import PROJECT_ROOT, crawl_env, errors, stored
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from twisted.python.failure import Failure

from common.article import ExtractedArticle
from common.outlets import Outlet
from crawler.discovery import inflate, robots_sitemap_allowed
from crawler.middlewares import RefusedRequest
from crawler.netguard import PrivateAllowList, may_connect, refused_reason
from crawler.spiders.news import error_kind
from localweb import LocalWeb, Resource, Site, build_outlet_site, merge_sites
from localweb.model import BASE
from storage.articles import ensure_outlet, store_article
from storage.db import dispose_engines, get_engine, session_factory, upgrade
from storage.models import Article

GIB = 1 << 30
RSS_LIMIT = 500 * 1024 * 1024
INTERNAL_SECRET = "INTERNAL-ADMIN-PANEL-7f3a"


# ------------------------------------------------------------------------------ gzip bombs
def zeros_gzip(size: int) -> bytes:
    """A gzip file that inflates to ``size`` zero bytes (1 GiB -> about 1 MB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [packer.compress(chunk) for _ in range(size // len(chunk))]
    parts.append(packer.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zeros_gzip(GIB)


def test_inflate_caps_every_layer(bomb: bytes) -> None:
    assert len(bomb) < 2 * 1024 * 1024
    with pytest.raises(_DecompressionMaxSizeExceeded):
        inflate(bomb, 4 * 1024 * 1024)
    double = gzip.compress(bomb)  # issue 11 case 3: a few KB, gzipped again (the outer layer behind Content-Encoding)
    assert len(double) < 20_000
    with pytest.raises(_DecompressionMaxSizeExceeded):
        inflate(double, 4 * 1024 * 1024)
    xml = b"<urlset/>"
    assert inflate(gzip.compress(gzip.compress(xml)), 1024) == xml
    assert inflate(xml, 1024) == xml
    with pytest.raises(ValueError, match="layers"):
        inflate(gzip.compress(gzip.compress(gzip.compress(gzip.compress(xml)))), 1024)
    with pytest.raises(ValueError, match="bad gzip"):
        inflate(b"\x1f\x8b" + b"garbage", 1024)


def test_scrapy_caps_the_decoded_size_of_content_encoding(bomb: bytes) -> None:
    """Scrapy >= 2.11.1 applies DOWNLOAD_MAXSIZE to the decoded body, nested encodings included:
    a response behind ``Content-Encoding: gzip`` (or ``gzip, gzip``) is dropped, not inflated."""
    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import Request, Response
    from scrapy.utils.test import get_crawler

    middleware = HttpCompressionMiddleware.from_crawler(get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 4 << 20}))
    for body, encoding in ((bomb, "gzip"), (gzip.compress(bomb), "gzip, gzip")):
        response = Response("http://a.ma/x", body=body, headers={"Content-Encoding": encoding})
        with pytest.raises(IgnoreRequest, match="DOWNLOAD_MAXSIZE"):
            middleware.process_response(Request("http://a.ma/x"), response)
    small = Response("http://a.ma/x", body=gzip.compress(b"<p>ok</p>"), headers={"Content-Encoding": "gzip"})
    assert middleware.process_response(Request("http://a.ma/x"), small).body == b"<p>ok</p>"


# ------------------------------------------------------------------- private-address policy
@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.2", "loopback"), ("::1", "loopback"), ("10.0.0.5", "private"), ("192.168.1.1", "private"),
        ("172.16.0.1", "private"), ("169.254.169.254", "metadata"), ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"), ("fd00::1", "private"), ("fd00:ec2::254", "metadata"),
        ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.1.2.3", "private"), ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "private"), ("224.0.0.1", "multicast"), ("2002:7f00:1::", "loopback"),
        ("8.8.8.8", None), ("2a00:1450:4007::1", None), ("93.184.216.34", None),
    ],
)
def test_refused_addresses(address: str, reason: str | None) -> None:
    assert refused_reason(address) == reason


def test_configured_address_and_operator_allow_list() -> None:
    none = PrivateAllowList.parse("")
    # the outlet's own configured host is such an address: the operator chose it
    assert may_connect("127.0.0.1", "127.0.0.1", {"127.0.0.1"}, none) is None
    assert may_connect("127.0.0.2", "127.0.0.2", {"127.0.0.1"}, none) == "loopback"
    # a configured *name* that resolves inward is not enough (an outlet's DNS is hostile)
    assert may_connect("www.evil.ma", "169.254.169.254", {"www.evil.ma"}, none) == "metadata"
    allow = PrivateAllowList.parse("intranet.local, 10.20.0.0/16 ,[fd00::1]")
    assert may_connect("intranet.local", "10.9.9.9", set(), allow) is None
    assert may_connect("other.local", "10.20.3.4", set(), allow) is None
    assert may_connect("other.local", "fd00::1", set(), allow) is None
    assert may_connect("other.local", "10.21.3.4", set(), allow) == "private"
    assert may_connect("x", "127.0.0.9", set(), PrivateAllowList.parse("*")) is None
    assert may_connect("www.le360.ma", "93.184.216.34", set(), none) is None


def test_refusals_are_recorded_under_their_own_kind() -> None:
    failure = Failure(RefusedRequest("redirect off the outlet's hosts: a -> b", kind="offsite_redirect"))
    assert error_kind(failure) == ("offsite_redirect", "redirect off the outlet's hosts: a -> b")
    assert error_kind(Failure(RefusedRequest("x", kind="private_address")))[0] == "private_address"


def test_robots_sitemap_lines_only_on_the_outlets_hosts() -> None:
    o = Outlet(name="Le360", homepage="https://www.le360.ma/fr/", country="MA", languages=["fr"])
    assert robots_sitemap_allowed("https://www.le360.ma/sitemap.xml", o)
    assert robots_sitemap_allowed("https://www.le360.ma/fr/news-sitemap.xml", o)
    assert not robots_sitemap_allowed("https://www.le360.ma/ar/news-sitemap.xml", o)
    assert not robots_sitemap_allowed("http://169.254.169.254/latest/meta-data/", o)
    assert not robots_sitemap_allowed("https://cdn.le360.ma/sitemap.xml", o)
    assert not robots_sitemap_allowed("http://10.0.0.5:8080\\@www.le360.ma/sitemap.xml", o)


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def test_sitemap_depth_and_cap() -> None:
    from types import SimpleNamespace

    from crawler.spiders.news import MAX_SITEMAP_DEPTH, NewsSpider

    spider = NewsSpider()
    spider.crawler = SimpleNamespace(stats=_Stats())  # type: ignore[assignment]
    spider.max_pages = 5
    o = Outlet(name="Le360", homepage="https://www.le360.ma/", country="MA", languages=["fr"])
    assert MAX_SITEMAP_DEPTH == 3
    assert spider._sitemap_request("https://www.le360.ma/s.xml?d=4", o, depth=4) is None
    requests = [spider._sitemap_request(f"https://www.le360.ma/s.xml?n={n}", o, depth=3) for n in range(7)]
    assert sum(r is not None for r in requests) == 5  # the outlet's page cap counts sitemaps
    assert requests[0].meta["sitemap_depth"] == 3
    assert spider.crawler.stats.values == {"newswatch/skipped_sitemap_depth": 1, "newswatch/skipped_outlet_cap": 2}


# ------------------------------------------------------------------ canonical claims (case 9)
def _text(word: str) -> ExtractedArticle:
    return ExtractedArticle(url="", text=f"{word} " * 80, title=word, language="fr")


def test_a_canonical_claim_never_keeps_the_claimed_article_out(database_url: str) -> None:
    session = session_factory(get_engine(database_url))()
    outlet_id = ensure_outlet(session, "Le360")
    victim, claimer = "https://a.ma/victime-1234", "https://a.ma/imposteur-5678"
    # the claimer is stored first, under the URL it claims (its declared canonical)
    first = store_article(session, _text("imposteur"), url=victim, outlet_id=outlet_id, html=b"<p>",
                          fetched_url=claimer)
    assert first.status == "stored"
    # the victim's own page: judged on its content, stored under its URL; the claimer gets its own back
    real = store_article(session, _text("victime"), url=victim, outlet_id=outlet_id, html=b"<p>", fetched_url=victim)
    assert real.status == "stored"
    urls = {a.url: a.title for a in session.query(Article)}
    assert urls == {victim: "victime", claimer: "imposteur"}
    # the other order: the victim first, then a claim on its URL keeps the claimer at its own address
    other, fake = "https://a.ma/autre-4321", "https://a.ma/faux-8765"
    assert store_article(session, _text("autre"), url=other, outlet_id=outlet_id, html=b"<p>",
                         fetched_url=other).status == "stored"
    assert store_article(session, _text("faux"), url=other, outlet_id=outlet_id, html=b"<p>",
                         fetched_url=fake).status == "stored"
    assert {a.url: a.title for a in session.query(Article)}[fake] == "faux"
    # the same text under its declared canonical stays one article (a legitimate canonical)
    assert store_article(session, _text("autre"), url=other, outlet_id=outlet_id, html=b"<p>",
                         fetched_url=other + "?amp=1").status == "duplicate_url"
    session.close()


# ------------------------------------------------------------------------ the hostile web
def _rss(items: list[tuple[str, str]]) -> bytes:
    now = format_datetime(datetime.now(UTC) - timedelta(hours=1))
    body = "".join(f"<item><title>{title}</title><link><![CDATA[{link}]]></link><pubDate>{now}</pubDate></item>"
                   for title, link in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>').encode()


def _urlset(locs: list[str]) -> bytes:
    body = "".join(f"<url><loc><![CDATA[{loc}]]></loc></url>" for loc in locs)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'.encode()


def _endless_index(fan_out: int, answers: int) -> Resource:
    """A sitemap index that links ``fan_out`` fresh child indexes on every fetch (all served by itself)."""
    def index(n: int) -> Resource:
        locs = "".join(f"<sitemap><loc>{BASE}/endless.xml?n={n}-{k}</loc></sitemap>" for k in range(fan_out))
        body = f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</sitemapindex>'
        return Resource(body=body.encode(), headers={"Content-Type": "application/xml"})
    return Resource(responses=[index(n) for n in range(answers)])


XML = {"Content-Type": "application/xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


def hostile_site(today: date, internal: str, bomb: bytes) -> Site:
    """The hostile outlet; ``internal`` is the internal host's base URL (http://127.0.0.2:PORT)."""
    site = build_outlet_site("Hostile", shape="clean", language="fr", n_articles=6, today=today, seed=11)
    internal_host = urlsplit(internal).netloc
    internal_port = urlsplit(internal).port
    decimal = f"http://{2130706434}:{internal_port}"  # 127.0.0.2 written as one number
    res = site.resources
    victim, claimer = site.articles[0], site.articles[1]
    # case 9: the claimer's page names the victim's URL as its canonical (and og:url)
    res[claimer.path] = Resource(body=res[claimer.path].body.replace(claimer.path.encode(), victim.path.encode()),
                                 headers=res[claimer.path].headers)
    port = "{PORT}"  # filled in below, once served
    steer = [  # case 2: URLs that a urlsplit-based check reads as the outlet's, and forms of the internal host
        f"{internal}\\@127.0.0.1:{port}/articles/backslash-internal-10001.html",  # the issue's own example
        f"http://{internal_host}\\.127.0.0.1:{port}/articles/backslash-internal-10002.html",
        f"http://127.0.0.1:{port}@{internal_host}/articles/userinfo-internal-10003.html",
        f"{decimal}/articles/decimal-internal-10004.html",
        f"http://0177.0.0.2:{internal_port}/articles/octal-internal-10005.html",
        f"http://[::ffff:127.0.0.2]:{internal_port}/articles/mapped-internal-10006.html",
        f"http://127.0.0.2.:{internal_port}/articles/trailing-dot-internal-10007.html",
        f"http://127.0.0.1\t:{port}\n@{internal_host}/articles/tab-internal-10008.html",
    ]
    res["/articles/redirect-internal-20001.html"] = Resource(status=302, headers={"Location": f"{internal}/admin"})
    res["/articles/redirect-decimal-20002.html"] = Resource(status=301, headers={"Location": f"{decimal}/admin"})
    res["/articles/redirect-backslash-20003.html"] = Resource(
        status=302, headers={"Location": f"http://{internal_host}\\@127.0.0.1:{port}/admin"})
    res["/articles/meta-refresh-internal-20005.html"] = Resource(
        body=f'<html><head><meta http-equiv="refresh" content="0; url={internal}/admin"></head><body></body></html>'
        .encode(), headers=HTML)
    # a host the outlet lists (localhost) that resolves to loopback: refused by the private-address guard
    res["/articles/redirect-named-loopback-20004.html"] = Resource(
        status=302, headers={"Location": f"http://localhost:{port}{site.articles[2].path}"})
    res["/articles/bomb-encoded-30001.html"] = Resource(body=bomb, substitute=False,
                                                        headers={**HTML, "Content-Encoding": "gzip"})
    feed_items = [(f"steer {i}", url) for i, url in enumerate(steer)]
    feed_items += [(p, BASE + p) for p in ("/articles/redirect-internal-20001.html",
                                           "/articles/redirect-decimal-20002.html",
                                           "/articles/redirect-backslash-20003.html",
                                           "/articles/meta-refresh-internal-20005.html",
                                           "/articles/redirect-named-loopback-20004.html",
                                           "/articles/bomb-encoded-30001.html")]
    feed_items += [(a.title, BASE + a.path) for a in site.articles]
    res["/hostile-feed.xml"] = Resource(body=_rss(feed_items), headers=XML)
    links = "".join(f'<a href="{u}">lien</a>\n' for u in steer)
    res["/hostile-section.html"] = Resource(body=f"<html><body>{links}</body></html>".encode(), headers=HTML)
    res["/hostile-sitemap.xml"] = Resource(body=_urlset(steer), headers=XML)
    res["/bomb.xml.gz"] = Resource(body=bomb, substitute=False, headers={"Content-Type": "application/x-gzip"})
    res["/bomb-encoded.xml"] = Resource(body=gzip.compress(bomb), substitute=False,
                                        headers={"Content-Type": "application/xml", "Content-Encoding": "gzip"})
    res["/endless.xml"] = _endless_index(fan_out=5, answers=2000)
    robots = res["/robots.txt"].body.decode()
    robots += "".join(f"Sitemap: {u}\n" for u in (
        f"{BASE}/hostile-sitemap.xml", f"{BASE}/bomb.xml.gz", f"{BASE}/bomb-encoded.xml", f"{BASE}/endless.xml",
        f"{internal}/sitemap.xml", f"{decimal}/sitemap.xml", f"{internal}\\@127.0.0.1:{port}/sitemap.xml"))
    res["/robots.txt"] = Resource(body=robots.encode(), headers={"Content-Type": "text/plain"})
    return site


def fill_port(site: Site, port: int) -> None:
    """Write the served port where the generated pages say {PORT} (bodies and headers)."""
    for resource in [*site.resources.values(), *(r for res in site.resources.values() for r in res.responses)]:
        if resource.substitute:
            resource.body = resource.body.replace(b"{PORT}", str(port).encode())
        resource.headers = {k: v.replace("{PORT}", str(port)) for k, v in resource.headers.items()}


def internal_site() -> Site:
    page = (f"<html><head><title>Admin</title></head><body><article><h1>Admin</h1>"
            f"<p>{INTERNAL_SECRET} " + "secret configuration value " * 60 + "</p></article></body></html>").encode()
    return Site(name="Internal", resources={}, not_found=Resource(body=page, headers=HTML))


def edition_sites(today: date) -> tuple[Site, Site, Site]:
    """A host with a broad outlet at / and its /fr/ edition; a 'sub-domain' host; a listed extra host."""
    broad = build_outlet_site("Barla", shape="portal", language="ar", n_articles=3, today=today, seed=21)
    narrow = build_outlet_site("Barla FR", shape="clean", language="fr", n_articles=3, today=today, seed=22,
                               path_prefix="/fr/")
    host = merge_sites("Barla host", [broad, narrow])
    host.resources["/fr/empty-feed.xml"] = Resource(body=_rss([]), headers=XML)
    host.resources["/fr/empty-sitemap.xml"] = Resource(body=_urlset([]), headers=XML)
    subdomain = build_outlet_site("Barla ES", shape="clean", language="es", n_articles=2, today=today, seed=23)
    mobile = build_outlet_site("Barla m", shape="clean", language="ar", n_articles=2, today=today, seed=24)
    return host, subdomain, mobile


def _tree_memory(root: int) -> dict[int, tuple[int, int]]:
    """(RSS, PSS) bytes of ``root`` and each of its descendants (the extraction processes), from /proc.

    PSS (proportional set size) counts a page shared by N processes as 1/N in each: the
    forkserver's workers share their imported code, so PSS adds up to the tree's real use
    where RSS counts shared pages once per process."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found: dict[int, tuple[int, int]] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f if line.endswith("kB\n")}
        except (OSError, ValueError, IndexError):
            continue
        found[pid] = (fields.get("Rss", 0), fields.get("Pss", 0))
    return found


def run_measured(args: list[str], env: dict[str, str], timeout: float
                 ) -> tuple[subprocess.CompletedProcess[str], dict[str, int]]:
    """Run a newswatch command; return its result and the process tree's peak memory: the
    peak of the summed PSS and of the summed RSS over all its processes, and the largest
    single process's RSS."""
    proc = subprocess.Popen([sys.executable, "-m", "newswatch.cli", *args], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"pss": 0, "rss": 0, "largest_rss": 0, "processes": 0}
    each: dict[int, int] = {}
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            tree = _tree_memory(proc.pid)
            peak["rss"] = max(peak["rss"], sum(r for r, _ in tree.values()))
            peak["pss"] = max(peak["pss"], sum(p for _, p in tree.values()))
            peak["largest_rss"] = max([peak["largest_rss"], *(r for r, _ in tree.values())])
            peak["processes"] = max(peak["processes"], len(tree))
            for pid, (_rss, pss) in tree.items():
                each[pid] = max(each.get(pid, 0), pss)
            time.sleep(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        done.set()
        poller.join()
        if proc.poll() is None:
            proc.kill()
    peak["each_pss"] = sorted(each.values(), reverse=True)  # type: ignore[assignment]
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), peak


def crawl_hostile_web(tmp: Path, bomb: bytes, **env_extra: str) -> dict[str, Any]:
    """Serve the hostile web with ``bomb`` as its gzip bomb, crawl it once, return what happened."""
    url = f"sqlite:///{tmp / 'nw.db'}"
    upgrade(url)
    today = date.today()
    internal_web = LocalWeb([internal_site()], host="127.0.0.2").start()
    sub_web = None
    try:
        internal = internal_web.base_url("Internal")
        site = hostile_site(today, internal, bomb)
        barla, subdomain, mobile = edition_sites(today)
        web = LocalWeb([site, barla]).start()
        sub_web = LocalWeb([subdomain], host="127.0.0.3").start()
        mobile_web = LocalWeb([mobile], host="127.0.0.4").start()
        base = web.base_url("Hostile")
        port = int(urlsplit(base).port or 0)
        fill_port(site, port)
        barla_base, mobile_base = web.base_url("Barla host"), mobile_web.base_url("Barla m")
        # the broad outlet's feed reaches its edition's articles, a 'sub-domain' and a listed host first
        reach = [*barla.articles, *subdomain.articles, *mobile.articles]
        bases = {**{a.path: barla_base for a in barla.articles}, **{a.path: sub_web.base_url("Barla ES")
                                                                    for a in subdomain.articles},
                 **{a.path: mobile_base for a in mobile.articles}}
        barla.resources["/reach-feed.xml"] = Resource(
            body=_rss([(a.title, bases[a.path] + a.path) for a in reach]), headers=XML, substitute=False)
        sources = {"outlets": [
            {"name": "Hostile", "homepage": base + "/", "country": "MA", "languages": ["fr"],
             "hosts": [f"localhost:{port}"],
             "feeds": [base + "/hostile-feed.xml"], "sections": [base + "/hostile-section.html"]},
            {"name": "Barla", "homepage": barla_base + "/", "country": "MA", "languages": ["ar"],
             "hosts": [urlsplit(mobile_base).netloc],
             "feeds": [barla_base + "/reach-feed.xml"], "sitemaps": [barla_base + "/fr/empty-sitemap.xml"]},
            {"name": "Barla FR", "homepage": barla_base + "/fr/", "country": "MA", "languages": ["fr"],
             "feeds": [barla_base + "/fr/empty-feed.xml"], "sitemaps": [barla_base + "/fr/empty-sitemap.xml"]},
        ]}
        sources_file = tmp / "sources.yaml"
        sources_file.write_text(yaml.safe_dump(sources, allow_unicode=True, sort_keys=False), encoding="utf-8")
        # nothing here relies on a timeout: a generous one keeps a loaded machine from causing retries
        env = crawl_env(tmp / "data", url, NEWSWATCH_MAX_PAGES_PER_OUTLET="60", NEWSWATCH_DOWNLOAD_TIMEOUT="10",
                        NEWSWATCH_MAX_RESPONSE_BYTES=str(4 * 1024 * 1024), **env_extra)
        started = time.monotonic()
        done, peak = run_measured(["crawl", "--sources", str(sources_file), "--days", "30"], env, timeout=240)
        elapsed = time.monotonic() - started
        log = web.log()
        result = {"done": done, "peak": peak, "elapsed": elapsed, "url": url, "site": site, "barla": barla,
               "subdomain": subdomain, "mobile": mobile, "internal_log": internal_web.log(), "log": log,
               "sub_log": sub_web.log(), "mobile_log": mobile_web.log()}
        web.stop()
        mobile_web.stop()
    finally:
        internal_web.stop()
        if sub_web is not None:
            sub_web.stop()
        dispose_engines()
    return result


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory, bomb: bytes) -> dict[str, Any]:
    """The hostile web crawled as configured by default (one extraction process per core)."""
    return crawl_hostile_web(tmp_path_factory.mktemp("hostile"), bomb)




slow = pytest.mark.slow


def _describe(peak: dict[str, Any]) -> str:
    return (f"{peak['processes']} processes, peak PSS {peak['pss'] / 2**20:.0f} MiB (RSS sum {peak['rss'] / 2**20:.0f}"
            f" MiB); each process's peak PSS (MiB): {[round(p / 2**20) for p in peak['each_pss']]}")


@slow
def test_the_crawl_ends_by_itself(hostile_crawl: Any) -> None:
    done = hostile_crawl["done"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert "total:" in done.stdout
    print(f"hostile crawl (default workers): {hostile_crawl['elapsed']:.1f} s; {_describe(hostile_crawl['peak'])}")


@slow
def test_a_1_gib_bomb_costs_no_more_memory_than_a_harmless_file(tmp_path_factory: pytest.TempPathFactory,
                                                                bomb: bytes) -> None:
    """The whole process tree stays under 500 MB with the 1 GiB bombs, and they cost it no
    more than the same web with 64 KiB "bombs". One extraction process in both runs: each
    further one adds 120-200 MiB of extraction code and rules whatever the web serves."""
    one = {"NEWSWATCH_EXTRACT_WORKERS": "1"}
    bombed = crawl_hostile_web(tmp_path_factory.mktemp("bombed"), bomb, **one)
    control = crawl_hostile_web(tmp_path_factory.mktemp("control"), zeros_gzip(64 * 1024), **one)
    assert bombed["done"].returncode == 0 and control["done"].returncode == 0
    print(f"\nwith 1 GiB bombs: {_describe(bombed['peak'])}\nwith 64 KiB ones: {_describe(control['peak'])}")
    assert 0 < bombed["peak"]["pss"] < RSS_LIMIT
    assert bombed["peak"]["pss"] - control["peak"]["pss"] < 48 * 2**20


@slow
def test_no_request_reaches_the_internal_host_and_nothing_of_it_is_stored(hostile_crawl: Any) -> None:
    assert hostile_crawl["internal_log"] == []
    articles = stored(hostile_crawl["url"])
    assert not any(INTERNAL_SECRET in a["text"] for a in articles.values())
    assert not any("127.0.0.2" in a["url"] or "internal" in a["url"] for a in articles.values())


@slow
def test_the_outlets_ordinary_articles_are_still_stored(hostile_crawl: Any) -> None:
    articles = {p: a for p, a in stored(hostile_crawl["url"]).items() if a["outlet"] == "Hostile"}
    for truth in hostile_crawl["site"].articles:
        assert truth.path in articles, f"{truth.path} not stored"
        assert articles[truth.path]["title"] == truth.title


@slow
def test_case1_redirects_off_the_outlet_are_refused_and_recorded(hostile_crawl: Any) -> None:
    kinds = {(kind, path) for outlet, kind, path in errors(hostile_crawl["url"]) if outlet == "Hostile"}
    for path in ("/articles/redirect-internal-20001.html", "/articles/redirect-decimal-20002.html",
                 "/articles/redirect-backslash-20003.html", "/articles/meta-refresh-internal-20005.html"):
        assert ("offsite_redirect", path) in kinds, sorted(kinds)
    records = [path for outlet, kind, path in errors(hostile_crawl["url"]) if kind == "offsite_redirect"]
    assert len(records) == len(set(records)), "one record per refused redirect"


@slow
def test_case1_a_listed_name_that_resolves_to_loopback_is_refused(hostile_crawl: Any) -> None:
    refused = [(kind, path) for outlet, kind, path in errors(hostile_crawl["url"]) if kind == "private_address"]
    assert ("private_address", hostile_crawl["site"].articles[2].path) in refused, refused


@slow
def test_case2_steering_urls_are_never_fetched(hostile_crawl: Any) -> None:
    fetched = [r.path for r in hostile_crawl["log"] if r.site == "Hostile"]
    assert not any("internal-1000" in p for p in fetched), fetched
    # the section, the feed and the sitemap carrying them were read
    assert {"/hostile-section.html", "/hostile-feed.xml", "/hostile-sitemap.xml"} <= set(fetched)


@slow
def test_case3_gzip_bombs_are_capped_and_recorded(hostile_crawl: Any) -> None:
    kinds = {path: kind for outlet, kind, path in errors(hostile_crawl["url"]) if outlet == "Hostile"}
    assert kinds.get("/bomb.xml.gz") == "too_large"
    assert kinds.get("/bomb-encoded.xml") == "too_large"  # gzip behind Content-Encoding: gzip
    assert kinds.get("/articles/bomb-encoded-30001.html") == "too_large"  # Scrapy's own cap on the decoded size


@slow
def test_case4_sitemaps_end_and_stay_on_the_outlets_hosts(hostile_crawl: Any) -> None:
    endless = [r for r in hostile_crawl["log"] if r.path.startswith("/endless.xml")]
    # counted with the outlet's pages (60 here): the index that links 5 fresh ones per fetch stops there
    hostile_pages = [r for r in hostile_crawl["log"] if r.site == "Hostile" and r.path != "/robots.txt"]
    assert 5 < len(endless) and len(hostile_pages) <= 60 + 5  # + the start requests (feed, section, robots.txt)
    assert hostile_crawl["internal_log"] == []  # robots.txt Sitemap: lines on the internal host not fetched


@slow
def test_case9_a_canonical_claim_does_not_skip_the_claimed_article(hostile_crawl: Any) -> None:
    articles = stored(hostile_crawl["url"])
    victim, claimer = hostile_crawl["site"].articles[0], hostile_crawl["site"].articles[1]
    assert articles[victim.path]["title"] == victim.title
    assert articles[claimer.path]["title"] == claimer.title


@slow
def test_editions_most_specific_wins_even_when_the_broader_outlet_reaches_first(hostile_crawl: Any) -> None:
    articles = stored(hostile_crawl["url"])
    barla = hostile_crawl["barla"]
    for truth in barla.articles:
        assert truth.path in articles, f"{truth.path} not stored"
        assert articles[truth.path]["outlet"] == truth.outlet  # /fr/ pages: Barla FR, although Barla found them
    assert {t.outlet for t in barla.articles} == {"Barla", "Barla FR"}


@slow
def test_editions_an_unlisted_sub_domain_is_not_taken_a_listed_host_is(hostile_crawl: Any) -> None:
    assert hostile_crawl["sub_log"] == []
    articles = {a["url"]: a for a in stored(hostile_crawl["url"]).values()}
    mobile = [a for u, a in articles.items() if urlsplit(u).hostname == "127.0.0.4"]
    assert len(mobile) == len(hostile_crawl["mobile"].articles)
    assert {a["outlet"] for a in mobile} == {"Barla"}
