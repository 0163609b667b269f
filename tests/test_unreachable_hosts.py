"""Hosts that are not there (no DNS name, nothing listening) are tried once per run: no
retries with backoff, no probing of their other URLs, one log line each, and their
outlets still reported unreachable (crawler/middlewares.py ``UnreachableHosts``)."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from crawl_helpers import crawl_env, newswatch
from scrapy import Request, Spider, signals
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from test_ops_failures import closed_port, outlet, summary_line, write

from crawler.middlewares import (
    BackoffRetryMiddleware,
    RefusedRequest,
    UnreachableHostMiddleware,
    UnreachableHosts,
    unreachable_reason,
)
from localweb import LocalWeb, sample_web, sources_for
from storage.db import dispose_engines, get_engine
from storage.models import CrawlRun


def test_dns_failure_marks_the_host_on_every_port() -> None:
    hosts = UnreachableHosts()
    assert hosts.failed("https://ghost.invalid/robots.txt", CannotResolveHostError("no such name")) == (
        "dns", "DNS lookup failed")
    assert hosts.dead("http://ghost.invalid:8080/feed") == ("dns", "DNS lookup failed")
    assert hosts.dead("https://GHOST.invalid/a") is not None
    assert hosts.dead("https://other.invalid/") is None


def test_refused_connection_marks_only_that_port() -> None:
    hosts = UnreachableHosts()
    assert hosts.failed("http://127.0.0.1:9/x", DownloadConnectionRefusedError("refused")) == (
        "connection", "connection refused")
    assert hosts.dead("http://127.0.0.1:9/y") == ("connection", "connection refused")
    assert hosts.dead("http://127.0.0.1:10/y") is None
    assert hosts.dead("https://127.0.0.1/") is None


def test_a_host_that_answered_once_is_never_marked() -> None:
    hosts = UnreachableHosts()
    hosts.answered("https://news.example/robots.txt")
    assert hosts.failed("https://news.example/feed", CannotResolveHostError("hiccup")) is None
    assert hosts.failed("https://news.example/feed", DownloadConnectionRefusedError("restart")) is None
    assert hosts.dead("https://news.example/feed") is None
    # the port answered, not the other one: a refused connection there still counts
    assert hosts.failed("http://news.example:8080/", DownloadConnectionRefusedError("x")) is not None


def test_slow_or_dropped_connections_are_not_unreachable() -> None:
    hosts = UnreachableHosts()
    assert unreachable_reason(DownloadTimeoutError("took too long")) is None
    assert hosts.failed("https://slow.example/", DownloadTimeoutError("took too long")) is None
    assert hosts.dead("https://slow.example/") is None


def _middlewares() -> tuple[UnreachableHostMiddleware, BackoffRetryMiddleware]:
    crawler = get_crawler(settings_dict={"NEWSWATCH_RETRY_BACKOFF_BASE": 0, "RETRY_TIMES": 3})
    crawler.spider = Spider.from_crawler(crawler, "unreachable-test")
    crawler.stats.open_spider()
    return UnreachableHostMiddleware.from_crawler(crawler), BackoffRetryMiddleware.from_crawler(crawler)


def test_first_failure_is_not_retried_and_later_requests_are_refused(caplog: pytest.LogCaptureFixture) -> None:
    gate, retry = _middlewares()
    first = Request("https://ghost.invalid/robots.txt")
    with caplog.at_level("INFO", logger="crawler.middlewares"):
        assert asyncio.run(retry.process_exception(first, CannotResolveHostError("x"))) is None
        again = Request("https://ghost.invalid/feed")  # was in flight: fails too, no second log line
        assert asyncio.run(retry.process_exception(again, CannotResolveHostError("x"))) is None
    lines = [r.getMessage() for r in caplog.records if r.name == "crawler.middlewares"]
    assert len(lines) == 1 and "ghost.invalid: DNS lookup failed" in lines[0], lines
    for middleware in (gate, retry):  # before the lookup, and after robots.txt's wait
        with pytest.raises(RefusedRequest) as refused:
            middleware.process_request(Request("https://ghost.invalid/sitemap.xml"))
        assert refused.value.kind == "dns" and "DNS lookup failed" in str(refused.value)
    assert gate.process_request(Request("https://alive.example/")) is None


def test_a_host_that_answered_is_still_retried() -> None:
    _gate, retry = _middlewares()
    retry.hosts.answered("https://news.example/")
    again = asyncio.run(retry.process_exception(Request("https://news.example/a"), CannotResolveHostError("x")))
    assert isinstance(again, Request) and again.meta["retry_times"] == 1


def test_any_response_headers_mark_the_host_as_answering() -> None:
    """Redirects and error statuses too: the downloader's headers_received signal, not a
    middleware that a redirect would bypass."""
    _gate, retry = _middlewares()
    crawler = retry.crawler
    crawler.signals.send_catch_log(signals.headers_received, headers={}, body_length=0,
                                   request=Request("https://moved.example/old"), spider=crawler.spider)
    assert retry.hosts.failed("https://moved.example/new", CannotResolveHostError("x")) is None


def test_offline_outlets_cost_one_request_each_not_minutes_of_backoff(tmp_path: Path) -> None:
    """A name that does not resolve and a closed port on 127.0.0.1, beside a live local site:
    with 3 retries and a 5 s first backoff, one retry chain alone would take 35 s."""
    sites = sample_web(date.today(), n_articles=2, include_bad=False)[:1]
    url = f"sqlite:///{tmp_path / 'nw.db'}"
    port = closed_port()
    with LocalWeb(sites) as web:
        good = sources_for(web, sites)["outlets"]
        ghost = {**outlet("Ghost Gazette", "https://ghost-gazette.invalid/"),
                 "feeds": ["https://ghost-gazette.invalid/rss", "https://ghost-gazette.invalid/rss/politique"],
                 "sections": ["https://ghost-gazette.invalid/politique/"]}
        closed = {**outlet("Closed Courier", f"http://127.0.0.1:{port}/"),
                  "feeds": [f"http://127.0.0.1:{port}/feed"]}
        sources = write(tmp_path / "sources.yaml", [*good, ghost, closed])
        env = crawl_env(tmp_path / "data", url, NEWSWATCH_RETRY_TIMES="3", NEWSWATCH_RETRY_BACKOFF_BASE="5",
                        NEWSWATCH_RETRY_BACKOFF_MAX="60")
        done = newswatch(["crawl", "--sources", str(sources), "--days", "365"], env)
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    assert " ok " in summary_line(done.stdout, good[0]["name"])
    ghost_line = summary_line(done.stdout, "Ghost Gazette")
    assert "unreachable" in ghost_line and "ghost-gazette.invalid: DNS lookup failed" in ghost_line, ghost_line
    closed_line = summary_line(done.stdout, "Closed Courier")
    assert "unreachable" in closed_line and "connection refused" in closed_line, closed_line
    marked = [line for line in done.stderr.splitlines() if "no other URL of it in this run" in line]
    assert len(marked) == 2, done.stderr[-3000:]  # one line per dead host
    with get_engine(url).connect() as conn:
        run = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
    stats = run.stats
    assert stats.get("retry/count", 0) == 0, stats
    assert stats["newswatch/unreachable/hosts"] == 2
    # tried: the first wave only (robots.txt and the requests already in flight), never a probe;
    # refusals count as exceptions too, under their own type
    tried = {name.rsplit(".", 1)[-1]: count for name, count in stats.items()
             if name.startswith("downloader/exception_type_count/scrapy.exceptions.")}
    assert set(tried) == {"CannotResolveHostError", "DownloadConnectionRefusedError"}, tried
    assert sum(tried.values()) <= 6, tried
    assert stats["downloader/request_count"] - stats.get("downloader/response_count", 0) == sum(tried.values())
    assert stats["newswatch/unreachable/skipped"] >= 5  # the probes of the usual feed/sitemap locations
    assert stats["elapsed_time_seconds"] < 25, stats["elapsed_time_seconds"]
    statuses = {name: figures["status"] for name, figures in run.outlet_stats.items()}
    assert statuses == {good[0]["name"]: "ok", "Ghost Gazette": "unreachable", "Closed Courier": "unreachable"}
    dispose_engines()
