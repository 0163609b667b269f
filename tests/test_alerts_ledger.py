"""The delivery ledger on SQLite and PostgreSQL: unique stories, atomic claims, backoff."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from test_alerts_support import T0, Clock, Seeder, alerts_config, email_sub, make_runtime

from alerts import ledger
from alerts.service import run_digest
from alerts.subscriptions import DeliveryPolicy
from storage.db import get_engine, session_scope
from storage.models import Article, DeliveredStory

NOW = T0 + dt.timedelta(hours=1)
POLICY = DeliveryPolicy(max_attempts=4, backoff_seconds=60, backoff_max_seconds=150, claim_seconds=30)


def _reserve(engine, story_ids: list[int], sub: str = "s") -> int:  # type: ignore[no-untyped-def]
    return ledger.reserve(engine, subscription=sub, kind="digest", channel="email", payload={"subject": "x"},
                          stories=[ledger.StoryRef(i, ()) for i in story_ids], now=NOW)


def test_a_story_is_reserved_once_per_subscription(database_url: str) -> None:
    engine = get_engine(database_url)
    seed = Seeder(engine)
    a, b = seed.story("a"), seed.story("b")
    first = _reserve(engine, [a, b])
    with pytest.raises(ledger.AlreadyDelivered):
        _reserve(engine, [b])
    other = _reserve(engine, [b], sub="other")  # another subscription may get it
    assert ledger.delivered_story_keys(engine, "s") == {f"s{a}", f"s{b}"}
    with session_scope(engine) as s:
        rows = s.execute(select(DeliveredStory.delivery_id, DeliveredStory.story_id)).all()
    assert sorted(rows) == sorted([(first, a), (first, b), (other, b)])  # the failed reservation left nothing


def test_lone_articles_get_a_story_when_delivered(database_url: str) -> None:
    engine = get_engine(database_url)
    art = Seeder(engine).article("Le360", "Sans histoire")
    ledger.reserve(engine, subscription="s", kind="digest", channel="email", payload={},
                   stories=[ledger.StoryRef(None, (art,), "Sans histoire")], now=NOW)
    with session_scope(engine) as s:
        story_id = s.get(Article, art).story_id
    assert story_id is not None and ledger.delivered_story_keys(engine, "s") == {f"s{story_id}"}


def test_claim_is_exclusive_until_it_expires(database_url: str) -> None:
    engine = get_engine(database_url)
    delivery = _reserve(engine, [Seeder(engine).story()])
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def grab() -> None:
        barrier.wait()
        results.append(ledger.claim(engine, delivery, NOW, POLICY))

    threads = [threading.Thread(target=grab) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert not ledger.claim(engine, delivery, NOW + dt.timedelta(seconds=29), POLICY)
    assert ledger.claim(engine, delivery, NOW + dt.timedelta(seconds=31), POLICY)  # the sender died: lease over
    assert ledger.get(engine, delivery).attempts == 2


def test_backoff_doubles_caps_and_gives_up(database_url: str) -> None:
    engine = get_engine(database_url)
    delivery = _reserve(engine, [Seeder(engine).story()])
    now, waits, statuses = NOW, [], []
    while True:
        assert ledger.claim(engine, delivery, now, POLICY)
        status = ledger.mark_failed(engine, delivery, error="boom", now=now, policy=POLICY)
        statuses.append(status)
        row = ledger.get(engine, delivery)
        if status == "failed":
            break
        waits.append((row.next_attempt_at - now).total_seconds())
        assert ledger.due(engine, row.next_attempt_at - dt.timedelta(seconds=1)) == []
        now = row.next_attempt_at
        assert ledger.due(engine, now) == [delivery]
    assert waits == [60, 120, 150] and statuses == ["pending"] * 3 + ["failed"]
    assert ledger.due(engine, now + dt.timedelta(days=1)) == []
    assert ledger.requeue(engine, delivery) and not ledger.requeue(engine, delivery)
    assert ledger.due(engine, now) == [delivery]


def test_two_runs_at_once_deliver_each_story_once(database_url: str, tmp_path: Path) -> None:
    engine = get_engine(database_url)
    seed = Seeder(engine)
    for i in range(20):
        seed.told(f"Histoire {i}", ["Le360", "Hespress"], score=0.7)
    config = alerts_config([email_sub()])
    outcomes = []
    barrier = threading.Barrier(3)

    def run() -> None:
        rt = make_runtime(engine, config, smtp=None, outbox=tmp_path / "outbox", clock=Clock(NOW))
        barrier.wait()
        outcomes.extend(run_digest(rt, config.get("daily")))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = [o for o in outcomes if o.status == "sent"]
    assert sum(o.stories for o in sent) == 20, [o.line() for o in outcomes]
    assert {o.status for o in outcomes} <= {"sent", "skipped", "nothing"}
    with session_scope(engine) as s:
        stories = s.scalars(select(DeliveredStory.story_id)).all()
    assert len(stories) == len(set(stories)) == 20
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == len(sent)
