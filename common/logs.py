"""Logging for the commands: short at the default level, no secrets at any level.

- Expected network failures (DNS, refused, timeout, TLS) are a line per outlet in the crawl
  summary; Scrapy also logs each one with a full traceback (its robots.txt middleware does
  so for every request of an unreachable host). ``QuietNetworkFilter`` drops those records
  at the default level; ``-v`` keeps them, tracebacks included.
- Scrapy's start-up listings (versions, middlewares, overridden settings) are DEBUG noise.
- Every record is redacted when it is made (``install_redaction``): Slack webhook URLs,
  URL passwords (DSNs, ``redis://:pw@``), and the values of the secret settings (SMTP
  password, webhooks named in alerts.yaml, dashboard token). A record factory, not a
  handler filter, so handlers added later (pytest's, uvicorn's) never see a secret either.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

NETWORK_ERRORS = (
    "DNSLookupError", "CannotResolveHostError", "ConnectionRefusedError", "DownloadConnectionRefusedError",
    "ConnectError", "TCPTimedOutError", "TimeoutError", "DownloadTimeoutError", "DownloadFailedError",
    "ConnectionLost", "ConnectionDone", "ResponseNeverReceived", "ResponseFailed", "ResponseDataLossError",
    "TunnelError", "SSLError", "Error",  # OpenSSL.SSL.Error is called "Error"
    "NoRouteError", "ConnectingCancelledError", "ConnectionAborted", "UserTimeoutError",
    "ConnectionResetError", "ConnectionAbortedError", "ConnectTimeout", "ReadTimeout", "ConnectError",
)
NETWORK_MODULES = ("twisted.", "scrapy.", "OpenSSL", "builtins", "httpx", "httpcore", "ssl")
STARTUP_LOGGERS = ("scrapy.utils.log", "scrapy.middleware", "scrapy.crawler", "scrapy.addons",
                   "scrapy.extensions.telnet", "scrapy.core.engine", "scrapy.extensions.logstats")


def is_network_failure(exc: BaseException | None) -> bool:
    """True for the failures the outside world causes (the crawl reports them per outlet)."""
    seen = 0
    while exc is not None and seen < 5:
        name, module = type(exc).__name__, type(exc).__module__
        if name in NETWORK_ERRORS and module.startswith(NETWORK_MODULES):
            if name != "Error" or module.startswith("OpenSSL"):
                return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class QuietNetworkFilter(logging.Filter):
    """Drop Scrapy's per-request records of expected network failures (the summary has them)
    and its start-up listings. A handler filter: Scrapy's logging set-up resets the levels of
    every ``scrapy.*`` logger, but leaves the root handlers alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in STARTUP_LOGGERS and record.levelno < logging.WARNING:
            return False
        if not record.name.startswith("scrapy.") or record.levelno >= logging.CRITICAL:
            return True
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            return not is_network_failure(exc)
        # "Gave up retrying <GET …> (failed 3 times): DNS lookup failed…" carries no exc_info
        return not (record.name.endswith(".retry") and "Gave up retrying" in str(record.msg))


# ----------------------------------------------------------------------------- secrets
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@]*:)(?P<pw>[^@\s/]+)(?=@)")
_SLACK_HOOK = re.compile(r"https://hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]+")
_SECRET_PARAM = re.compile(r"(?i)\b(password|passwd|token|secret|api_key)=([^&\s'\"]+)")
MASK = "***"


def known_secrets() -> list[str]:
    """Values of the secret settings in this process's environment (long enough to be unique)."""
    values = []
    for key, value in os.environ.items():
        if not value or len(value) < 6:
            continue
        upper = key.upper()
        if upper.startswith("NEWSWATCH_SLACK_") or upper.endswith(("_PASSWORD", "_TOKEN", "_WEBHOOK", "_SECRET")) \
                or (upper.startswith("NEWSWATCH_") and "WEBHOOK" in upper):
            values.append(value)
    return sorted(set(values), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with webhook URLs, URL passwords, ``password=`` parameters and known secret values masked."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _SLACK_HOOK.sub("https://hooks.slack.com/" + MASK, text)
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}={MASK}", text)


_installed: Callable[..., logging.LogRecord] | None = None


def install_redaction() -> None:
    """Redact every log record of this process as it is made (idempotent)."""
    global _installed
    if _installed is not None:
        return
    previous = logging.getLogRecordFactory()
    secrets = known_secrets()
    formatter = logging.Formatter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's own error to report
            return record
        clean = redact(message, secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = formatter.formatException(record.exc_info)
            record.exc_text = redact(text, secrets)
        return record

    logging.setLogRecordFactory(factory)
    _installed = factory


def configure_logging(level: int, verbose: bool) -> None:
    """Root handler on stderr at ``level``; quiet network noise unless ``verbose``; redaction always."""
    install_redaction()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)  # Scrapy sets its own loggers to DEBUG; the handler decides
        if not verbose and not any(isinstance(f, QuietNetworkFilter) for f in handler.filters):
            handler.addFilter(QuietNetworkFilter())
    logging.getLogger("alembic").setLevel(logging.WARNING)
