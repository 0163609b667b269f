"""Running alerts: digests, immediate alerts, health alerts and retries, end to end.

Glue between the pure parts (``digest``, ``health``, ``render``), the ledger and the
channels. Each public function returns ``Outcome`` records that the CLI prints and the
scheduler logs; none of them raises for a failed send (the ledger records it and a later
run retries).

Settings read: SMTP_* and OUTBOX_DIR (through ``AlertsRuntime.from_settings``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from alerts import ledger, queries
from alerts.channels import ChannelError
from alerts.channels.email import SmtpConfig
from alerts.channels.route import channel_name, send
from alerts.digest import Digest, Selection, build_digest
from alerts.health import find_issues
from alerts.render import Rendered, render_digest, render_health
from alerts.subscriptions import AlertsConfig, Subscription

log = logging.getLogger("newswatch.alerts")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class AlertsRuntime:
    """Everything a run needs: the database, the subscriptions, where and how to send."""

    engine: Engine
    config: AlertsConfig
    smtp: SmtpConfig | None
    sender: str
    outbox: Path
    clock: Callable[[], datetime] = utcnow

    @classmethod
    def from_settings(cls, engine: Engine, config: AlertsConfig, settings: Any) -> AlertsRuntime:
        return cls(
            engine=engine,
            config=config,
            smtp=SmtpConfig.from_settings(settings),
            sender=str(getattr(settings, "smtp_from", "newswatch@localhost")),
            outbox=Path(settings.resolved_outbox_dir),
        )


@dataclass
class Outcome:
    subscription: str
    kind: str
    status: str  # sent|pending|failed|nothing|dry-run|skipped
    delivery_id: int | None = None
    channel: str = ""
    stories: int = 0
    detail: str = ""
    note: str = ""
    preview: Rendered | None = field(default=None, repr=False)

    def line(self) -> str:
        ref = f" #{self.delivery_id}" if self.delivery_id else ""
        parts = [f"{self.subscription} {self.kind}{ref}: {self.status}"]
        if self.stories:
            parts.append(f"{self.stories} stor{'y' if self.stories == 1 else 'ies'}")
        if self.channel:
            parts.append(f"via {self.channel}")
        if self.detail:
            parts.append(f"→ {self.detail}")
        line = ", ".join(parts)
        return f"{line} ({self.note})" if self.note else line


def _zone(sub: Subscription) -> tzinfo:
    return ZoneInfo(sub.schedule.timezone) if sub.schedule else UTC


# ------------------------------------------------------------------------ sending
def send_delivery(rt: AlertsRuntime, delivery_id: int) -> Outcome:
    """Claim one pending delivery, send it, record the result."""
    now = rt.clock()
    row = ledger.get(rt.engine, delivery_id)
    if row is None:
        return Outcome("?", "?", "skipped", delivery_id, note="no such delivery")
    stories = len((row.payload or {}).get("story_ids") or [])
    try:
        sub = rt.config.get(row.subscription)
    except ValueError:
        return Outcome(row.subscription, row.kind, "skipped", delivery_id, stories=stories,
                       note="subscription no longer in alerts.yaml; left pending")
    if not ledger.claim(rt.engine, delivery_id, now, rt.config.delivery):
        return Outcome(sub.name, row.kind, "skipped", delivery_id, stories=stories, note="not due or being sent")
    row = ledger.get(rt.engine, delivery_id) or row  # fresh after the claim (Slack progress)
    payload = row.payload or {}
    rendered = Rendered.from_payload(payload)
    try:
        result = send(
            rendered, sub, delivery_id, smtp=rt.smtp, sender=rt.sender, outbox=rt.outbox,
            slack_start=int(payload.get("slack_sent") or 0),
            on_slack_sent=lambda n: ledger.record_progress(rt.engine, delivery_id, n),
        )
    except ChannelError as exc:
        status = ledger.mark_failed(rt.engine, delivery_id, error=str(exc), now=rt.clock(), policy=rt.config.delivery)
        log.warning("delivery %s to %s: %s (now %s)", delivery_id, sub.name, exc, status)
        return Outcome(sub.name, row.kind, status, delivery_id, channel_name(sub, rt.smtp), stories, note=str(exc))
    ledger.mark_sent(rt.engine, delivery_id, channel=result.channel, now=rt.clock(), note=result.note)
    log.info("delivery %s to %s sent via %s: %s", delivery_id, sub.name, result.channel, result.detail)
    return Outcome(sub.name, row.kind, "sent", delivery_id, result.channel, stories, result.detail, result.note)


def retry_due(rt: AlertsRuntime, subscription: str | None = None) -> list[Outcome]:
    """Send every pending delivery whose next attempt is due."""
    return [send_delivery(rt, i) for i in ledger.due(rt.engine, rt.clock(), subscription)]


# ------------------------------------------------------------------------ digests
def _window_start(rt: AlertsRuntime, sub: Subscription, kinds: tuple[str, ...], now: datetime) -> datetime:
    last = ledger.last_window_end(rt.engine, sub.name, kinds)
    if last is None:
        return now - timedelta(hours=sub.first_lookback_hours)
    return last - timedelta(hours=rt.config.delivery.window_overlap_hours)


def build(rt: AlertsRuntime, sub: Subscription, *, kind: str = "digest", since: datetime | None = None) -> Digest:
    """The digest the subscription would get now (reads the database, writes nothing)."""
    now = rt.clock()
    if kind == "immediate":
        if sub.immediate is None:
            raise ValueError(f"subscription {sub.name!r} has no immediate mode")
        min_score = max(sub.min_score, sub.immediate.min_score)
        start = since or _window_start(rt, sub, ("immediate",), now)
    else:
        min_score = sub.min_score
        start = since or _window_start(rt, sub, ("digest",), now)
    max_age = timedelta(days=sub.max_age_days) if sub.max_age_days else None
    selection = Selection(frozenset(sub.topics), min_score, frozenset(sub.languages), max_age)
    items = queries.match_items(rt.engine, sub.topics, start, now)
    delivered = ledger.delivered_story_keys(rt.engine, sub.name)
    return build_digest(sub.name, items, selection, delivered=delivered, since=start, until=now)


def deliver_digest(rt: AlertsRuntime, sub: Subscription, digest: Digest, *, kind: str = "digest") -> Outcome:
    """Reserve the digest's stories in the ledger, then send it."""
    rendered = render_digest(digest, zone=_zone(sub), kind=kind)
    payload = {
        **rendered.to_payload(),
        "since": digest.since.isoformat(),
        "until": digest.until.isoformat(),
        "story_keys": digest.story_keys,
        "topic_counts": digest.topic_counts,
    }
    stories = [ledger.StoryRef(e.story_id, e.article_ids, e.title) for e in digest.entries]
    try:
        delivery_id = ledger.reserve(
            rt.engine, subscription=sub.name, kind=kind, channel=channel_name(sub, rt.smtp),
            payload=payload, stories=stories, now=rt.clock(),
        )
    except ledger.AlreadyDelivered as exc:
        return Outcome(sub.name, kind, "skipped", note=str(exc))
    return send_delivery(rt, delivery_id)


