"""Slack digests end to end: a real HTTP server on 127.0.0.1 stands in for the incoming webhook."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from test_alerts_support import T0, Clock, Seeder, SlackSink, alerts_config, make_runtime

from alerts import ledger
from alerts.service import run_digest, run_immediate
from storage.db import get_engine

NOW = T0 + dt.timedelta(hours=2)
ENV = "NEWSWATCH_TEST_SLACK_WEBHOOK"


def slack_sub(**kw: object) -> dict[str, object]:
    return {"name": "team", "channel": {"type": "slack", "webhook_env": ENV}, "topics": ["security-cooperation"],
            "schedule": {"cron": "0 8 * * 1-5", "timezone": "Europe/Paris"}, **kw}


def all_text(payloads: list[dict]) -> str:
    return json.dumps(payloads, ensure_ascii=False)


def test_hostile_title_cannot_ping_or_forge_links(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = get_engine(sqlite_url)
    Seeder(engine).told("<!channel> <script>alert(1)</script> <https://evil.example|Verify your account>",
                        ["Le360"], score=0.9, text="<!here> @channel &amp; <b>bold</b>")
    with SlackSink() as slack:
        monkeypatch.setenv(ENV, slack.url)
        rt = make_runtime(engine, alerts_config([slack_sub()]), smtp=None, outbox=tmp_path, clock=Clock(NOW))
        [outcome] = run_digest(rt, rt.config.get("team"))
    assert (outcome.status, outcome.channel) == ("sent", "slack")
    assert slack.violations == [] and len(slack.payloads) == 1
    dumped = all_text(slack.payloads)
    for raw in ("<!channel>", "<!here>", "<script>", "<https://evil.example|"):
        assert raw not in dumped
    assert "&lt;!channel&gt;" in dumped and "&lt;script&gt;" in dumped and "@\u2060channel" in dumped
    section = [b for b in slack.payloads[0]["blocks"] if b["type"] == "section"][0]["text"]["text"]
    assert section.startswith("*<https://le360.example/a/1|&lt;!channel&gt; &lt;script&gt;")


def test_a_long_digest_is_split_to_slack_limits_and_every_story_arrives_once(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = get_engine(database_url)
    seed = Seeder(engine)
    stories = [seed.told(f"Histoire {i} " + "très longue " * 60, [f"Outlet{i % 7}"], score=0.5 + i / 1000,
                         text="coopération " * 800) for i in range(130)]
    with SlackSink() as slack:
        monkeypatch.setenv(ENV, slack.url)
        rt = make_runtime(engine, alerts_config([slack_sub()]), smtp=None, outbox=tmp_path, clock=Clock(NOW))
        [outcome] = run_digest(rt, rt.config.get("team"))
    assert outcome.status == "sent" and outcome.stories == 130
    assert slack.violations == []  # the server refuses (400) any payload over the limits
    assert len(slack.payloads) == 6  # 2 head blocks + 130 × (divider + section) = 262 blocks
    assert all(len(p["blocks"]) <= 50 for p in slack.payloads)
    sections = [b["text"]["text"] for p in slack.payloads for b in p["blocks"] if b["type"] == "section"]
    titles = sorted(int(s.split("|Histoire ")[1].split(" ")[0]) for s in sections)
    assert titles == list(range(130)) and len(stories) == 130


def test_webhook_error_keeps_it_pending_and_resumes_where_it_stopped(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = get_engine(sqlite_url)
    seed = Seeder(engine)
    for i in range(60):  # two Slack messages
        seed.told(f"Histoire {i}", ["Le360"], score=0.6)
    clock = Clock(NOW)
    with SlackSink() as slack:
        monkeypatch.setenv(ENV, slack.url)
        rt = make_runtime(engine, alerts_config([slack_sub()]), smtp=None, outbox=tmp_path, clock=clock)
        # first message accepted, then Slack fails: simulate by failing after the first post
        original = slack.server.RequestHandlerClass.do_POST

        def flaky(handler):  # type: ignore[no-untyped-def]
            if len(slack.payloads) >= 1:
                slack.fail_status = 503
            return original(handler)

        slack.server.RequestHandlerClass.do_POST = flaky
        [first] = run_digest(rt, rt.config.get("team"))
        assert first.status == "pending" and "HTTP 503" in first.note and ENV not in first.note
        assert slack.url not in first.note  # the webhook URL is a secret
        assert ledger.get(engine, first.delivery_id).payload["slack_sent"] == 1
        slack.fail_status = None
        slack.server.RequestHandlerClass.do_POST = original
        clock.advance(minutes=6)
        [retried, nothing] = run_digest(rt, rt.config.get("team"))
    assert (retried.delivery_id, retried.status, nothing.status) == (first.delivery_id, "sent", "nothing")
    assert len(slack.payloads) == 3  # 122 blocks: messages 1, 2, 3 once each
    assert [p["text"].endswith(f"({i}/3)") for i, p in enumerate(slack.payloads, 1)] == [True] * 3


def test_unset_webhook_variable_writes_json_to_the_outbox(sqlite_url: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    engine = get_engine(sqlite_url)
    Seeder(engine).told("Accord", ["Le360"], score=0.9)
    rt = make_runtime(engine, alerts_config([slack_sub()]), smtp=None, outbox=tmp_path / "outbox", clock=Clock(NOW))
    [outcome] = run_digest(rt, rt.config.get("team"))
    assert (outcome.status, outcome.channel, outcome.note) == ("sent", "outbox", f"${ENV} is not set")
    [path] = (tmp_path / "outbox").glob("*.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["subscription"] == "team" and "Accord" in all_text(data["messages"])


def test_immediate_alerts_go_first_and_the_digest_does_not_repeat_them(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = get_engine(sqlite_url)
    seed = Seeder(engine)
    seed.told("Attentat déjoué grâce à la coopération", ["Le360", "Le Monde"], score=0.95)
    seed.told("Réunion de routine", ["Le360"], score=0.6)
    with SlackSink() as slack:
        monkeypatch.setenv(ENV, slack.url)
        rt = make_runtime(engine, alerts_config([slack_sub(immediate={"min_score": 0.9})]), smtp=None,
                          outbox=tmp_path, clock=Clock(NOW))
        [alert] = run_immediate(rt)
        assert run_immediate(rt) == []  # nothing new above the threshold
        [digest] = run_digest(rt, rt.config.get("team"))
    assert (alert.kind, alert.stories, digest.kind, digest.stories) == ("immediate", 1, "digest", 1)
    assert "Attentat" in all_text(slack.payloads[:1]) and "Attentat" not in all_text(slack.payloads[1:])
    assert "Réunion" in all_text(slack.payloads[1:])
