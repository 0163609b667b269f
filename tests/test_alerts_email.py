"""E-mail digests end to end: real database rows → a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_alerts_support import T0, Clock, Seeder, SmtpSink, alerts_config, email_sub, make_runtime

from alerts.service import run_digest
from storage.db import get_engine, session_scope
from storage.models import DeliveredStory, Delivery

NOW = T0 + dt.timedelta(hours=1, minutes=30)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.rtl_langs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a":
            self.hrefs.append(a.get("href") or "")
        if tag == "div" and a.get("dir") == "rtl":
            self.rtl_langs.append(a.get("lang"))


def parts(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def seed_news(seed: Seeder) -> dict[str, int]:
    text = "Rabat et Paris renforcent leur coopération sécuritaire face au terrorisme."
    start = text.index("coopération")
    reasons = {"terms": [{"term": "coopération sécuritaire", "field": "text", "start": start, "end": start + 23}],
               "snippets": [{"text": text, "start": 0, "end": len(text)}]}
    return {
        "shared": seed.told("Darmanin à Rabat: coopération sécuritaire renforcée", ["Le360", "Hespress", "Le Monde"],
                           score=0.92, text=text, reasons=reasons),
        "arabic": seed.told("تعاون أمني بين المغرب وفرنسا لمكافحة الإرهاب", ["Hespress AR"], score=0.85, language="ar"),
        "low": seed.told("Un match de football à Casablanca", ["Le360"], score=0.2),
    }


def test_digest_arrives_grouped_with_both_parts_rtl_and_links(database_url: str, smtp: SmtpSink, tmp_path: Path) -> None:
    engine = get_engine(database_url)
    seed = Seeder(engine)
    seed_news(seed)
    rt = make_runtime(engine, alerts_config([email_sub(min_score=0.5)]), smtp=smtp.config(),
                      outbox=tmp_path / "outbox", clock=Clock(NOW))
    [outcome] = run_digest(rt, rt.config.get("daily"))
    assert (outcome.status, outcome.channel, outcome.stories) == ("sent", "email", 2)
    [msg] = smtp.messages
    assert smtp.envelopes == [("newswatch@test.example", ["analyst@test.example"])]
    assert msg["Subject"] == "[newswatch] daily: 2 new stories — Darmanin à Rabat: coopération sécuritaire renforcée"
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Message-ID"] == f"<newswatch.delivery-{outcome.delivery_id}.daily@test.example>"
    text, html = parts(msg)
    # grouping: one entry for the story three outlets told, listing all three; low score left out
    assert text.count("Darmanin à Rabat") == 1 and "football" not in text
    for outlet in ("Le360", "Hespress", "Le Monde"):
        assert f"- {outlet}: https://" in text
    assert "*coopération sécuritaire*" in text and "<mark>coopération sécuritaire</mark>" in html
    links = Links()
    links.feed(html)
    assert links.rtl_langs == ["ar"]
    assert sum(h.startswith("https://hespress.example/") for h in links.hrefs) == 1
    assert all(h.startswith("https://") for h in links.hrefs) and len(links.hrefs) == 2 + 4  # 2 titles + 4 outlets
    assert "security-cooperation: 2" in html
    # the ledger: one sent delivery carrying both stories; a second run finds nothing new
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(DeliveredStory)) == 2
        d = s.get(Delivery, outcome.delivery_id)
        assert (d.status, d.attempts, d.channel) == ("sent", 1, "email")
    again = run_digest(rt, rt.config.get("daily"))
    assert [o.status for o in again] == ["nothing"] and len(smtp.messages) == 1


def test_smtp_down_for_one_run_then_sent_once(database_url: str, tmp_path: Path) -> None:
    engine = get_engine(database_url)
    seed = Seeder(engine)
    seed_news(seed)
    sink = SmtpSink()  # not started: connection refused
    clock = Clock(NOW)
    rt = make_runtime(engine, alerts_config([email_sub()]), smtp=sink.config(), outbox=tmp_path, clock=clock)
    [down] = run_digest(rt, rt.config.get("daily"))
    assert down.status == "pending" and "ConnectionRefusedError" in down.note
    with session_scope(engine) as s:
        d = s.get(Delivery, down.delivery_id)
        assert (d.status, d.attempts) == ("pending", 1) and d.next_attempt_at == NOW + dt.timedelta(minutes=5)
    # a new match arrives before the next run; the server comes back
    late = seed.told("Nouvelle réunion du comité mixte", ["Le Desk"], score=0.7, matched_at=NOW - dt.timedelta(minutes=1))
    sink.start()
    try:
        clock.advance(minutes=2)  # backoff not over: the pending delivery waits, the new story goes out
        first = run_digest(rt, rt.config.get("daily"))
        assert [o.status for o in first] == ["sent"] and first[0].stories == 1
        clock.advance(days=1)
        second = run_digest(rt, rt.config.get("daily"))
        assert [(o.delivery_id, o.status) for o in second] == [(down.delivery_id, "sent"), (None, "nothing")]
        third = run_digest(rt, rt.config.get("daily"))
        assert [o.status for o in third] == ["nothing"]
    finally:
        sink.stop()
    subjects = sorted(m["Subject"] for m in sink.messages)
    assert len(sink.messages) == 2, subjects
    ids = [m["X-Newswatch-Delivery"] for m in sink.messages]
    assert len(set(ids)) == 2 and str(down.delivery_id) in ids
    with session_scope(engine) as s:
        stories = s.scalars(select(DeliveredStory.story_id)).all()
        assert sorted(stories) == sorted(set(stories)) and late in stories


def test_retries_back_off_then_give_up_and_can_be_requeued(sqlite_url: str, tmp_path: Path) -> None:
    from alerts import ledger

    engine = get_engine(sqlite_url)
    seed_news(Seeder(engine))
    clock = Clock(NOW)
    config = alerts_config([email_sub()], delivery={"max_attempts": 3, "backoff_seconds": 60})
    rt = make_runtime(engine, config, smtp=SmtpSink().config(), outbox=tmp_path, clock=clock)
    [first] = run_digest(rt, config.get("daily"))
    waits = []
    for _ in range(5):
        row = ledger.get(engine, first.delivery_id)
        if row.status != "pending":
            break
        waits.append((row.next_attempt_at - clock.now).total_seconds())
        clock.now = row.next_attempt_at
        ledger_outcomes = run_digest(rt, config.get("daily"))
        assert ledger_outcomes[0].delivery_id == first.delivery_id
    row = ledger.get(engine, first.delivery_id)
    assert waits == [60, 120] and (row.status, row.attempts) == ("failed", 3)
    assert ledger.requeue(engine, first.delivery_id) and ledger.get(engine, first.delivery_id).status == "pending"


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    crypto = pytest.importorskip("cryptography", reason="cryptography makes the test certificate")
    del crypto
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    import ipaddress

    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_starttls_and_tls_with_login(security: str, sqlite_url: str, tmp_path: Path) -> None:
    from aiosmtpd.smtp import AuthResult

    cert, key = _self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    # aiosmtpd does not see implicit TLS as TLS for AUTH purposes: only demand it for STARTTLS
    kwargs = {"authenticator": authenticator, "auth_require_tls": security == "starttls"}
    kwargs.update({"tls_context": server_ctx, "require_starttls": True} if security == "starttls"
                  else {"ssl_context": server_ctx})
    sink = SmtpSink(controller_kwargs=kwargs)
    sink.start()
    try:
        engine = get_engine(sqlite_url)
        seed_news(Seeder(engine))
        smtp = sink.config(security=security, user="nw", password="s3cret", ssl_context=client_ctx)
        rt = make_runtime(engine, alerts_config([email_sub()]), smtp=smtp, outbox=tmp_path, clock=Clock(NOW))
        [outcome] = run_digest(rt, rt.config.get("daily"))
        assert outcome.status == "sent", outcome.note
        assert logins == [(b"nw", b"s3cret")] and len(sink.messages) == 1
        bad = make_runtime(engine, alerts_config([email_sub("other")]),
                           smtp=sink.config(security=security, user="nw", password="wrong", ssl_context=client_ctx),
                           outbox=tmp_path, clock=Clock(NOW))
        [refused] = run_digest(bad, bad.config.get("other"))
        assert refused.status == "pending" and "SMTPAuthenticationError" in refused.note and "wrong" not in refused.note
    finally:
        sink.stop()


def test_header_injection_through_a_title_does_not_add_recipients(sqlite_url: str, smtp: SmtpSink, tmp_path: Path) -> None:
    engine = get_engine(sqlite_url)
    Seeder(engine).told("Accord\r\nBcc: victim@evil.example\r\nX-Injected: yes", ["Le360"], score=0.9)
    rt = make_runtime(engine, alerts_config([email_sub()]), smtp=smtp.config(), outbox=tmp_path, clock=Clock(NOW))
    [outcome] = run_digest(rt, rt.config.get("daily"))
    assert outcome.status == "sent"
    [msg] = smtp.messages
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert smtp.envelopes[0][1] == ["analyst@test.example"]
    assert msg["Subject"] == "[newswatch] daily: 1 new story — Accord Bcc: victim@evil.example X-Injected: yes"


def test_no_smtp_configured_goes_to_the_outbox_once(sqlite_url: str, tmp_path: Path) -> None:
    import email
    import email.policy

    engine = get_engine(sqlite_url)
    seed_news(Seeder(engine))
    outbox = tmp_path / "outbox"
    rt = make_runtime(engine, alerts_config([email_sub()]), smtp=None, outbox=outbox, clock=Clock(NOW))
    [outcome] = run_digest(rt, rt.config.get("daily"))
    assert (outcome.status, outcome.channel) == ("sent", "outbox")
    assert "no SMTP server configured" in outcome.note
    [eml] = list(outbox.glob("*.eml"))
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["To"] == "analyst@test.example" and "Darmanin" in parts(msg)[0]
    assert run_digest(rt, rt.config.get("daily"))[0].status == "nothing" and len(list(outbox.iterdir())) == 1
