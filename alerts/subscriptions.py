"""Subscriptions as data: the typed records behind ``config/alerts.yaml``.

A subscription says who gets what and when: a channel (e-mail recipients, or a Slack
webhook given by the *name* of an environment variable — secrets never sit in config),
topics, a minimum score, languages, a cron schedule in a time zone, and an optional
immediate mode. The file also holds the crawl schedule, the delivery retry policy and the
crawl-health thresholds. A load error names the subscription and the field
(``AlertsConfigError``), so a typo says where to look.

Settings read: ``NEWSWATCH_ALERTS_FILE`` / ``NEWSWATCH_CONFIG_DIR`` (via the caller).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from alerts.triggers import WallClockCronTrigger
from common.config_files import describe_error, read_yaml, validate_entries
from common.languages import check_languages
from common.zones import check_zone

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$")


class AlertsConfigError(ValueError):
    """alerts.yaml is unreadable or a subscription in it is invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Schedule(_Strict):
    """A five-field cron expression evaluated in an IANA time zone."""

    cron: str = Field(description="Cron expression, e.g. '30 7 * * *' (minute hour day month weekday).")
    timezone: str = Field(default="UTC", description="IANA zone, e.g. Africa/Casablanca.")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)

    @model_validator(mode="after")
    def _cron(self) -> Schedule:
        try:
            self.trigger()
        except ValueError as exc:
            raise ValueError(f"cron: {self.cron!r} is not a valid 5-field cron expression: {exc}") from exc
        return self

    def trigger(self) -> WallClockCronTrigger:
        return WallClockCronTrigger.from_crontab(self.cron, timezone=ZoneInfo(self.timezone))


class EmailChannel(_Strict):
    type: Literal["email"]
    to: list[str] = Field(min_length=1, description="Recipient addresses.")

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if not _EMAIL.match(address):
                raise ValueError(f"{address!r} is not an e-mail address")
        return value


