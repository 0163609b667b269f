"""``newswatch outlets list`` and ``newswatch outlets check NAME``: the registry at a glance,
and what discovery finds for one outlet, so a user adding an outlet sees at once whether it
works before the first crawl.

``check`` runs the crawl's own discovery functions (``crawler.discovery``) over plain HTTP
GETs: configured feeds and sitemaps first, else the homepage's ``<link rel="alternate">``
and robots.txt's ``Sitemap:`` lines, else the usual locations (the spider's probing); then
a few article URLs from what it found and their extraction (title, date, language, first
and last paragraph). robots.txt is obeyed for the article pages. ``collect_check`` is the
testable core; the fetcher is injected.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin

import click
from protego import Protego

from common.outlets import Outlet, SourcesError, load_sources, select_outlets
from common.urls import canonicalize
from crawler import discovery
from crawler.urls import is_navigation, within_outlet

Answer = tuple[int, bytes, str, str | None]
"""What a GET answered: (status, body, final URL, charset of the Content-Type)."""
Fetch = Callable[[str], Answer]
Parsed = TypeVar("Parsed", discovery.Feed, discovery.Sitemap)

MAX_CHILD_SITEMAPS = 3


@dataclass
class Found:
    """A feed, sitemap or section and how it was found (configured, advertised, robots.txt, probed)."""

    url: str
    how: str
    items: int = 0
    problem: str = ""


@dataclass
class Sample:
    url: str
    via: str
    title: str = ""
    published: str | None = None
    language: str | None = None
    first_paragraph: str = ""
    last_paragraph: str = ""
    words: int = 0
    error: str = ""


@dataclass
class CheckReport:
    outlet: str
    homepage: str
    feeds: list[Found] = field(default_factory=list)
    sitemaps: list[Found] = field(default_factory=list)
    sections: list[Found] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _OffOutlet(urllib.error.URLError):
    """A redirect that would leave the outlet's hosts (the crawl refuses it too)."""


def http_fetch(url: str, allow: Callable[[str], bool] = lambda _url: True) -> Answer:
    """The crawl's User-Agent, timeout and size cap; an HTTP error is an answer, not an exception.
    A redirect is followed only to a URL ``allow`` accepts (the outlet's own hosts)."""
    from common.settings import get_settings

    class Redirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            if not allow(newurl):
                raise _OffOutlet(f"redirect to {newurl!r} leaves the outlet: not followed")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    settings = get_settings()
    opener = urllib.request.build_opener(Redirects())
    request = urllib.request.Request(url, headers={"User-Agent": settings.user_agent})
    try:
        with opener.open(request, timeout=settings.download_timeout) as response:
            body = response.read(settings.max_response_bytes)
            return response.status, body, response.geturl(), response.headers.get_content_charset()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(65536) if exc.fp else b"", url, None


def _ungzip(body: bytes) -> bytes:
    """Gzip layers undone under the crawl's size cap (a small bomb must not take memory)."""
    from common.settings import get_settings

    try:
        return discovery.inflate(body, get_settings().max_response_bytes)
    except Exception:  # noqa: BLE001 - too large, corrupt or too many layers: nothing usable
        return b""


def _newest_first(entries: list[discovery.Entry]) -> list[discovery.Entry]:
    return sorted(entries, key=lambda e: e.published.timestamp() if e.published else 0, reverse=True)


