"""Crawl health: quiet outlets and error-rate jumps, as a table, then end to end to the ops subscription."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import pytest
from test_alerts_support import Clock, Seeder, alerts_config, make_runtime

from alerts.health import OutletActivity, RunSummary, error_rate, find_issues
from alerts.service import run_health
from alerts.subscriptions import HealthPolicy
from storage.db import get_engine

NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
POLICY = HealthPolicy()
H = dt.timedelta(hours=1)


def run(run_id: int, hours_ago: float, stats: dict, status: str = "finished") -> RunSummary:
    start = NOW - hours_ago * H
    return RunSummary(run_id, start, start + 0.3 * H, status, stats)


def ok(pages: int = 40, errors: int = 1) -> dict:
    return {"articles": 10, "errors": errors, "pages": pages, "empty": 0, "last_error": "http_404"}


def down() -> dict:
    return {"articles": 0, "errors": 2, "pages": 0, "empty": 0, "last_error": "dns: DNS lookup failed",
            "reason": "www.example.ma: DNS lookup failed"}


def activity(name: str, last_hours_ago: float | None, known_days: float = 30) -> OutletActivity:
    return OutletActivity(name, NOW - dt.timedelta(days=known_days),
                          None if last_hours_ago is None else NOW - last_hours_ago * H)


@pytest.mark.parametrize(
    ("outlets", "runs", "expected"),
    [
        # healthy: articles within 48 h, steady error rate
        ([activity("A", 5)], [run(3, 1, {"A": ok()}), run(2, 25, {"A": ok()})], []),
        # quiet for 50 h though crawled
        ([activity("A", 50)], [run(3, 1, {"A": ok()}), run(2, 25, {"A": ok()})], ["quiet:A"]),
        # quiet 47 h: not yet
        ([activity("A", 47)], [run(3, 1, {"A": ok()})], []),
        # never an article, known for 30 days
        ([activity("A", None)], [run(3, 1, {"A": ok()})], ["quiet:A"]),
        # never an article but added yesterday: too early to say
        ([activity("A", None, known_days=1)], [run(3, 1, {"A": ok()})], []),
        # not crawled in the window (disabled outlet): not our business
        ([activity("A", 100)], [run(3, 1, {"B": ok()})], []),
        # no crawl at all for 3 days: one issue, no per-outlet noise
        ([activity("A", 80)], [run(3, 72, {"A": ok()})], ["no_crawl"]),
        ([], [], ["no_crawl"]),
        # error rate jumps from ~3% to 60%
        ([activity("A", 1)], [run(4, 1, {"A": ok(40, 24)})] + [run(i, 24 * i, {"A": ok()}) for i in (1, 2, 3)],
         ["errors:A:4"]),
        # always 60%: no jump
        ([activity("A", 1)], [run(4, 1, {"A": ok(40, 24)})] + [run(i, 24 * i, {"A": ok(40, 24)}) for i in (1, 2, 3)],
         []),
        # too few pages to judge
        ([activity("A", 1)], [run(4, 1, {"A": ok(3, 3)}), run(1, 24, {"A": ok()})], []),
        # every request failed (pages 0)
        ([activity("A", 1)], [run(4, 1, {"A": ok(0, 12)}), run(1, 24, {"A": ok()})], ["errors:A:4"]),
        # a run still going is not judged
        ([activity("A", 1)], [run(5, 0.1, {"A": ok(0, 30)}, "running"), run(4, 2, {"A": ok()})], []),
        # total outage: no outlet answered (offline, DNS down), whatever min_pages says
        ([activity("A", 1), activity("B", 1)],
         [run(4, 1, {"A": down(), "B": down()}), run(3, 24, {"A": ok(), "B": ok()})], ["outage:4"]),
        # every outlet blocked (403/challenge) also counts as an outage
        ([activity("A", 1)], [run(4, 1, {"A": {**down(), "pages": 3, "blocked": 3, "status": "blocked"}}),
                              run(3, 24, {"A": ok()})], ["outage:4"]),
        # one outlet down 3 runs in a row, even with fewer pages than min_pages: failing
        ([activity("A", 1), activity("B", 1)],
         [run(i, 24 * i, {"A": ok(), "B": down()}) for i in (1, 2, 3)], ["failing:B"]),
        # down twice only: not yet
        ([activity("A", 1), activity("B", 1)],
         [run(i, 24 * i, {"A": ok(), "B": down()}) for i in (1, 2)] + [run(3, 72, {"A": ok(), "B": ok()})], []),
        # an outlet whose articles were all stored already is not failing
        ([activity("A", 1), activity("B", 1)],
         [run(i, 24 * i, {"A": ok(), "B": {"articles": 0, "errors": 1, "pages": 4, "already_stored": 9}})
          for i in (1, 2, 3)], []),
    ],
)
def test_find_issues(outlets: list, runs: list, expected: list[str]) -> None:
    assert [i.key for i in find_issues(NOW, outlets, runs, POLICY)] == expected


def test_error_rate_tolerates_junk() -> None:
    assert error_rate({"errors": 5, "pages": 20}) == (0.25, 20)
    assert error_rate({"errors": "x", "pages": None}) == (0.0, 0)
    assert error_rate(None) == (0.0, 0)


def test_ops_subscription_is_alerted_once_per_day(database_url: str, tmp_path: Path) -> None:
    engine = get_engine(database_url)
    seed = Seeder(engine)
    seed.outlet("Le360", created_at=NOW - dt.timedelta(days=20))
    seed.outlet("Hespress", created_at=NOW - dt.timedelta(days=20))
    seed.article("Le360", "Vieux", fetched_at=NOW - 60 * H)
    seed.article("Hespress", "Récent", fetched_at=NOW - 2 * H)
    for day in (3, 2, 1):
        seed.crawl_run(NOW - (24 * day) * H, {"Le360": ok(), "Hespress": ok()})
    seed.crawl_run(NOW - 1 * H, {"Le360": ok(), "Hespress": {**ok(50, 40), "last_error": "timeout\r\nBcc: x@y"}})
    clock = Clock(NOW)
    config = alerts_config([{"name": "ops", "channel": {"type": "email", "to": ["ops@test.example"]}, "health": True}])
    rt = make_runtime(engine, config, smtp=None, outbox=tmp_path, clock=clock)
    [outcome] = run_health(rt)
    assert (outcome.kind, outcome.status, outcome.channel) == ("health", "sent", "outbox")
    [eml] = tmp_path.glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["Subject"] == "[newswatch ops] 2 crawl problems: Le360, Hespress"
    body = msg.get_body(("plain",)).get_content()
    assert "Le360: no new article for 2.5 days" in body
    assert "Hespress: error rate 80% of 50 requests" in body and "last error: timeout Bcc: x@y" in body
    clock.advance(hours=6)
    assert run_health(rt) == []  # same problems: not repeated within 24 h
    clock.advance(hours=19)
    again = run_health(rt)
    assert [o.status for o in again] == ["sent"]  # still quiet a day later: said again
    assert len(list(tmp_path.glob("*.eml"))) == 2
