"""Slack channel: Block Kit messages posted to an incoming webhook through slack_sdk.

The webhook URL is a secret: it comes from the environment variable a subscription
names and never appears in logs or errors. A long digest is several messages; the
caller is told after each one is accepted, so a retry resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.webhook import WebhookClient

from alerts.channels import ChannelError


def _where(url: str) -> str:
    return urlsplit(url).netloc or "webhook"


def send_slack(
    messages: Sequence[dict[str, Any]],
    url: str,
    *,
    start: int = 0,
    on_sent: Callable[[int], None] | None = None,
    timeout: int = 30,
) -> None:
    """Post ``messages[start:]`` in order; ``on_sent(i + 1)`` after message ``i`` is accepted."""
    client = WebhookClient(url, timeout=timeout)
    for index in range(start, len(messages)):
        message = messages[index]
        try:
            response = client.send(text=message.get("text", ""), blocks=message.get("blocks"))
        except Exception as exc:  # slack_sdk raises URLError, TimeoutError, ... ; the URL is secret
            raise ChannelError(f"Slack webhook at {_where(url)}: {type(exc).__name__}") from exc
        if response.status_code != 200:
            body = (response.body or "")[:200].replace("\n", " ")
            raise ChannelError(f"Slack webhook at {_where(url)}: HTTP {response.status_code} {body}")
        if on_sent is not None:
            on_sent(index + 1)
