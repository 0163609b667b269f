"""``newswatch watch``: conditional polls of feeds and news sitemaps, immediate alerts after each pass.

Real passes (one subprocess each, as in production) against live outlets on 127.0.0.1 whose
feed and news sitemap gain items between passes, alerts to a local Slack webhook server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from crawl_helpers import PROJECT_ROOT, crawl_env
from scrapy.http import Headers
from sqlalchemy import func, update
from test_alerts_support import SlackSink, alerts_config, write_alerts_yaml

from alerts.scheduler import SchedulerRuntime, job_specs
from alerts.service import AlertsRuntime
from alerts.subscriptions import AlertsConfigError, PollJob
from crawler.conditional import (
    Validators,
    conditional_headers,
    is_sitemap_index,
    load_validators,
    validators_from,
)
from localweb import build_outlet_site
from localweb.live import FEED_PATH, SITEMAP_PATH, LiveOutlet
from newswatch.commands.watch import PassReport, next_start, watch_loop
from storage.db import get_engine
from storage.models import Outlet

WEBHOOK_ENV = "NEWSWATCH_TEST_WATCH_WEBHOOK"


def live_sub() -> dict[str, Any]:
    return {"name": "desk", "channel": {"type": "slack", "webhook_env": WEBHOOK_ENV},
            "topics": ["security-cooperation"], "immediate": {"min_score": 0.6}, "max_age_days": 60}


def live_site(name: str, language: str) -> tuple[Any, list[Any], list[Any]]:
    """A generated outlet, its cooperation articles and its sports articles (never flagged)."""
    site = build_outlet_site(name, shape="wordpress", language=language, n_articles=24, today=date.today())
    return (site, [a for a in site.articles if a.topic == "coop"], [a for a in site.articles if a.topic == "sport"])


def slack_titles(payloads: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(p, ensure_ascii=False) for p in payloads]


# ------------------------------------------------------------------------ pure parts
def test_conditional_headers_come_from_the_last_200() -> None:
    headers = Headers({"ETag": 'W/"abc"', "Last-Modified": "Wed, 02 Dec 2026 03:00:00 GMT"})
    v = validators_from(headers, b"<rss/>")
    assert conditional_headers(v) == {"If-None-Match": 'W/"abc"', "If-Modified-Since": "Wed, 02 Dec 2026 03:00:00 GMT"}
    assert conditional_headers(validators_from(Headers(), b"<rss/>")) == {}  # no validators: only the body digest
    assert validators_from({}, b"a").body_sha1 != validators_from({}, b"b").body_sha1
    assert conditional_headers(None) == {}


def test_the_middleware_sends_validators_and_routes_304_and_same_bytes_to_a_no_op() -> None:
    from scrapy import Request, Spider
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from crawler.conditional import ConditionalGetMiddleware, not_modified

    class PollSpider(Spider):
        name = "news"
        poll = "1"

        def parse_feed(self, response: Response) -> None: ...

    crawler = get_crawler(PollSpider)
    crawler.spider = spider = PollSpider()
    mw = ConditionalGetMiddleware(crawler)
    url, moved = "http://127.0.0.1:1/feed.xml", "http://127.0.0.1:1/rss"
    mw.known = {url: Validators('"v1"', "Wed, 02 Dec 2026 03:00:00 GMT", validators_from(Headers(), b"old").body_sha1),
                moved: Validators('"v9"', None, None)}
    request = Request(url, callback=spider.parse_feed, meta={"via": "feed", "outlet": "A"})
    mw.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"v1"' and 304 in request.meta["handle_httpstatus_list"]
    redirected = request.replace(url=moved)  # what the redirect middleware sends next
    mw.process_request(redirected)
    assert redirected.headers[b"If-None-Match"] == b'"v9"' and b"If-Modified-Since" not in redirected.headers
    section = Request("http://127.0.0.1:1/", callback=spider.parse_feed, meta={"via": "section"})
    mw.process_request(section)
    assert b"If-None-Match" not in section.headers  # pages other than feeds and sitemaps: never conditional

    answered = mw.process_response(request, Response(url, status=304, request=request))
    assert answered.request.callback is not_modified and list(not_modified(answered)) == []
    same = mw.process_response(request, Response(url, status=200, body=b"old", request=request))
    assert same.request.callback is not_modified
    new = mw.process_response(request, Response(url, status=200, body=b"new", headers={"ETag": '"v2"'},
                                                request=request))
    assert new.request is request and mw.seen[url] == ("A", validators_from(Headers({"ETag": '"v2"'}), b"new"))
    stats = crawler.stats.get_stats()
    assert (stats["newswatch/poll/not_modified"], stats["newswatch/poll/unchanged"], stats["newswatch/poll/changed"],
            stats["newswatch/poll/requests"]) == (1, 1, 1, 1)


def test_a_sitemap_index_is_always_read_in_full() -> None:
    import gzip

    index = b'<?xml version="1.0"?><sitemapindex xmlns="x"><sitemap><loc>http://a/s.xml</loc></sitemap></sitemapindex>'
    assert is_sitemap_index(index) and is_sitemap_index(gzip.compress(index))
    assert not is_sitemap_index(b'<?xml version="1.0"?><urlset><url><loc>http://a/1</loc></url></urlset>')


def test_fixed_rate_passes_and_the_poll_entry_in_alerts_yaml() -> None:
    assert next_start(100.0, 120.0, 150.0) == 220.0
    assert next_start(100.0, 120.0, 400.0) == 400.0  # a pass longer than the period: the next starts at once
    config = alerts_config([live_sub()], poll={"every_minutes": 2, "outlets": ["Le360"]})
    poll = [s for s in job_specs(config) if s.id == "poll"]
    assert len(poll) == 1 and poll[0].trigger.interval.total_seconds() == 120
    assert poll[0].func == "alerts.scheduler:poll_job"
    assert config.poll is not None and config.poll.argv()[-4:] == ["watch", "--one-pass", "--outlet", "Le360"]
    assert not [s for s in job_specs(alerts_config([live_sub()])) if s.id == "poll"]
    with pytest.raises(AlertsConfigError, match="every_minutes"):
        alerts_config([live_sub()], poll={"every_minutes": 0})


def test_the_scheduler_poll_job_runs_a_pass_then_immediate_alerts_unless_a_crawl_runs(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alerts import scheduler

    config = alerts_config([live_sub()], poll={"every_minutes": 1, "timeout_minutes": 3})
    rt = SchedulerRuntime(AlertsRuntime(engine=get_engine(sqlite_url), config=config, smtp=None,
                                        sender="n@test.example", outbox=tmp_path))
    calls: list[Any] = []
    monkeypatch.setattr(scheduler, "run_crawl", lambda _rt, argv, timeout: calls.append((argv[3:], timeout)) or 0)
    monkeypatch.setattr(scheduler.service, "run_immediate", lambda _rt: calls.append("immediate") or [])
    monkeypatch.setattr(scheduler, "_RUNTIME", rt)
    scheduler.poll_job()
    assert calls == [(["watch", "--one-pass"], 180.0), "immediate"]
    rt.children.add(object())  # type: ignore[arg-type]  # the daily crawl is running
    scheduler.poll_job()
    assert len(calls) == 2


def test_watch_passes_stay_out_of_the_crawl_health_baseline(database_url: str) -> None:
    from alerts.queries import crawl_runs
    from storage.db import session_scope
    from storage.models import CrawlRun

    engine = get_engine(database_url)
    with session_scope(engine) as session:
        session.add_all([CrawlRun(args={"outlets": []}, status="finished"),
                         *[CrawlRun(args={"outlets": [], "poll": True}, status="finished") for _ in range(5)]])
    runs = crawl_runs(engine, 3)
    assert len(runs) == 1 and runs[0].run_id == 1


# ------------------------------------------------------------------------ real passes
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, webhook: str) -> None:
    for key in list(os.environ):
        if key.startswith("NEWSWATCH_") or key == "DATABASE_URL":
            monkeypatch.delenv(key)
    for key, value in crawl_env(tmp_path / "data", database_url).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv(WEBHOOK_ENV, webhook)


def test_passes_poll_conditionally_fetch_only_new_items_and_alert_once(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_a, coop_a, sport_a = live_site("Live Wire", "fr")
    site_b, coop_b, sport_b = live_site("Plain Wire", "en")  # another language: another story
    engine = get_engine(sqlite_url)
    with LiveOutlet(site_a) as wire, LiveOutlet(site_b, validators=False) as plain, SlackSink() as slack:
        _env(monkeypatch, tmp_path, sqlite_url, slack.url)
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump({"outlets": [wire.sources_entry(), plain.sources_entry()]}), encoding="utf-8")
        wire.publish(coop_a[0])
        plain.publish(sport_b[0])
        rt = SchedulerRuntime(AlertsRuntime(engine=engine, config=alerts_config([live_sub()]), smtp=None,
                                            sender="n@test.example", outbox=tmp_path / "outbox"))
        argv = lambda report: [*PollJob().argv(report), "--sources", str(sources), "--days", "60"]  # noqa: E731
        seen: list[tuple[int, PassReport, int]] = []

        def after_pass(number: int, report: PassReport, outcomes: list[Any]) -> None:
            seen.append((number, report, len(slack.payloads)))
            if number == 1:
                stored = load_validators(engine)
                assert stored[wire.base + FEED_PATH].etag == wire.etag(FEED_PATH)
                # every pass is a new process: pass 2's conditional GET proves the validators survive a restart
                assert stored[wire.base + FEED_PATH].etag and stored[wire.base + FEED_PATH].last_modified
                assert stored[plain.base + FEED_PATH] == Validators(None, None, stored[plain.base + FEED_PATH].body_sha1)
                # hide what is stored from the next pass: were a feed re-parsed, its items would be fetched again
                with engine.begin() as conn:
                    conn.execute(update(Outlet).values(name=Outlet.name + " (renamed)"))
            if number == 2:
                with engine.begin() as conn:
                    conn.execute(update(Outlet).values(name=func.replace(Outlet.name, " (renamed)", "")))
                wire.publish(sport_a[0])
                plain.publish(coop_b[0])

        marks: list[float] = []
        done = watch_loop(rt, argv, every_s=0, passes=3, timeout_s=120, echo=lambda line: marks.append(time.time()),
                          after_pass=after_pass)

    assert done == 3
    (_, first, slack1), (_, idle, slack2), (_, third, slack3) = seen
    assert (first.articles, first.changed, first.not_modified) == (2, 4, 0)
    assert slack1 == 1 and coop_a[0].path in slack_titles(slack.payloads[:1])[0]
    # pass 2: the feed and sitemap with validators answer 304, the plain ones the same bytes; nothing followed
    assert (idle.articles, idle.not_modified, idle.unchanged, idle.changed) == (0, 2, 2, 0)
    assert slack2 == 1
    feed_hits = wire.log(FEED_PATH)
    assert [h.status for h in feed_hits] == [200, 304, 200] and [h.conditional for h in feed_hits] == [False, True, True]
    assert feed_hits[1].body_bytes == 0 and [h.status for h in wire.log(SITEMAP_PATH)] == [200, 304, 200]
    article_paths = {a.path for a in site_a.articles} | {a.path for a in site_b.articles}
    fetched = [h.path for h in [*wire.log(), *plain.log()] if h.path in article_paths]
    assert sorted(fetched) == sorted([coop_a[0].path, sport_b[0].path, sport_a[0].path, coop_b[0].path])
    # pass 3: only the two new items fetched; the new flagged one alerted, the first story not again
    assert (third.articles, third.changed) == (2, 4)
    assert slack3 == 2
    last = slack_titles(slack.payloads[1:])[0]
    assert coop_b[0].path in last and coop_a[0].path not in last
    assert slack.violations == []


def test_sigterm_stops_the_watch_cleanly(sqlite_url: str, tmp_path: Path) -> None:
    site, _, _ = live_site("Live Wire", "fr")
    with LiveOutlet(site) as wire, SlackSink() as slack:  # an empty feed: an idle pass, quick
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump({"outlets": [wire.sources_entry()]}), encoding="utf-8")
        alerts = write_alerts_yaml(tmp_path / "alerts.yaml", [live_sub()])
        env = crawl_env(tmp_path / "data", sqlite_url, NEWSWATCH_ALERTS_FILE=str(alerts), **{WEBHOOK_ENV: slack.url})
        proc = subprocess.Popen([sys.executable, "-m", "newswatch.cli", "watch", "--every", "10", "--sources",
                                 str(sources), "--days", "60"], env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        try:
            assert proc.stdout is not None
            lines = [proc.stdout.readline() for _ in range(2)]
            assert lines[0].startswith("watching ") and lines[1].startswith("pass 1: 2 feed/sitemap GETs"), lines
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)  # while it waits for pass 2
            rest = proc.communicate(timeout=20)[0]
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0 and time.monotonic() - started < 10
        assert rest.strip().endswith("watch stopped after 1 pass(es)")
    assert [h.status for h in wire.log(FEED_PATH)] == [200]
    assert set(load_validators(get_engine(sqlite_url))) == {wire.base + FEED_PATH, wire.base + SITEMAP_PATH}
