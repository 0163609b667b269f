"""``newswatch digest``, ``deliveries`` and ``schedule --list`` with the shipped config/alerts.yaml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_alerts_support import Seeder

from newswatch.cli import cli
from newswatch.settings import get_settings
from storage.db import get_engine, upgrade


@pytest.fixture
def seeded(nw_env: Path, monkeypatch: pytest.MonkeyPatch) -> Seeder:
    monkeypatch.delenv("NEWSWATCH_SMTP_HOST", raising=False)
    monkeypatch.delenv("NEWSWATCH_SLACK_WEBHOOK_SECOPS", raising=False)
    url = get_settings().resolved_database_url
    upgrade(url)
    seed = Seeder(get_engine(url))
    now = dt.datetime.now(dt.UTC)
    seed.told("Coopération sécuritaire: Rabat et Paris signent", ["Le360", "Le Monde"], score=0.95,
              matched_at=now - dt.timedelta(hours=2))
    seed.told("تعاون أمني مغربي فرنسي", ["Hespress"], score=0.75, language="ar", matched_at=now - dt.timedelta(hours=3))
    # matched before the first digest's 24-hour window, published within max_age_days (7)
    seed.told("Vieille affaire", ["Le360"], score=0.9, matched_at=now - dt.timedelta(days=5))
    return seed


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_dry_run_prints_and_records_nothing(seeded: Seeder) -> None:
    code, out = run("digest", "--dry-run", "--subscription", "secops-daily")
    assert code == 0
    assert "Subject: [newswatch] secops-daily: 2 new stories — Coopération sécuritaire" in out
    assert "تعاون أمني" in out and "Vieille affaire" not in out
    code, out = run("deliveries")
    assert (code, out.strip()) == (0, "no deliveries yet")


def test_digest_without_smtp_or_webhook_goes_to_the_outbox_and_says_so(seeded: Seeder, nw_env: Path) -> None:
    code, out = run("digest")
    assert code == 0, out
    assert "secops-daily digest #1: sent, 2 stories, via outbox" in out
    assert "no SMTP server configured (NEWSWATCH_SMTP_HOST)" in out
    assert "secops-slack digest #2: sent, 2 stories, via outbox" in out
    assert "$NEWSWATCH_SLACK_WEBHOOK_SECOPS is not set" in out
    files = sorted(p.name for p in (nw_env / "outbox").iterdir())
    assert files == ["000001-secops-daily.eml", "000002-secops-slack.json"]
    code, out = run("digest")
    assert code == 0 and out.count(": nothing,") + out.count(": nothing (") == 2
    code, out = run("deliveries")
    lines = out.strip().splitlines()
    assert len(lines) == 3 and all(" sent " in line for line in lines[1:])


def test_since_reaches_further_back_but_never_resends(seeded: Seeder) -> None:
    assert run("digest", "-s", "secops-daily")[0] == 0
    code, out = run("digest", "-s", "secops-daily", "--since", "2020-01-01")
    assert code == 0 and "secops-daily digest #2: sent, 1 story" in out  # only the old story is new


def test_bad_arguments_are_one_clear_line(seeded: Seeder) -> None:
    code, out = run("digest", "-s", "nope")
    assert code == 2 and out.startswith("Error: ") and "unknown subscription 'nope'; known: secops-daily, secops-slack, ops" in out
    code, out = run("digest", "--since", "yesterday")
    assert code == 2 and "expected a date like 2026-11-20" in out
    code, out = run("deliveries", "--retry", "99")
    assert code == 2 and out.strip() == "Error: no delivery 99"


def test_bad_smtp_security_is_one_clear_line(seeded: Seeder, monkeypatch: pytest.MonkeyPatch) -> None:
    from newswatch.settings import reset_settings

    monkeypatch.setenv("NEWSWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSWATCH_SMTP_SECURITY", "ssl3")
    reset_settings()
    code, out = run("digest")
    assert code == 2 and "NEWSWATCH_SMTP_SECURITY='ssl3': expected one of starttls, tls, none" in out


def test_bad_config_is_reported_with_subscription_and_field(nw_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    bad = tmp_path / "alerts.yaml"
    bad.write_text("subscriptions:\n  - name: x\n    channel: {type: slack, webhook_env: 'https://hooks'}\n"
                   "    topics: [t]\n    schedule: {cron: '30 7 * * *', timezone: Africa/Casablanca}\n")
    monkeypatch.setenv("NEWSWATCH_ALERTS_FILE", str(bad))
    from newswatch.settings import reset_settings

    reset_settings()
    code, out = run("digest")
    assert code == 2 and "subscription 'x': field 'channel.webhook_env'" in out


def test_schedule_list_shows_local_fire_times(nw_env: Path) -> None:
    code, out = run("schedule", "--list", "--count", "2")
    assert code == 0
    daily = next(line for line in out.splitlines() if line.startswith("digest:secops-daily:"))
    assert daily.count("T07:30:00") == 2
    assert "crawl:" in out and "retry:" in out and "health:" in out
