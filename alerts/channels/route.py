"""Route a rendered message to a subscription's channel, or to the outbox when unconfigured.

E-mail needs ``NEWSWATCH_SMTP_HOST``; Slack needs the environment variable the
subscription names. Without them the message goes to the outbox folder and the result
says why, so the command can tell the user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alerts.channels.email import SmtpConfig, build_message, send_email
from alerts.channels.outbox import write_eml, write_json
from alerts.channels.slack import send_slack
from alerts.render import Rendered
from alerts.subscriptions import EmailChannel, SlackChannel, Subscription


@dataclass(frozen=True)
class SendResult:
    channel: str  # email|slack|outbox
    detail: str  # where it went (recipients, webhook host, file)
    note: str = ""  # why the outbox was used, refused recipients, ...


def channel_name(sub: Subscription, smtp: SmtpConfig | None) -> str:
    """The channel a send would use now."""
    if isinstance(sub.channel, EmailChannel) and smtp is not None:
        return "email"
    if isinstance(sub.channel, SlackChannel) and sub.channel.webhook_url():
        return "slack"
    return "outbox"


def send(
    rendered: Rendered,
    sub: Subscription,
    delivery_id: int,
    *,
    smtp: SmtpConfig | None,
    sender: str,
    outbox: Path,
    slack_start: int = 0,
    on_slack_sent: Callable[[int], None] | None = None,
) -> SendResult:
    channel = sub.channel
    if isinstance(channel, SlackChannel):
        url = channel.webhook_url()
        if url:
            send_slack(rendered.slack, url, start=slack_start, on_sent=on_slack_sent)
            return SendResult("slack", f"{len(rendered.slack)} message(s) to ${channel.webhook_env}")
        path = write_json(rendered.slack, outbox, delivery_id, sub.name)
        return SendResult("outbox", str(path), f"${channel.webhook_env} is not set")
    to = channel.to if isinstance(channel, EmailChannel) else []
    msg = build_message(rendered, sender=smtp.sender if smtp else sender, to=to or [sender],
                        delivery_id=delivery_id, subscription=sub.name)
    if isinstance(channel, EmailChannel) and smtp is not None:
        refused = send_email(msg, smtp)
        note = f"refused by the server: {', '.join(refused)}" if refused else ""
        return SendResult("email", ", ".join(to), note)
    path = write_eml(msg, outbox, delivery_id, sub.name)
    why = "no SMTP server configured (NEWSWATCH_SMTP_HOST)" if isinstance(channel, EmailChannel) else "outbox channel"
    return SendResult("outbox", str(path), why)