class SlackChannel(_Strict):
    type: Literal["slack"]
    webhook_env: str = Field(description="NAME of the environment variable holding the webhook URL.")

    @field_validator("webhook_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if value.startswith(("http://", "https://")):
            raise ValueError("put the webhook URL in an environment variable and give its NAME here")
        if not _ENV_NAME.match(value):
            raise ValueError(f"{value!r} is not an environment variable name (A-Z, 0-9, _)")
        return value

    def webhook_url(self) -> str:
        return os.environ.get(self.webhook_env, "").strip()


class OutboxChannel(_Strict):
    type: Literal["outbox"]


Channel = EmailChannel | SlackChannel | OutboxChannel


def _on_score_scale(value: float) -> float:
    """Match scores are on one 0-1 scale (see docs/rules.md): above 1 nothing would ever pass."""
    if value > 1:
        raise ValueError(f"scores are on the 0-1 scale: no match can reach {value}")
    return value


class Immediate(_Strict):
    """Send matches at or above ``min_score`` (0-1) right after each crawl instead of waiting."""

    min_score: float = Field(ge=0)

    _scale = field_validator("min_score")(_on_score_scale)


class Subscription(_Strict):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    channel: Channel = Field(discriminator="type")
    topics: list[str] = Field(default_factory=list, description="Topics to include; empty = none (ops only).")
    min_score: float = Field(default=0.0, ge=0, description="Lowest match score (0-1) included; unset = every match.")
    languages: list[str] = Field(default_factory=list, description="Languages to include; empty = all.")
    schedule: Schedule | None = Field(default=None, description="When the digest goes out; none = no digest.")
    immediate: Immediate | None = None
    health: bool = Field(default=False, description="Receives crawl-health alerts (the ops subscription).")
    send_empty: bool = Field(default=False, description="Send a 'nothing new' message when there is nothing.")
    first_lookback_hours: float = Field(default=24, gt=0, description="Window of the very first digest.")
    max_age_days: float | None = Field(
        default=7, gt=0, description="Leave out articles published longer ago (old news matched by a rematch)."
    )

    _scale = field_validator("min_score")(_on_score_scale)

    _languages = field_validator("languages")(check_languages)

    @model_validator(mode="after")
    def _useful(self) -> Subscription:
        if (self.schedule or self.immediate) and not self.topics:
            raise ValueError("topics: a digest or immediate subscription needs at least one topic")
        if not (self.schedule or self.immediate or self.health):
            raise ValueError("schedule: give a schedule, an immediate mode or 'health: true'")
        return self


class DeliveryPolicy(_Strict):
    """Retries: a failed send waits backoff_seconds * 2**(attempts-1), capped, up to max_attempts."""

    max_attempts: int = Field(default=8, ge=1)
    backoff_seconds: float = Field(default=300, ge=0)
    backoff_max_seconds: float = Field(default=6 * 3600, ge=0)
    claim_seconds: float = Field(
        default=600, ge=0, description="A send in progress is not retried by another run for this long."
    )
    window_overlap_hours: float = Field(
        default=6, ge=0, description="How far before the last digest's end the next one looks (late commits)."
    )
    retry_every_minutes: float = Field(default=10, gt=0, description="Scheduler: how often due retries run.")


class CrawlJob(_Strict):
    command: list[str] | str = Field(default="newswatch crawl", description="Command line of the daily crawl.")
    schedule: Schedule | None = Field(default=None, description="None = the scheduler does not crawl.")
    timeout_minutes: float = Field(default=240, gt=0)

    def argv(self) -> list[str]:
        """The command as argv; a leading ``newswatch`` runs this interpreter's CLI (no PATH needed)."""
        argv = shlex.split(self.command) if isinstance(self.command, str) else list(self.command)
        if argv and argv[0] == "newswatch":
            argv = [sys.executable, "-m", "newswatch.cli", *argv[1:]]
        return argv

    @field_validator("command")
    @classmethod
    def _non_empty(cls, value: list[str] | str) -> list[str] | str:
        argv = shlex.split(value) if isinstance(value, str) else value
        if not argv:
            raise ValueError("empty command")
        return value


class PollJob(_Strict):
    """Near-real-time polling (``newswatch watch``, or the scheduler's ``poll`` job): feeds and
    news sitemaps re-read with conditional GETs every few minutes, immediate alerts after each pass."""

    every_minutes: float = Field(default=2, gt=0, description="Minutes between the starts of two passes.")
    outlets: list[str] = Field(default_factory=list, description="Outlets to poll; empty = all enabled.")
    timeout_minutes: float = Field(default=15, gt=0, description="A pass still running after this is stopped.")

    def argv(self, report: str | None = None) -> list[str]:
        """One poll pass as a subprocess of this interpreter (Twisted's reactor runs once per process)."""
        argv = [sys.executable, "-m", "newswatch.cli", "watch", "--one-pass"]
        for name in self.outlets:
            argv += ["--outlet", name]
        return [*argv, "--report", report] if report else argv


class HealthPolicy(_Strict):
    quiet_hours: float = Field(default=48, gt=0, description="An outlet with no new article this long is quiet.")
    error_rate_min: float = Field(default=0.25, ge=0, le=1, description="Error rate that can raise an alert.")
    error_rate_jump: float = Field(
        default=0.2, ge=0, le=1, description="Alert when the last run's error rate exceeds the usual by this."
    )
    baseline_runs: int = Field(default=7, ge=1, description="Earlier runs forming the usual error rate.")
    min_pages: int = Field(default=5, ge=1, description="Ignore error rates over fewer pages than this.")
    repeat_after_hours: float = Field(default=24, gt=0, description="Do not repeat the same alert sooner.")
    failed_runs: int = Field(
        default=3, ge=1, description="Alert when an outlet failed (blocked, unreachable, errors and no article) "
        "this many runs in a row, whatever its page count."
    )


class AlertsConfig(_Strict):
    subscriptions: list[Subscription] = Field(default_factory=list)
    delivery: DeliveryPolicy = Field(default_factory=DeliveryPolicy)
    crawl: CrawlJob = Field(default_factory=CrawlJob)
    health: HealthPolicy = Field(default_factory=HealthPolicy)
    poll: PollJob | None = Field(default=None, description="None = the scheduler does not poll.")

    def get(self, name: str) -> Subscription:
        for sub in self.subscriptions:
            if sub.name == name:
                return sub
        known = ", ".join(s.name for s in self.subscriptions) or "none"
        raise AlertsConfigError(f"unknown subscription {name!r}; known: {known}")

    @property
    def health_subscriptions(self) -> list[Subscription]:
        return [s for s in self.subscriptions if s.health]


def _drop_channel_tag(loc: tuple[Any, ...]) -> list[str]:
    """Drop the discriminator tag pydantic inserts ("channel.email.to" -> "channel.to")."""
    parts = [str(part) for part in loc]
    if len(parts) >= 2 and parts[0] == "channel" and parts[1] in ("email", "slack", "outbox"):
        parts = [parts[0], *parts[2:]]
    return parts


def _describe(error: Any) -> str:
    if error["type"] == "union_tag_invalid":
        return f"field {'.'.join(_drop_channel_tag(error['loc']))!r}: type must be one of email, slack, outbox"
    return describe_error(error, whole="(subscription)", loc=_drop_channel_tag)


def score_problems(sub: Subscription, thresholds: dict[str, float], origin: str) -> list[str]:
    """A ``min_score`` at or below a topic's own threshold lets every match of it through:
    written down, it is a mistake about the scale (e.g. 0.5 meant as "half")."""
    problems = []
    fields: list[tuple[str, float]] = []
    if "min_score" in sub.model_fields_set:
        fields.append(("min_score", sub.min_score))
    if sub.immediate is not None:
        fields.append(("immediate.min_score", sub.immediate.min_score))
    for name, value in fields:
        for topic in sub.topics:
            limit = thresholds.get(topic)
            if limit is not None and value <= limit:
                problems.append(
                    f"{origin}: subscription {sub.name!r}: field {name!r}: {value} does not filter anything: every "
                    f"match of {topic!r} scores above its threshold {limit} (scores are 0-1; use a value above it)"
                )
    return problems


def rule_thresholds(rules_dir: Path | None = None) -> dict[str, float]:
    """Each topic's threshold from the rule files ({} if they cannot be read: the rules'
    own loader reports that, with file and field)."""
    from pipelines.matching.rules import RulesError, load_rule_files

    if rules_dir is None:
        from common.settings import get_settings

        rules_dir = get_settings().resolved_rules_dir
    try:
        return {topic.topic: topic.threshold for topic, _, _ in load_rule_files(Path(rules_dir))}
    except RulesError:
        return {}


def parse_alerts(
    data: Any, origin: str = "alerts.yaml", thresholds: dict[str, float] | None = None
) -> AlertsConfig:
    """Validate the parsed YAML; raise one ``AlertsConfigError`` listing every problem.

    ``thresholds`` (topic -> rule threshold): also reject min_scores that filter nothing."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise AlertsConfigError(f"{origin}: expected a mapping with a 'subscriptions:' list")
    raw_subs = data.get("subscriptions") or []
    if not isinstance(raw_subs, list):
        raise AlertsConfigError(f"{origin}: 'subscriptions' must be a list")
    subs, problems = validate_entries(
        raw_subs,
        Subscription,
        origin=origin,
        kind="subscription",
        describe=_describe,
        check=lambda sub: score_problems(sub, thresholds or {}, origin),
    )
    rest = {k: v for k, v in data.items() if k != "subscriptions"}
    try:
        config = AlertsConfig.model_validate({**rest, "subscriptions": []})
    except ValidationError as exc:
        problems.extend(f"{origin}: {_describe(err)}" for err in exc.errors())
        config = None
    if problems or config is None:
        raise AlertsConfigError("\n".join(problems))
    return config.model_copy(update={"subscriptions": subs})


_NO_FILE = object()


def load_alerts(path: Path | str, rules_dir: Path | str | None = None) -> AlertsConfig:
    """Read and validate an alerts file; a missing file means no subscriptions. Score
    fields are checked against the topics' thresholds (rules of ``rules_dir`` or the settings')."""
    data = read_yaml(path, AlertsConfigError, missing=_NO_FILE)
    if data is _NO_FILE:
        return AlertsConfig()
    return parse_alerts(data, origin=str(path), thresholds=rule_thresholds(Path(rules_dir) if rules_dir else None))


def load_health_policy(path: Path | str) -> HealthPolicy:
    """Only the ``health:`` thresholds of an alerts file, for readers that show health
    (the dashboard) without sending anything: the defaults when the file or the section is
    missing or invalid (``newswatch alerts check`` reports those errors, with file and field)."""
    try:
        data = read_yaml(path, AlertsConfigError, missing=None)
        section = data.get("health") if isinstance(data, dict) else None
        return HealthPolicy.model_validate(section or {})
    except (AlertsConfigError, ValidationError):
        return HealthPolicy()