class _Checker:
    def __init__(self, outlet: Outlet, fetch: Fetch) -> None:
        self.outlet, self.fetch = outlet, fetch
        self.report = CheckReport(outlet.name, outlet.homepage)
        self.candidates: dict[str, tuple[str, discovery.Entry | None]] = {}  # canonical URL -> (via, entry)
        self.robots: Protego | None = None

    def get(self, url: str) -> Answer | None:
        try:
            return self.fetch(url)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            self.report.problems.append(f"{url}: {getattr(exc, 'reason', exc)}")
            return None

    def add(self, url: str, via: str, entry: discovery.Entry | None = None) -> None:
        if within_outlet(url, self.outlet) and not is_navigation(url, self.outlet):
            self.candidates.setdefault(canonicalize(url), (via, entry))

    # ------------------------------------------------------------ feeds
    def read(self, found: Found, answer: Answer | None, parse: Callable[[bytes, str], Parsed]) -> Parsed | None:
        """Fetch ``found.url`` (unless ``answer`` is given) and parse it; None, with the
        problem noted on ``found``, when it does not answer or cannot be read."""
        answer = answer or self.get(found.url)
        if answer is None or answer[0] >= 400:
            found.problem = f"HTTP {answer[0]}" if answer else "unreachable"
            return None
        try:
            return parse(answer[1], answer[2])
        except discovery.DiscoveryError as exc:
            found.problem = str(exc)
            return None

    def read_feed(self, url: str, how: str, answer: Answer | None = None) -> Found:
        found = Found(url, how)
        feed = self.read(found, answer, discovery.parse_feed)
        if feed is None:
            return found
        found.items, found.problem = len(feed.entries), feed.problem or ""
        for entry in _newest_first(feed.entries):
            self.add(entry.url, "feed", entry)
        return found

    def read_sitemap(self, url: str, how: str, answer: Answer | None = None, depth: int = 0) -> Found:
        found = Found(url, how)
        sitemap = self.read(found, answer, lambda body, base: discovery.parse_sitemap(_ungzip(body), base))
        if sitemap is None:
            return found
        found.items = len(sitemap.entries)
        newest = _newest_first(sitemap.entries)
        if sitemap.is_index:
            if depth == 0:
                for child in newest[:MAX_CHILD_SITEMAPS]:
                    self.report.sitemaps.append(self.read_sitemap(child.url, f"child of {url}", depth=1))
            return found
        for entry in newest:
            self.add(entry.url, "sitemap", entry)
        return found

    def probe(self, kind: str) -> list[Found]:
        """The spider's probing: the outlet's path, then the host root; only real feeds/sitemaps count."""
        for stage in (0, 1):
            hits = []
            for url in discovery.probe_urls(self.outlet.homepage, self.outlet.path_prefix, kind, stage):
                answer = self.get(url)
                if answer is None or answer[0] >= 400:
                    continue
                if discovery.probe_answer(kind, _ungzip(answer[1]), answer[2], self.outlet) is None:
                    continue
                how = "probed (outlet path)" if stage == 0 else "probed (host root)"
                read = self.read_feed if kind == "feed" else self.read_sitemap
                hits.append(read(answer[2], how, answer))
                if kind == "feed":
                    return hits
            if hits:
                return hits
        return []

    # ------------------------------------------------------------- run
    def discover(self) -> None:
        outlet = self.outlet
        home = self.get(outlet.homepage)
        if home is None or home[0] >= 400:
            self.report.problems.append(f"homepage: {f'HTTP {home[0]}' if home else 'unreachable'}")
        robots_answer = self.get(urljoin(outlet.homepage, "/robots.txt"))
        robots_text = ""
        if robots_answer and robots_answer[0] < 400:
            robots_text = robots_answer[1].decode("utf-8", "replace")
            self.robots = Protego.parse(robots_text)

        if outlet.feeds:
            self.report.feeds = [self.read_feed(url, "configured") for url in outlet.feeds]
        else:
            advertised = discovery.advertised_feeds(home[1], home[2], outlet) if home else []
            self.report.feeds = [self.read_feed(url, "advertised (<link rel=alternate>)") for url in advertised]
            if not any(f.items for f in self.report.feeds):
                self.report.feeds += self.probe("feed")

        if outlet.sitemaps:
            self.report.sitemaps += [self.read_sitemap(url, "configured") for url in outlet.sitemaps]
        else:
            listed = [u for u in discovery.robots_sitemaps(robots_text, outlet.homepage)
                      if discovery.robots_sitemap_readers(u, [outlet])]
            for url in listed:
                self.report.sitemaps.insert(0, self.read_sitemap(url, "robots.txt"))
            if not any(s.items for s in self.report.sitemaps):
                self.report.sitemaps += self.probe("sitemap")

        pages = [(outlet.homepage, home)] + [(url, None) for url in outlet.sections]
        for url, answer in pages:
            answer = answer or self.get(url)
            found = Found(url, "homepage" if url == outlet.homepage else "configured")
            if answer and answer[0] < 400:
                links = discovery.article_links(answer[1], answer[2], outlet)
                found.items = len(links)
                for link in links:
                    self.add(link, "section")
            else:
                found.problem = f"HTTP {answer[0]}" if answer else "unreachable"
            self.report.sections.append(found)

    def allowed(self, url: str) -> bool:
        from common.settings import get_settings

        return self.robots is None or self.robots.can_fetch(url, get_settings().user_agent)

    def sample(self, n: int) -> None:
        """Up to ``n`` articles, taking feed, sitemap and section finds in turn so each channel shows."""
        from common.article import ExtractionError
        from pipelines.extract import extract_article

        by_via: dict[str, list[str]] = {}
        for url, (via, _entry) in self.candidates.items():
            by_via.setdefault(via, []).append(url)
        order: list[tuple[str, str]] = []
        queues = [list(urls) for urls in by_via.values()]
        vias = list(by_via)
        while any(queues) and len(order) < 4 * n:
            for via, queue in zip(vias, queues, strict=True):
                if queue:
                    order.append((via, queue.pop(0)))
        for via, url in order:
            if len(self.report.samples) >= n:
                break
            sample = Sample(url, via)
            self.report.samples.append(sample)
            if not self.allowed(url):
                sample.error = "forbidden by robots.txt"
                continue
            answer = self.get(url)
            if answer is None or answer[0] >= 400:
                sample.error = f"HTTP {answer[0]}" if answer else "unreachable"
                continue
            try:
                article = extract_article(answer[1], url, noise_selectors=self.outlet.noise_selectors,
                                          timezone=self.outlet.timezone, encoding=answer[3], discovered_via=via)
            except ExtractionError as exc:
                sample.error = f"{exc.kind}: {exc.reason}"
                continue
            paragraphs = [p for p in article.text.split("\n") if p.strip()]
            sample.title, sample.language = article.title, article.language
            sample.published = article.published.isoformat() if article.published else None
            sample.first_paragraph = paragraphs[0] if paragraphs else ""
            sample.last_paragraph = paragraphs[-1] if len(paragraphs) > 1 else ""
            sample.words = len(article.text.split())


