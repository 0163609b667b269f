"""Issue 11 item 6: the dashboard against DNS rebinding, Host-built links and token guessing;
``serve --ssl-certfile/--ssl-keyfile`` serves HTTPS."""

from __future__ import annotations

import base64
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from dashboard_sample import TOPIC, seed_sample
from fastapi.testclient import TestClient

from dashboard.app import create_app
from dashboard.security import TokenThrottle, allowed_hosts, analyst_name, base_url
from storage.db import get_engine, session_scope

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
ATOM = "{http://www.w3.org/2005/Atom}"


def _seeded(url: str) -> None:
    with session_scope(get_engine(url)) as session:
        seed_sample(session)


def test_a_foreign_host_gets_400_everywhere(sqlite_url: str) -> None:
    _seeded(sqlite_url)
    client = TestClient(create_app(sqlite_url, hosts=""), base_url="http://127.0.0.1:8000")
    for path in ("/api/matches", "/api/outlets", "/matches", "/static/app.css"):
        assert client.get(path).status_code == 200, path
        assert client.get(path, headers={"Host": "attacker.example"}).status_code == 400, path
        assert client.get(path, headers={"Host": "attacker.example:8000"}).status_code == 400, path
    assert client.get("/api/matches", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/api/matches", headers={"Host": "[::1]:8000"}).status_code == 200
    # a rebinding page cannot post either (the Host check comes before anything else)
    assert client.post("/articles/1/triage", headers={"Host": "attacker.example"}).status_code == 400


def test_configured_hosts_are_answered(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from common.settings import reset_settings

    monkeypatch.setenv("NEWSWATCH_DASHBOARD_HOSTS", "news.example.org, *.intra.example")
    reset_settings()
    try:
        client = TestClient(create_app(sqlite_url), base_url="http://news.example.org")
        assert client.get("/api/outlets").status_code == 200
        assert client.get("/api/outlets", headers={"Host": "dash.intra.example"}).status_code == 200
        assert client.get("/api/outlets", headers={"Host": "news.example.org.evil"}).status_code == 400
    finally:
        monkeypatch.delenv("NEWSWATCH_DASHBOARD_HOSTS")
        reset_settings()


def test_atom_links_never_follow_the_host_header(sqlite_url: str) -> None:
    _seeded(sqlite_url)
    # the attacker's name is even allowed here: links still come from the public URL
    public = TestClient(
        create_app(sqlite_url, hosts="attacker.example", public_url="https://news.example.org/"),
        base_url="http://attacker.example",
    )
    feed = ET.fromstring(public.get(f"/feeds/{TOPIC}.atom").content)
    hrefs = [link.get("href") or "" for link in feed.iter(f"{ATOM}link")]
    ids = [e.text or "" for e in feed.iter(f"{ATOM}id")]
    assert len(hrefs) > 2 and all(h.startswith("https://news.example.org/") for h in hrefs)
    assert all(i.startswith("https://news.example.org/") for i in ids)
    # no public URL: the address of the listening socket (a real server), not the Host header
    import http.client
    import socket
    import threading

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(sqlite_url, hosts="attacker.example", public_url="")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", f"/feeds/{TOPIC}.atom", headers={"Host": "attacker.example"})
        body = conn.getresponse().read().decode()
    finally:
        server.should_exit = True
        thread.join(10)
    assert "attacker.example" not in body and f"http://127.0.0.1:{port}/articles/" in body


def test_base_url_and_allowed_hosts() -> None:
    assert base_url("https://n.example/x/", "http", ("10.0.0.1", 80)) == "https://n.example/x"
    assert base_url("", "http", ("127.0.0.1", 8000)) == "http://127.0.0.1:8000"
    assert base_url("", "https", ("127.0.0.1", 443)) == "https://127.0.0.1"
    assert base_url("", "http", ("0.0.0.0", 8000)) == "http://127.0.0.1:8000"
    assert base_url("", "http", ("::1", 8000)) == "http://[::1]:8000"
    assert base_url("", "http", None) == "http://127.0.0.1"
    hosts = allowed_hosts(" A.example ,, b.example", "https://pub.example:8443/")
    assert hosts[:2] == ["127.0.0.1", "localhost"] and {"a.example", "b.example", "pub.example"} <= set(hosts)
    assert "*" not in allowed_hosts("")
    assert "[fd00::5]" in allowed_hosts("fd00::5") and "[::1]" in allowed_hosts("")


def test_analyst_name_from_basic_auth() -> None:
    basic = base64.b64encode(b"amina:secret").decode()
    assert analyst_name(f"Basic {basic}") == "amina"
    assert analyst_name("Bearer tok") == "local" and analyst_name(None) == "local"
    assert analyst_name("Basic !!!") == "local"


def test_throttle_slows_repeated_wrong_tokens() -> None:
    t = TokenThrottle(free=3, cap=8, forget=100)
    now = 1000.0
    for _ in range(3):
        t.failed("a", now)
    assert t.wait("a", now) == 0  # the free ones cost nothing
    t.failed("a", now)
    assert t.wait("a", now) == 2 and t.wait("a", now + 2) == 0
    for _ in range(5):
        t.failed("a", now)
    assert t.wait("a", now) == 8  # capped
    assert t.wait("b", now) == 0  # per client
    assert t.wait("a", now + 101) == 0  # forgotten
    t.failed("a", now)
    t.succeeded("a")
    assert t.wait("a", now) == 0
    small = TokenThrottle(max_clients=2)
    for name in "xyz":
        small.failed(name, now)
    assert len(small._strikes) == 2


def test_wrong_tokens_are_slowed_down_over_http(sqlite_url: str) -> None:
    clock = [100.0]
    client = TestClient(
        create_app(sqlite_url, token="right", clock=lambda: clock[0]), base_url="http://127.0.0.1"
    )
    wrong = {"Authorization": "Bearer wrong"}
    right = {"Authorization": "Bearer right"}
    assert client.get("/api/outlets").status_code == 401  # no credentials: no strike (browser prompt)
    for _ in range(6):
        assert client.get("/api/outlets", headers=wrong).status_code == 401
    slowed = client.get("/api/outlets", headers=right)
    assert slowed.status_code == 429 and slowed.headers["retry-after"] == "2"
    clock[0] += 2.5
    assert client.get("/api/outlets", headers=right).status_code == 200  # waited: judged again
    assert client.get("/api/outlets", headers=wrong).status_code == 401  # strikes were reset


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_serve_over_tls(tmp_path: Path) -> None:
    from tests.test_dashboard_serve import _env, _free_port, _stop

    if subprocess.run(["which", "openssl"], capture_output=True).returncode:
        pytest.skip("openssl is absent")
    cert, key = _self_signed(tmp_path)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", "serve", "--port", str(port),
         "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)],
        env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    try:
        deadline, status = time.monotonic() + 30, 0
        while time.monotonic() < deadline and not status:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/api/outlets", context=context, timeout=5) as r:
                    status = r.status
            except OSError:
                time.sleep(0.2)
        assert status == 200
    finally:
        log = _stop(proc)
    assert f"https://127.0.0.1:{port}/" in log
    half = subprocess.run(
        [sys.executable, "-m", "newswatch.cli", "serve", "--ssl-certfile", str(cert)],
        env=_env(tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert half.returncode == 2 and "go together" in half.stderr


def test_serve_answers_its_bound_address_and_refuses_other_hosts(tmp_path: Path) -> None:
    import http.client

    from tests.test_dashboard_serve import _env, _free_port, _stop

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", "serve", "--host", "127.0.0.2", "--port", str(port)],
        env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip

    def status(host: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.2", port, timeout=5)
        conn.request("GET", "/api/outlets", headers={"Host": host})
        return conn.getresponse().status

    try:
        deadline, first = time.monotonic() + 30, 0
        while time.monotonic() < deadline and not first:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                first = status(f"127.0.0.2:{port}")
            except OSError:
                time.sleep(0.2)
        assert first == 200  # the address it was told to bind
        assert status(f"localhost:{port}") == 200
        assert status("attacker.example") == 400 and status(f"attacker.example:{port}") == 400
    finally:
        _stop(proc)
