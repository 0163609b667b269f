"""config/alerts.yaml: the shipped file loads; every error names the subscription and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.subscriptions import AlertsConfigError, EmailChannel, SlackChannel, load_alerts, parse_alerts

PROJECT = Path(__file__).resolve().parent.parent
OK = {"name": "s", "channel": {"type": "email", "to": ["a@b.example"]}, "topics": ["t"],
      "schedule": {"cron": "30 7 * * *", "timezone": "Africa/Casablanca"}}


def test_shipped_config_has_the_three_promised_subscriptions() -> None:
    config = load_alerts(PROJECT / "config" / "alerts.yaml")
    daily = next(s for s in config.subscriptions if isinstance(s.channel, EmailChannel) and s.schedule)
    assert (daily.schedule.cron, daily.schedule.timezone) == ("30 7 * * *", "Africa/Casablanca")
    assert "security-cooperation" in daily.topics
    slack = next(s for s in config.subscriptions if isinstance(s.channel, SlackChannel))
    assert slack.channel.webhook_env.isupper() and "://" not in slack.channel.webhook_env
    assert [s.name for s in config.health_subscriptions] == ["ops"]
    assert config.crawl.schedule is not None and config.crawl.argv()[-1] == "crawl"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"schedule": {"cron": "30 25 * * *", "timezone": "UTC"}}, "subscription 's': field 'schedule': "),
        ({"schedule": {"cron": "30 7 * * *", "timezone": "Mars/Olympus"}},
         "subscription 's': field 'schedule.timezone': unknown time zone 'Mars/Olympus'"),
        ({"channel": {"type": "slack", "webhook_env": "https://hooks.slack.com/services/x"}},
         "subscription 's': field 'channel.webhook_env': put the webhook URL in an environment variable"),
        ({"channel": {"type": "email", "to": ["not-an-address"]}},
         "subscription 's': field 'channel.to': 'not-an-address' is not an e-mail address"),
        ({"channel": {"type": "pigeon"}}, "subscription 's': field 'channel': type must be one of email, slack, outbox"),
        ({"languages": ["fr", "de"]}, "subscription 's': field 'languages': unknown language 'de'"),
        ({"min_score": -1}, "subscription 's': field 'min_score': "),
        ({"topcis": ["t"]}, "subscription 's': field 'topcis': unknown field"),
        ({"topics": []}, "subscription 's': field '(subscription)': topics: a digest or immediate subscription"),
        ({"name": "bad name!"}, "subscription 'bad name!': field 'name': "),
    ],
)
def test_errors_name_the_subscription_and_the_field(change: dict, expected: str) -> None:
    with pytest.raises(AlertsConfigError) as err:
        parse_alerts({"subscriptions": [{**OK, **change}]}, origin="alerts.yaml")
    assert f"alerts.yaml: {expected}" in str(err.value)


def test_every_bad_subscription_is_reported_at_once_and_duplicates_too() -> None:
    data = {"subscriptions": [OK, {**OK, "min_score": "high"}, OK, {"name": "x"}]}
    with pytest.raises(AlertsConfigError) as err:
        parse_alerts(data)
    lines = str(err.value).splitlines()
    assert any("subscription 's': field 'min_score'" in line for line in lines)
    assert any("subscription 's': field 'name': duplicate name" in line for line in lines)
    assert any("subscription 'x': field 'channel': Field required" in line for line in lines)


def test_top_level_sections_are_validated(tmp_path: Path) -> None:
    with pytest.raises(AlertsConfigError, match="field 'delivery.max_attempts'"):
        parse_alerts({"delivery": {"max_attempts": 0}})
    with pytest.raises(AlertsConfigError, match="field 'crawl.command': Value error, empty command|empty command"):
        parse_alerts({"crawl": {"command": ""}})
    bad = tmp_path / "alerts.yaml"
    bad.write_text("subscriptions: [\n", encoding="utf-8")
    with pytest.raises(AlertsConfigError, match="invalid YAML"):
        load_alerts(bad)
    assert load_alerts(tmp_path / "missing.yaml").subscriptions == []


def test_crawl_command_runs_this_interpreter() -> None:
    import sys

    config = parse_alerts({"crawl": {"command": "newswatch crawl --days 1"}})
    assert config.crawl.argv() == [sys.executable, "-m", "newswatch.cli", "crawl", "--days", "1"]
    assert parse_alerts({"crawl": {"command": ["sh", "-c", "true"]}}).crawl.argv() == ["sh", "-c", "true"]
