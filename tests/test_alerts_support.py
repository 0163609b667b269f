"""Shared helpers of the alerts tests (no tests here): rows, a real SMTP server, a real webhook.

- ``Seeder`` inserts outlets, stories, articles, matches and crawl runs directly;
- ``SmtpSink`` is an aiosmtpd server on 127.0.0.1 that keeps parsed messages and can be
  stopped ("SMTP down") and restarted on the same port;
- ``SlackSink`` is an HTTP server on 127.0.0.1 standing in for Slack's incoming webhook:
  it checks each payload against Slack's published limits and records it.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from alerts.channels.email import SmtpConfig
from alerts.service import AlertsRuntime
from alerts.subscriptions import parse_alerts
from storage.db import session_scope
from storage.models import Article, CrawlRun, Match, Outlet, Story

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------------------ rows
class Seeder:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._outlets: dict[str, int] = {}
        self._n = 0

    def outlet(self, name: str, created_at: datetime = T0 - timedelta(days=30)) -> int:
        if name not in self._outlets:
            with session_scope(self.engine) as s:
                row = Outlet(name=name, country="MA", homepage=f"https://{name.lower().replace(' ', '-')}.example/", created_at=created_at)
                s.add(row)
                s.flush()
                self._outlets[name] = row.id
        return self._outlets[name]

    def story(self, title: str = "story") -> int:
        with session_scope(self.engine) as s:
            row = Story(title=title, first_seen=T0, last_seen=T0)
            s.add(row)
            s.flush()
            return int(row.id)

    def article(
        self, outlet: str, title: str, *, story_id: int | None = None, language: str = "fr", text: str = "",
        url: str | None = None, published_at: datetime | None = None, fetched_at: datetime | None = None,
    ) -> int:
        self._n += 1
        outlet_id = self.outlet(outlet)
        with session_scope(self.engine) as s:
            row = Article(
                url=url or f"https://{outlet.lower().replace(' ', '-')}.example/a/{self._n}", outlet_id=outlet_id, title=title,
                text=text or f"{title}. Texte de l'article {self._n}.", language=language,
                published_at=published_at or T0, content_hash=f"h{self._n}", story_id=story_id,
                fetched_at=fetched_at or T0,
            )
            s.add(row)
            s.flush()
            return int(row.id)

    def match(
        self, article_id: int, *, topic: str = "security-cooperation", score: float = 0.8,
        matched_at: datetime | None = None, reasons: dict[str, Any] | None = None,
    ) -> int:
        with session_scope(self.engine) as s:
            row = Match(article_id=article_id, topic=topic, score=score, rules_version="t1",
                        reasons=reasons or {}, matched_at=matched_at or T0)
            s.add(row)
            s.flush()
            return int(row.id)

    def told(self, title: str, outlets: list[str], *, score: float = 0.8, language: str = "fr",
             matched_at: datetime | None = None, text: str = "", reasons: dict[str, Any] | None = None) -> int:
        """One story told by several outlets, each article matched; returns the story id.

        The articles are published an hour before they are matched: a test that matches "now"
        must not find its articles older than a subscription's ``max_age_days``."""
        story_id = self.story(title)
        published = matched_at - timedelta(hours=1) if matched_at is not None else None
        for i, outlet in enumerate(outlets):
            art = self.article(outlet, title if i == 0 else f"{title} ({outlet})", story_id=story_id,
                               language=language, text=text, published_at=published)
            self.match(art, score=score - 0.01 * i, matched_at=matched_at, reasons=reasons)
        return story_id

    def crawl_run(self, started_at: datetime, outlet_stats: dict[str, Any], *, status: str = "finished") -> int:
        with session_scope(self.engine) as s:
            row = CrawlRun(started_at=started_at, finished_at=started_at + timedelta(minutes=20), status=status,
                           outlet_stats=outlet_stats)
            s.add(row)
            s.flush()
            return int(row.id)


# ---------------------------------------------------------------------- SMTP server
class _Collect:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(msg)  # type: ignore[arg-type]
            self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.sink.received.set()
        if self.sink.hold_after_receive:
            time.sleep(self.sink.hold_after_receive)  # the client waits for "250" meanwhile
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    port: int = field(default_factory=free_port)
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    received: threading.Event = field(default_factory=threading.Event)
    hold_after_receive: float = 0.0
    controller_kwargs: dict[str, Any] = field(default_factory=dict)
    _controller: Controller | None = None

    def start(self) -> SmtpSink:
        self._controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port, **self.controller_kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def config(self, **kw: Any) -> SmtpConfig:
        return SmtpConfig(host="127.0.0.1", port=self.port, security=kw.pop("security", "none"),
                          sender="newswatch@test.example", timeout=10, **kw)


# ------------------------------------------------------------------- Slack webhook
SLACK_MAX_BLOCKS, SLACK_MAX_SECTION, SLACK_MAX_HEADER = 50, 3000, 150


def slack_violations(payload: dict[str, Any]) -> list[str]:
    """What in one webhook payload breaks Slack's published Block Kit limits."""
    problems = []
    blocks = payload.get("blocks") or []
    if len(blocks) > SLACK_MAX_BLOCKS:
        problems.append(f"{len(blocks)} blocks > {SLACK_MAX_BLOCKS}")
    for block in blocks:
        kind = block.get("type")
        if kind == "section" and len(block["text"]["text"]) > SLACK_MAX_SECTION:
            problems.append(f"section of {len(block['text']['text'])} chars > {SLACK_MAX_SECTION}")
        if kind == "header" and (len(block["text"]["text"]) > SLACK_MAX_HEADER or block["text"]["type"] != "plain_text"):
            problems.append(f"bad header {block['text']!r}")
        if kind == "context" and len(block.get("elements", [])) > 10:
            problems.append("context with > 10 elements")
    if not isinstance(payload.get("text"), str) or len(payload["text"]) > 40000:
        problems.append("missing or too long fallback text")
    return problems


class SlackSink:
    """A webhook endpoint on 127.0.0.1 answering like Slack: 200 'ok', or 400 'invalid_blocks'."""

    def __init__(self, fail_status: int | None = None) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self.fail_status = fail_status
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                payload = json.loads(body)
                problems = slack_violations(payload)
                if sink.fail_status:
                    status, answer = sink.fail_status, b"service_unavailable"
                elif problems:
                    sink.violations.extend(problems)
                    status, answer = 400, b"invalid_blocks"
                else:
                    sink.payloads.append(payload)
                    status, answer = 200, b"ok"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/XXXX"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SlackSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------------ runtime
def alerts_config(subscriptions: list[dict[str, Any]], **top: Any) -> Any:
    return parse_alerts({"subscriptions": subscriptions, **top}, origin="test")


def email_sub(name: str = "daily", **kw: Any) -> dict[str, Any]:
    return {"name": name, "channel": {"type": "email", "to": ["analyst@test.example"]},
            "topics": ["security-cooperation"], "schedule": {"cron": "30 7 * * *", "timezone": "Africa/Casablanca"},
            **kw}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def make_runtime(engine: Engine, config: Any, *, smtp: SmtpConfig | None, outbox: Path, clock: Clock) -> AlertsRuntime:
    return AlertsRuntime(engine=engine, config=config, smtp=smtp, sender="newswatch@test.example",
                         outbox=outbox, clock=clock)


def write_alerts_yaml(path: Path, subscriptions: list[dict[str, Any]], **top: Any) -> Path:
    path.write_text(yaml.safe_dump({"subscriptions": subscriptions, **top}, allow_unicode=True), encoding="utf-8")
    return path