def run_digest(
    rt: AlertsRuntime, sub: Subscription, *, since: datetime | None = None, dry_run: bool = False,
    kind: str = "digest",
) -> list[Outcome]:
    """Retry the subscription's due deliveries, then build and send its new digest."""
    outcomes = [] if dry_run else retry_due(rt, sub.name)
    digest = build(rt, sub, kind=kind, since=since)
    if dry_run and digest.empty and not sub.send_empty:
        outcomes.append(Outcome(sub.name, kind, "nothing", note="nothing new; nothing would be sent"))
        return outcomes
    if dry_run:
        rendered = render_digest(digest, zone=_zone(sub), kind=kind)
        outcomes.append(Outcome(sub.name, kind, "dry-run", channel=channel_name(sub, rt.smtp),
                                stories=len(digest.entries), preview=rendered))
        return outcomes
    if digest.empty and not sub.send_empty:
        outcomes.append(Outcome(sub.name, kind, "nothing", note="nothing new; no message"))
        return outcomes
    outcomes.append(deliver_digest(rt, sub, digest, kind=kind))
    return outcomes


def test_message(sub: Subscription, now: datetime) -> Rendered:
    """A short message that proves the channel works (``newswatch notify --test``)."""
    stamp = now.astimezone(_zone(sub)).strftime("%Y-%m-%d %H:%M %Z")
    text = (f"This is a test message from newswatch for the subscription {sub.name!r}, sent {stamp}.\n"
            "If you can read it, digests and alerts reach you through this channel.\n")
    html = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
    slack = [{"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}]
    return Rendered(f"[newswatch] test message for {sub.name}", text, html, slack)


def send_test(rt: AlertsRuntime, sub: Subscription) -> Outcome:
    """Record a ``test`` delivery (no stories) and send it through the subscription's real channel."""
    now = rt.clock()
    rendered = test_message(sub, now)
    delivery_id = ledger.reserve(rt.engine, subscription=sub.name, kind="test", channel=channel_name(sub, rt.smtp),
                                 payload={**rendered.to_payload(), "until": now.isoformat()}, stories=[], now=now)
    return send_delivery(rt, delivery_id)


def run_immediate(rt: AlertsRuntime) -> list[Outcome]:
    """Immediate alerts of every subscription that has them (after each crawl)."""
    outcomes: list[Outcome] = []
    for sub in rt.config.subscriptions:
        if sub.immediate is None:
            continue
        digest = build(rt, sub, kind="immediate")
        if digest.empty:
            continue
        outcomes.append(deliver_digest(rt, sub, digest, kind="immediate"))
    return outcomes


def run_health(rt: AlertsRuntime) -> list[Outcome]:
    """Check crawl health and alert the ops subscription(s) about new problems."""
    policy = rt.config.health
    now = rt.clock()
    issues = find_issues(now, queries.outlet_activity(rt.engine), queries.crawl_runs(rt.engine, policy.baseline_runs + 20), policy)
    outcomes: list[Outcome] = []
    for sub in rt.config.health_subscriptions:
        seen = ledger.recent_health_keys(rt.engine, sub.name, now - timedelta(hours=policy.repeat_after_hours))
        fresh = [i for i in issues if i.key not in seen]
        if not fresh:
            continue
        rendered = render_health(fresh, sub.name)
        payload = {**rendered.to_payload(), "issue_keys": [i.key for i in fresh], "until": now.isoformat()}
        delivery_id = ledger.reserve(rt.engine, subscription=sub.name, kind="health",
                                     channel=channel_name(sub, rt.smtp), payload=payload, stories=[], now=now)
        outcomes.append(send_delivery(rt, delivery_id))
    return outcomes
