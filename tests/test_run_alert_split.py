"""``newswatch run`` on the local web with the shipped rules and alerts.yaml's secops-slack
subscription: the immediate alert holds only the strongest matches (score >= immediate.min_score,
on the 0-1 scale), the scheduled digest holds the rest (score >= min_score), no story twice.

The sample web's articles are written dense (its scores are not the corpus's), so the
immediate cut is set between its own scores after a first crawl: the split is what is tested."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from crawl_helpers import PROJECT_ROOT, crawl_env, newswatch, write_sources
from sqlalchemy import select

from alerts.queries import match_items
from alerts.subscriptions import load_alerts
from localweb import LocalWeb, sample_web
from storage.db import get_engine
from storage.models import DeliveredStory, Delivery

pytestmark = pytest.mark.slow
TOPIC = "security-cooperation"


def test_immediate_gets_the_strongest_and_the_digest_the_rest(tmp_path: Path) -> None:
    config = load_alerts(PROJECT_ROOT / "config" / "alerts.yaml", rules_dir=PROJECT_ROOT / "config" / "rules")
    [sub] = [s for s in config.subscriptions if s.immediate is not None]
    assert sub.immediate is not None
    url = f"sqlite:///{tmp_path / 'nw.db'}"
    sites = sample_web(dt.date.today(), n_articles=10, include_bad=False)
    engine = get_engine(url)
    with LocalWeb(sites) as web:
        sources = write_sources(web, sites, tmp_path / "sources.yaml", with_feeds=True)
        env = crawl_env(tmp_path / "data", url)
        env.pop(sub.channel.webhook_env if hasattr(sub.channel, "webhook_env") else "", None)
        crawled = newswatch(["crawl", "--sources", str(sources), "--days", "30"], env, timeout=600)
        assert crawled.returncode == 0, crawled.stdout + crawled.stderr
        now = dt.datetime.now(dt.UTC)
        scores = sorted({i.score for i in match_items(engine, [TOPIC], now - dt.timedelta(days=1), now)})
        assert len(scores) >= 3 and scores[0] > sub.min_score, scores
        cut = (scores[-2] + scores[-1]) / 2 if len(scores) < 6 else (scores[-3] + scores[-2]) / 2
        shipped = yaml.safe_load((PROJECT_ROOT / "config" / "alerts.yaml").read_text(encoding="utf-8"))
        for entry in shipped["subscriptions"]:
            if entry["name"] == sub.name:
                entry["immediate"]["min_score"] = round(cut, 4)
        alerts_file = tmp_path / "alerts.yaml"
        alerts_file.write_text(yaml.safe_dump(shipped), encoding="utf-8")
        sub = load_alerts(alerts_file, rules_dir=PROJECT_ROOT / "config" / "rules").get(sub.name)
        assert sub.immediate is not None
        result = newswatch(["run", "--sources", str(sources), "--days", "30"],
                           {**env, "NEWSWATCH_ALERTS_FILE": str(alerts_file)}, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    now = dt.datetime.now(dt.UTC)
    # what the subscription wants at all: its topic, published within max_age_days
    oldest = now - dt.timedelta(days=sub.max_age_days or 3650)
    items = [i for i in match_items(engine, [TOPIC], now - dt.timedelta(days=30), now)
             if (i.published_at or i.matched_at) >= oldest]
    best: dict[str, float] = defaultdict(float)
    for item in items:
        best[item.story_key] = max(best[item.story_key], item.score)
    strong = {k for k, s in best.items() if s >= sub.immediate.min_score}
    rest = {k for k, s in best.items() if sub.min_score <= s < sub.immediate.min_score}
    assert strong and rest, f"the sample web should give both kinds: {sorted(best.values())}"

    with engine.connect() as conn:
        rows = conn.execute(
            select(Delivery.kind, DeliveredStory.story_id)
            .join(DeliveredStory, DeliveredStory.delivery_id == Delivery.id)
            .where(Delivery.subscription == sub.name)
        ).all()
    delivered: dict[str, list[str]] = defaultdict(list)
    for kind, story_id in rows:
        delivered[kind].append(f"s{story_id}")
    immediate, digest = delivered["immediate"], delivered["digest"]
    assert len(immediate) == len(set(immediate)) and len(digest) == len(set(digest))
    assert set(immediate) == {k for k in strong if k.startswith("s")}
    assert set(digest) == {k for k in rest if k.startswith("s")}
    assert not set(immediate) & set(digest)  # nothing twice
    assert "immediate" in result.stdout and "digest" in result.stdout
