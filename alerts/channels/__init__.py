"""Delivery channels: e-mail (SMTP), Slack (incoming webhook) and the outbox folder.

Each channel is a thin adapter that sends an already rendered message and raises
``ChannelError`` with one clear line when it cannot; ``route`` picks the channel of a
subscription (an unconfigured channel falls back to the outbox, never half-runs).
"""

from __future__ import annotations


class ChannelError(RuntimeError):
    """A send failed; the message says why in one line (never a secret)."""