def collect_check(outlet: Outlet, fetch: Fetch | None = None, sample: int = 5) -> CheckReport:
    """Discovery for one outlet, as the crawl would do it, plus ``sample`` extracted articles.
    Over HTTP (the default ``fetch``) redirects stay on the outlet's hosts, as in the crawl."""
    from crawler.urls import same_site

    if fetch is None:
        def fetch(url: str) -> Answer:
            return http_fetch(url, allow=lambda target: same_site(target, outlet))
    checker = _Checker(outlet, fetch)
    checker.discover()
    checker.sample(sample)
    return checker.report


def outlet_health(outlet_names: list[str], runs: int = 30, database_url: str | None = None) -> dict[str, dict[str, Any]]:
    """Each outlet's figures in the latest crawl run that included it (from ``crawl_runs``)."""
    from sqlalchemy import select

    from storage.db import get_engine, session_scope
    from storage.models import CrawlRun

    wanted = set(outlet_names)
    health: dict[str, dict[str, Any]] = {}
    with session_scope(get_engine(database_url)) as session:
        for run in session.scalars(select(CrawlRun).order_by(CrawlRun.started_at.desc()).limit(runs)):
            for name, figures in (run.outlet_stats or {}).items():
                if name in wanted and name not in health:
                    health[name] = {**figures, "run_id": run.id, "at": run.started_at.isoformat(timespec="minutes")}
    return health


def health_label(figures: dict[str, Any] | None) -> str:
    """ok / blocked / unreachable / no articles / never crawled (the run's own status when it has one)."""
    if not figures:
        return "never crawled"
    if figures.get("status"):
        return str(figures["status"])
    if figures.get("articles", 0) > 0:
        return "ok"
    if figures.get("pages", 0) == 0:
        return "unreachable"
    return "no articles"


# ----------------------------------------------------------------- commands
def _load(sources: str | None) -> list[Outlet]:
    from common.settings import get_settings

    try:
        return load_sources(sources or get_settings().resolved_sources_file)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def outlets() -> None:
    """The outlets of sources.yaml: list them with their health, check one."""


