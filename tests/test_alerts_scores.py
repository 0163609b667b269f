"""Alert thresholds live on the match-score scale (0-1, docs/rules.md): a min_score no match
can reach, or one every match already exceeds, is a config error naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from alerts.subscriptions import AlertsConfigError, load_alerts, parse_alerts, rule_thresholds

PROJECT = Path(__file__).resolve().parent.parent
SUB = {"name": "s", "channel": {"type": "outbox"}, "topics": ["security-cooperation"],
       "schedule": {"cron": "30 7 * * *", "timezone": "UTC"}}
THRESHOLDS = {"security-cooperation": 0.5}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"min_score": 6}, "min_score", "no match can reach 6"),
        ({"immediate": {"min_score": 1.5}}, "immediate.min_score", "no match can reach 1.5"),
        ({"min_score": 0.5}, "min_score", "does not filter anything"),
        ({"min_score": 0.2}, "min_score", "threshold 0.5"),
        ({"immediate": {"min_score": 0.4}}, "immediate.min_score", "does not filter anything"),
    ],
)
def test_scores_off_the_scale_are_errors_naming_file_and_field(change: dict, field: str, words: str) -> None:
    with pytest.raises(AlertsConfigError) as err:
        parse_alerts({"subscriptions": [{**SUB, **change}]}, origin="conf/alerts.yaml", thresholds=THRESHOLDS)
    text = str(err.value)
    assert f"conf/alerts.yaml: subscription 's': field '{field}'" in text and words in text, text


def test_sensible_scores_and_an_unset_min_score_load() -> None:
    config = parse_alerts({"subscriptions": [{**SUB, "immediate": {"min_score": 0.85}}, {**SUB, "name": "t", "min_score": 0.6}]},
                          thresholds=THRESHOLDS)
    assert [s.min_score for s in config.subscriptions] == [0.0, 0.6]


def test_load_alerts_checks_against_the_rule_files(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(yaml.safe_dump({"subscriptions": [{**SUB, "min_score": 0.3}]}), encoding="utf-8")
    with pytest.raises(AlertsConfigError, match=r"alerts.yaml: subscription 's': field 'min_score'"):
        load_alerts(path, rules_dir=PROJECT / "config" / "rules")
    assert load_alerts(path, rules_dir=tmp_path).subscriptions  # no readable rules: no cross-check


def test_shipped_alerts_make_immediate_the_strongest_matches() -> None:
    thresholds = rule_thresholds(PROJECT / "config" / "rules")
    assert set(thresholds) >= {"security-cooperation", "organised-crime", "irregular-migration"}
    config = load_alerts(PROJECT / "config" / "alerts.yaml", rules_dir=PROJECT / "config" / "rules")
    [slack] = [s for s in config.subscriptions if s.immediate]
    assert all(thresholds[t] < slack.min_score < slack.immediate.min_score < 1 for t in slack.topics)


def test_the_dashboard_min_score_filter_is_on_the_same_scale() -> None:
    from pydantic import TypeAdapter, ValidationError

    from dashboard.deps import Score

    assert TypeAdapter(Score).validate_python(0.85) == 0.85
    with pytest.raises(ValidationError):
        TypeAdapter(Score).validate_python(6)
