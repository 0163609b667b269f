"""Outbox channel: messages written as files when no SMTP server or webhook is configured.

E-mails become ``<delivery>-<subscription>.eml`` (open them in any mail client), Slack
messages ``<delivery>-<subscription>.json``. Writes are atomic and named by delivery, so
writing the same delivery twice leaves one file: the outbox never holds a duplicate.

Settings read: ``NEWSWATCH_OUTBOX_DIR`` (default ``DATA_DIR/outbox``).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from alerts.channels import ChannelError


def _name(delivery_id: int, subscription: str, suffix: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]", "-", subscription)
    return f"{delivery_id:06d}-{slug}{suffix}"


def _write_atomic(path: Path, data: bytes) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise ChannelError(f"outbox {path.parent}: cannot write: {exc.strerror or exc}") from exc
    return path


def write_eml(msg: EmailMessage, outbox: Path, delivery_id: int, subscription: str) -> Path:
    return _write_atomic(outbox / _name(delivery_id, subscription, ".eml"), msg.as_bytes())


def write_json(messages: list[dict[str, Any]], outbox: Path, delivery_id: int, subscription: str) -> Path:
    data = json.dumps({"subscription": subscription, "delivery": delivery_id, "messages": messages},
                      ensure_ascii=False, indent=2).encode("utf-8")
    return _write_atomic(outbox / _name(delivery_id, subscription, ".json"), data)