@outlets.command("list")
@click.option("--sources", default=None, help="Sources file (default: NEWSWATCH_SOURCES_FILE or CONFIG_DIR/sources.yaml).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per outlet.")
@click.option("--database-url", default=None, help="Override DATABASE_URL.")
def list_outlets(sources: str | None, as_json: bool, database_url: str | None) -> None:
    """Every outlet with its bounds (host(s), path), languages, paywall and last-run health."""
    from storage.db import get_engine, upgrade
    from storage.discovered import discovered_sources

    registry = _load(sources)
    upgrade(database_url)
    health = outlet_health([o.name for o in registry], database_url=database_url)
    cached: dict[str, list[str]] = {}
    for row in discovered_sources(get_engine(database_url)):
        if not row["failed_at"]:
            cached.setdefault(str(row["outlet"]), []).append(str(row["url"]))
    rows = []
    for o in registry:
        figures = health.get(o.name)
        hosts = [o.host, *getattr(o, "hosts", [])]
        rows.append({
            "name": o.name, "hosts": hosts, "path": o.path_prefix, "country": o.country, "languages": o.languages,
            "timezone": o.timezone, "paywalled": o.paywalled, "enabled": o.enabled, "health": health_label(figures),
            "articles": (figures or {}).get("articles"), "errors": (figures or {}).get("errors"),
            "last_run": (figures or {}).get("at"), "last_error": (figures or {}).get("last_error"),
            "discovered": cached.get(o.name, []),
        })
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    width = max(len(r["name"]) for r in rows) if rows else 4
    click.echo(f"{'outlet':<{width}}  {'bounds':<38} {'lang':<8} {'paywall':<7} health")
    for r in rows:
        bounds = ", ".join(r["hosts"]) + (r["path"] if r["path"] != "/" else "")
        last = f" ({r['articles']} articles, {r['errors']} errors, run {r['last_run']})" if r["last_run"] else ""
        flag = "yes" if r["paywalled"] else ""
        disabled = " [disabled]" if not r["enabled"] else ""
        click.echo(f"{r['name']:<{width}}  {bounds:<38} {','.join(r['languages']):<8} {flag:<7} {r['health']}{last}{disabled}")
    click.echo(f"{len(rows)} outlets")


@outlets.command("check")
@click.argument("name")
@click.option("--sample", "n_samples", default=5, show_default=True, help="Article pages to fetch and extract.")
@click.option("--sources", default=None, help="Sources file (default: NEWSWATCH_SOURCES_FILE or CONFIG_DIR/sources.yaml).")
@click.option("--json", "as_json", is_flag=True, help="The whole report as JSON.")
@click.option("--database-url", default=None, help="Override DATABASE_URL.")
def check(name: str, n_samples: int, sources: str | None, as_json: bool, database_url: str | None) -> None:
    """What discovery finds for outlet NAME (feeds, sitemaps, sections) and sample extractions.

    Exit code 1 when no article could be extracted."""
    try:
        outlet = select_outlets(_load(sources), [name])[0]
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc
    report = collect_check(outlet, sample=n_samples)
    cached = _cached(outlet.name, database_url)
    if as_json:
        click.echo(json.dumps({**report.to_json(), "cached": cached}, ensure_ascii=False, indent=2, default=str))
    else:
        _print_report(report)
        for row in cached:
            state = f"failed {row['failed_at']:%Y-%m-%d %H:%M}" if row["failed_at"] else "answering"
            click.echo(f"cached {row['kind']}: {row['url']}  found {row['found_at']:%Y-%m-%d %H:%M}, {state}")
    if not any(s.title and not s.error for s in report.samples):
        sys.exit(1)


def _cached(outlet: str, database_url: str | None = None) -> list[dict[str, Any]]:
    """What earlier crawls found by probing for this outlet (``discovered_sources``)."""
    from storage.db import get_engine, upgrade
    from storage.discovered import discovered_sources

    upgrade(database_url)
    return discovered_sources(get_engine(database_url), outlet)


def _print_report(report: CheckReport) -> None:
    click.echo(f"{report.outlet} — {report.homepage}")
    for title, found in (("feeds", report.feeds), ("sitemaps", report.sitemaps), ("sections", report.sections)):
        click.echo(f"{title}:" + ("" if found else " none found"))
        for f in found:
            what = f"{f.items} links" if title == "sections" else f"{f.items} items"
            click.echo(f"  {f.url}  [{f.how}] {what}" + (f"  PROBLEM: {f.problem}" if f.problem else ""))
    click.echo(f"samples ({len(report.samples)}):")
    for s in report.samples:
        click.echo(f"  {s.url}  [via {s.via}]")
        if s.error:
            click.echo(f"    ERROR: {s.error}")
            continue
        click.echo(f"    title: {s.title}\n    date: {s.published or '(none)'}   language: {s.language}   words: {s.words}")
        click.echo(f"    first: {s.first_paragraph[:200]}")
        if s.last_paragraph:
            click.echo(f"    last:  {s.last_paragraph[:200]}")
    for problem in report.problems:
        click.echo(f"problem: {problem}")
