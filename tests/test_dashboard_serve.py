"""``newswatch serve`` as a real process: loopback by default, refuses a reachable address
without a token, demands the token on every request, never logs it."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

TOKEN = "tok-7f3a9c-do-not-log"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_") and k not in ("DATABASE_URL",)
    }
    env.update(NEWSWATCH_DATA_DIR=str(tmp_path / "data"), NEWSWATCH_LOG_LEVEL="INFO", **extra)
    return env


def _serve(tmp_path: Path, host: str, port: int, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", "serve", "--host", host, "--port", str(port)],
        env=_env(tmp_path, **extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _get(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _wait(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited early: {proc.stdout.read() if proc.stdout else ''}")
        try:
            _get(url)
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise AssertionError("serve did not start in 30 s")


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def test_refuses_a_reachable_address_without_a_token(tmp_path: Path) -> None:
    proc = _serve(tmp_path, "0.0.0.0", _free_port())
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "refusing to serve on 0.0.0.0" in out and "NEWSWATCH_DASHBOARD_TOKEN" in out


def test_reachable_bind_demands_the_token_and_never_logs_it(tmp_path: Path) -> None:
    port = _free_port()
    proc = _serve(tmp_path, "0.0.0.0", port, NEWSWATCH_DASHBOARD_TOKEN=TOKEN)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/api/matches", proc)
        assert _get(f"{base}/matches") == 401
        assert _get(f"{base}/api/matches") == 401
        assert _get(f"{base}/api/matches", {"Authorization": "Bearer nope"}) == 401
        basic = base64.b64encode(f"analyst:{TOKEN}".encode()).decode()
        assert _get(f"{base}/matches", {"Authorization": f"Basic {basic}"}) == 200
        assert _get(f"{base}/api/outlets", {"Authorization": f"Bearer {TOKEN}"}) == 200
    finally:
        log = _stop(proc)
    assert "GET /api/outlets" in log and "401" in log  # the access log is on...
    assert TOKEN not in log and basic not in log  # ...and the secret is in no line of it


def test_loopback_needs_no_token(tmp_path: Path) -> None:
    host, port = "127.0.0.1", _free_port()
    proc = _serve(tmp_path, host, port)
    try:
        _wait(f"http://{host}:{port}/", proc)
        assert _get(f"http://{host}:{port}/outlets") == 200
    finally:
        _stop(proc)
