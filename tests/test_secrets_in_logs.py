"""No secret in any log (issue 11 item 7): a failing Slack delivery and a failing SMTP login run
at DEBUG (``newswatch -v``), and neither the webhook URL, nor the SMTP password, nor a DSN
password shows up in what the process wrote. Plus ``notify --test`` through the real channels."""

from __future__ import annotations

import base64
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from crawl_helpers import crawl_env, newswatch

from common.logs import install_redaction, redact

WEBHOOK_TOKEN = "T0SECRET/B0SECRET/xoxSECRETwebhookTOKEN42"
SMTP_PASSWORD = "smtp-Pa55word-SECRET"


class _Failing(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"internal_error"
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _Handler:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.messages.append(envelope.content)
        return "250 OK"


def _reject(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_rejecting_login() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(_Handler(), hostname="127.0.0.1", port=port, authenticator=_reject,
                            auth_require_tls=False)
    controller.start()
    yield port
    controller.stop()


def _setup(tmp_path: Path, webhook_url: str, smtp_port: int) -> dict[str, str]:
    alerts = {"subscriptions": [
        {"name": "team-slack", "channel": {"type": "slack", "webhook_env": "NEWSWATCH_SLACK_WEBHOOK_TEAM"},
         "topics": ["security-cooperation"], "schedule": {"cron": "0 8 * * *", "timezone": "UTC"}},
        {"name": "team-mail", "channel": {"type": "email", "to": ["team@example.org"]},
         "topics": ["security-cooperation"], "schedule": {"cron": "0 8 * * *", "timezone": "UTC"}},
    ]}
    (tmp_path / "alerts.yaml").write_text(yaml.safe_dump(alerts), encoding="utf-8")
    return crawl_env(tmp_path / "data", f"sqlite:///{tmp_path / 'nw.db'}",
                     NEWSWATCH_ALERTS_FILE=str(tmp_path / "alerts.yaml"),
                     NEWSWATCH_SLACK_WEBHOOK_TEAM=webhook_url,
                     NEWSWATCH_SMTP_HOST="127.0.0.1", NEWSWATCH_SMTP_PORT=str(smtp_port),
                     NEWSWATCH_SMTP_SECURITY="none", NEWSWATCH_SMTP_USER="newswatch",
                     NEWSWATCH_SMTP_PASSWORD=SMTP_PASSWORD)


def _assert_clean(text: str) -> None:
    for secret in (WEBHOOK_TOKEN, "xoxSECRETwebhookTOKEN42", SMTP_PASSWORD,
                   base64.b64encode(f"\0newswatch\0{SMTP_PASSWORD}".encode()).decode(),
                   base64.b64encode(SMTP_PASSWORD.encode()).decode()):
        assert secret not in text, f"secret {secret[:8]}… leaked"


def test_failing_slack_and_smtp_at_debug_leak_nothing(tmp_path: Path, smtp_rejecting_login: int) -> None:
    server = _serve(_Failing)
    try:
        webhook = f"http://127.0.0.1:{server.server_address[1]}/services/{WEBHOOK_TOKEN}"
        env = _setup(tmp_path, webhook, smtp_rejecting_login)
        slack = newswatch(["-v", "notify", "--test", "team-slack"], env, timeout=120)
        mail = newswatch(["-v", "notify", "--test", "team-mail"], env, timeout=120)
        listing = newswatch(["-v", "deliveries"], env, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert slack.returncode == 1 and "team-slack test" in slack.stdout and "pending" in slack.stdout, slack.stderr
    assert mail.returncode == 1 and "team-mail test" in mail.stdout and "pending" in mail.stdout, mail.stderr
    assert "DEBUG" in slack.stderr and "slack_sdk" in slack.stderr  # the chatty library did log, redacted
    assert "HTTP 500" in listing.stdout and ("535" in listing.stdout or "uthentication" in listing.stdout), \
        listing.stdout
    for done in (slack, mail, listing):
        _assert_clean(done.stdout + done.stderr)


def test_notify_test_sends_through_the_real_channel_and_is_recorded(tmp_path: Path) -> None:
    received: list[bytes] = []

    class _Recording(_Failing):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = _serve(_Recording)
    try:
        webhook = f"http://127.0.0.1:{server.server_address[1]}/services/{WEBHOOK_TOKEN}"
        env = _setup(tmp_path, webhook, 9)
        done = newswatch(["notify", "--test", "team-slack"], env, timeout=120)
        unknown = newswatch(["notify", "--test", "nobody"], env, timeout=60)
        listing = newswatch(["deliveries"], env, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0 and "team-slack test #1: sent" in done.stdout and "via slack" in done.stdout
    assert len(received) == 1 and b"test message from newswatch" in received[0]
    assert unknown.returncode == 2 and unknown.stderr.startswith("Error: unknown subscription 'nobody'")
    assert " test " in listing.stdout and "sent" in listing.stdout
    _assert_clean(done.stdout + done.stderr + listing.stdout)
    from alerts import ledger
    from storage.db import dispose_engines, get_engine

    row = ledger.get(get_engine(env["DATABASE_URL"]), 1)
    assert row is not None and row.kind == "test" and row.status == "sent" and row.last_error is None
    assert row.payload["subject"] == "[newswatch] test message for team-slack"  # the message as sent
    assert "test message from newswatch" in row.payload["text"] and row.payload["slack"][0]["blocks"]
    dispose_engines()


@pytest.mark.parametrize(("raw", "clean"), [
    ("POST https://hooks.slack.com/services/T1/B2/abcDEF123 failed",
     "POST https://hooks.slack.com/*** failed"),
    ("engine postgresql+psycopg://nw:pa55@db:5432/nw", "engine postgresql+psycopg://nw:***@db:5432/nw"),
    ("redis://:hunter22@redis:6379/0 down", "redis://:***@redis:6379/0 down"),
    ("login user=a&password=hunter22&x=1", "login user=a&password=***&x=1"),
    ("nothing to hide at https://fr.le360.ma/a?b=1", "nothing to hide at https://fr.le360.ma/a?b=1"),
])
def test_redact(raw: str, clean: str) -> None:
    assert redact(raw) == clean


def test_redaction_reaches_every_logger_and_handler(monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    import common.logs as logs

    monkeypatch.setenv("NEWSWATCH_SMTP_PASSWORD", SMTP_PASSWORD)
    previous = logging.getLogRecordFactory()
    monkeypatch.setattr(logs, "_installed", None)
    try:
        install_redaction()
        with caplog.at_level(logging.DEBUG):
            for name in ("slack_sdk.webhook.client", "urllib3.connectionpool", "sqlalchemy.engine", "scrapy.core"):
                caplog.set_level(logging.DEBUG, logger=name)
                logging.getLogger(name).debug("sending %s to %s", SMTP_PASSWORD,
                                              "https://hooks.slack.com/services/T1/B2/abc")
            try:
                raise RuntimeError(f"login failed for {SMTP_PASSWORD}")
            except RuntimeError:
                logging.getLogger("smtplib").exception("boom")
        text = caplog.text
    finally:
        logging.setLogRecordFactory(previous)
    assert text.count("sending *** to https://hooks.slack.com/***") == 4
    assert "login failed for ***" in text
    _assert_clean(text)
