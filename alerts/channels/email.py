"""E-mail channel: a multipart (text + HTML) message sent through SMTP.

Settings read: ``NEWSWATCH_SMTP_HOST``, ``_PORT``, ``_SECURITY`` (starttls|tls|none),
``_USER``, ``_PASSWORD`` (never logged), ``_FROM``. The Message-ID is derived from the
delivery id, so a message re-sent after a crash carries the same id and mail clients can
fold the two copies together.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from alerts.channels import ChannelError
from alerts.render import Rendered, subject_line

SECURITY_MODES = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: str = "starttls"
    user: str = ""
    password: str = ""
    sender: str = "newswatch@localhost"
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, settings: object) -> SmtpConfig | None:
        """The SMTP configuration, or None when no host is set (the outbox takes over)."""
        host = str(getattr(settings, "smtp_host", "") or "").strip()
        if not host:
            return None
        security = str(getattr(settings, "smtp_security", "starttls")).lower()
        if security not in SECURITY_MODES:
            raise ChannelError(f"NEWSWATCH_SMTP_SECURITY={security!r}: expected one of {', '.join(SECURITY_MODES)}")
        return cls(
            host=host,
            port=int(getattr(settings, "smtp_port", 587)),
            security=security,
            user=str(getattr(settings, "smtp_user", "")),
            password=str(getattr(settings, "smtp_password", "")),
            sender=str(getattr(settings, "smtp_from", "newswatch@localhost")),
        )


def message_id(delivery_id: int, subscription: str, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else "newswatch.localhost"
    slug = re.sub(r"[^A-Za-z0-9.-]", "-", subscription)
    return f"<newswatch.delivery-{delivery_id}.{slug}@{domain}>"


def build_message(rendered: Rendered, *, sender: str, to: list[str], delivery_id: int, subscription: str) -> EmailMessage:
    """A MIME message: text/plain and text/html alternatives, a one-line subject."""
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = subject_line(rendered.subject)
    msg["From"] = sender
    msg["To"] = ", ".join(str(Address(addr_spec=a)) for a in to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id(delivery_id, subscription, sender)
    msg["X-Newswatch-Delivery"] = str(delivery_id)
    msg["X-Newswatch-Subscription"] = subscription
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return msg


def send_email(msg: EmailMessage, config: SmtpConfig) -> list[str]:
    """Hand the message to the SMTP server; return refused recipients (when others were accepted).

    Raises ``ChannelError`` when nothing was accepted. A partly refused message counts as
    sent: retrying it would send a second copy to the recipients who got it.
    """
    context = config.ssl_context or ssl.create_default_context()
    try:
        if config.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            client.ehlo()
            if config.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if config.user:
                client.login(config.user, config.password)
            refused = client.send_message(msg)
        return sorted(refused)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        detail = str(exc).replace(config.password, "***") if config.password else str(exc)
        raise ChannelError(f"SMTP {config.host}:{config.port} ({config.security}): {type(exc).__name__}: {detail}") from exc
