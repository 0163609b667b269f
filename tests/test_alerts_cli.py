"""``newswatch digest``, ``deliveries`` and ``schedule --list`` with the shipped config/alerts.yaml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_alerts_support import Seeder

from common.settings import get_settings
from newswatch.cli import cli
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
    from common.settings import reset_settings

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
    from common.settings import reset_settings

    reset_settings()
    code, out = run("digest")
    assert code == 2 and "subscription 'x': field 'channel.webhook_env'" in out


def test_schedule_list_shows_local_fire_times(nw_env: Path) -> None:
    code, out = run("schedule", "--list", "--count", "2")
    assert code == 0
    daily = next(line for line in out.splitlines() if line.startswith("digest:secops-daily:"))
    assert daily.count("T07:30:00") == 2
    assert "crawl:" in out and "retry:" in out and "health:" in out


# ---------------------------------------------------------------- consistency (issue 13)
def test_dry_run_says_nothing_would_be_sent_when_send_empty_is_false(seeded: Seeder) -> None:
    assert run("digest", "-s", "secops-daily")[0] == 0  # both stories delivered
    code, out = run("digest", "--dry-run", "-s", "secops-daily")
    assert code == 0 and "Subject:" not in out
    assert out.strip() == "secops-daily digest: nothing (nothing new; nothing would be sent)"


def test_digest_exits_1_while_a_delivery_is_pending_and_sent_rows_show_no_stale_error(
        seeded: Seeder, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from alerts import ledger
    from common.settings import reset_settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("NEWSWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSWATCH_SMTP_PORT", str(port))
    monkeypatch.setenv("NEWSWATCH_SMTP_SECURITY", "none")
    reset_settings()
    code, out = run("digest", "-s", "secops-daily")
    assert code == 1, out
    assert "secops-daily digest #1: pending" in out and "1 delivery(ies) pending, 0 failed" in out
    engine = get_engine(get_settings().resolved_database_url)
    assert ledger.get(engine, 1).last_error
    ledger.mark_sent(engine, 1, channel="email", now=dt.datetime.now(dt.UTC), note="")
    assert ledger.get(engine, 1).last_error is None
    code, out = run("deliveries")
    assert code == 0 and "Connection refused" not in out and "refused" not in out.splitlines()[1]


def test_one_requeue_resets_attempts_for_cli_and_dashboard(seeded: Seeder) -> None:
    from sqlalchemy import update

    from alerts import ledger
    from storage.db import session_scope
    from storage.models import Delivery

    assert run("digest", "-s", "secops-daily")[0] == 0
    engine = get_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        session.execute(update(Delivery).values(status="failed", attempts=8, last_error="HTTP 500"))
    assert not ledger.requeue(engine, 99) and ledger.requeue(engine, 99).reason == "no delivery 99"
    with session_scope(engine) as session:  # the dashboard's way: its own session
        assert ledger.requeue(session, 1)
    row = ledger.get(engine, 1)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, None)
    again = ledger.requeue(engine, 1)
    assert not again and again.reason == "delivery 1 is pending; only failed deliveries are retried"
    code, out = run("deliveries", "--retry", "1")
    assert code == 2 and out.strip() == "Error: delivery 1 is pending; only failed deliveries are retried"
