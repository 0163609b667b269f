"""Failures an operator must see at once: each gives its exit code, one ``Error:`` line or one
summary line per outlet, and no traceback (issue 13). Real commands in subprocesses, against
local servers on 127.0.0.x: hosts that refuse connections, hosts that block bots."""

from __future__ import annotations

import email
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from crawl_helpers import PROJECT_ROOT, crawl_env, newswatch, stored
from sqlalchemy import select

from localweb import LocalWeb, sample_web, sources_for
from storage.db import dispose_engines, get_engine
from storage.models import CrawlError, CrawlRun

CHALLENGE = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
             b"<div id='cf-wrapper'>Checking your browser</div><script src='/cdn-cgi/challenge-platform/h/b/orchestrate/"
             b"jsch/v1'></script></body></html>")


def closed_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound, then released): connections to it are refused."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _Blocker(BaseHTTPRequestHandler):
    status = 403
    body = b"<html><head><title>403 Forbidden</title></head><body>Request blocked.</body></html>"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


class _Challenge(_Blocker):
    status = 200  # challenge pages often come with 200 (or 503): only the markers tell
    body = CHALLENGE


@pytest.fixture
def blockers() -> Iterator[dict[str, str]]:
    servers = {name: ThreadingHTTPServer(("127.0.0.2", 0), handler)
               for name, handler in (("Forbidden Daily", _Blocker), ("Challenge Times", _Challenge))}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {name: f"http://127.0.0.2:{server.server_address[1]}/" for name, server in servers.items()}
    for server in servers.values():
        server.shutdown()
        server.server_close()


def outlet(name: str, homepage: str) -> dict[str, object]:
    return {"name": name, "homepage": homepage, "country": "MA", "languages": ["fr"]}


def write(path: Path, outlets: list[dict[str, object]]) -> Path:
    path.write_text(yaml.safe_dump({"outlets": outlets}, allow_unicode=True), encoding="utf-8")
    return path


def assert_short(stderr: str, max_lines: int = 8) -> None:
    assert "Traceback" not in stderr, stderr[-3000:]
    assert len(stderr.strip().splitlines()) <= max_lines, stderr[-3000:]


def summary_line(stdout: str, name: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith(name))


# --------------------------------------------------------------------------- outages
def test_offline_run_exits_3_says_why_per_outlet_and_alerts_ops(tmp_path: Path) -> None:
    """Every host refuses: `newswatch run` ends with exit 3, a short stderr, one summary line
    per outlet with host and reason, and the ops subscription gets the outage alert."""
    hosts = ["127.0.0.1", "127.0.0.3", "127.0.0.4"]
    sources = write(tmp_path / "sources.yaml",
                    [outlet(f"Down {i}", f"http://{h}:{closed_port(h)}/") for i, h in enumerate(hosts)])
    url = f"sqlite:///{tmp_path / 'nw.db'}"
    env = crawl_env(tmp_path / "data", url, NEWSWATCH_RETRY_TIMES="0")
    done = newswatch(["run", "--sources", str(sources), "--days", "365"], env)
    assert done.returncode == 3, done.stdout + done.stderr[-3000:]
    assert_short(done.stderr)
    assert "Deprecat" not in done.stderr  # RANDOMIZE_DOWNLOAD_DELAY fixed at its source
    for i, host in enumerate(hosts):
        line = summary_line(done.stdout, f"Down {i}")
        assert "unreachable" in line and host in line and "connection refused" in line, line
    assert "(3 unreachable)" in done.stdout
    assert "ops health" in done.stdout and ": sent" in done.stdout.split("ops health", 1)[1].splitlines()[0]
    outbox = list((tmp_path / "data" / "outbox").glob("*.eml"))
    bodies = [email.message_from_bytes(p.read_bytes()).get_payload(decode=False) for p in outbox]
    assert any("no outlet yielded a page" in str(b) for b in bodies) or any(
        "no outlet yielded a page" in p.read_text(errors="replace") for p in outbox), [p.name for p in outbox]
    dispose_engines()


def test_blocked_outlets_are_named_with_evidence_and_the_run_is_partial(tmp_path: Path,
                                                                         blockers: dict[str, str]) -> None:
    sites = sample_web(date.today(), n_articles=3, include_bad=False)[:1]
    url = f"sqlite:///{tmp_path / 'nw.db'}"
    with LocalWeb(sites) as web:
        good = sources_for(web, sites)["outlets"]
        refused = outlet("Refused Post", f"http://127.0.0.1:{closed_port()}/")
        sources = write(tmp_path / "sources.yaml",
                        [*good, refused, *(outlet(n, u) for n, u in blockers.items())])
        other = f"sqlite:///{tmp_path / 'other.db'}"  # DATABASE_URL; --database-url wins
        done = newswatch(["crawl", "--sources", str(sources), "--days", "365", "--database-url", url],
                         crawl_env(tmp_path / "data", other, NEWSWATCH_RETRY_TIMES="0"))
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert " ok " in summary_line(done.stdout, good[0]["name"])
    assert "unreachable" in summary_line(done.stdout, "Refused Post")
    forbidden = summary_line(done.stdout, "Forbidden Daily")
    assert "blocked" in forbidden and "HTTP 403" in forbidden and "127.0.0.2" in forbidden
    challenge = summary_line(done.stdout, "Challenge Times")
    assert "blocked" in challenge and "cloudflare challenge" in challenge
    with get_engine(url).connect() as conn:
        records = {r.outlet: r.message for r in conn.execute(select(CrawlError).where(CrawlError.kind == "blocked"))}
        run = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
    assert records["Forbidden Daily"].startswith("HTTP 403; first bytes: '<html><head><title>403 Forbidden")
    assert "HTTP 200, cloudflare challenge page" in records["Challenge Times"] and "Just a moment" in \
        records["Challenge Times"]
    statuses = {name: figures["status"] for name, figures in run.outlet_stats.items()}
    assert statuses == {good[0]["name"]: "ok", "Refused Post": "unreachable", "Forbidden Daily": "blocked",
                        "Challenge Times": "blocked"}
    from storage.outlet_status import latest_outlet_status

    shown = {s.outlet: s for s in latest_outlet_status(get_engine(url))}
    assert shown["Forbidden Daily"].status == "blocked" and "HTTP 403" in (shown["Forbidden Daily"].evidence or "")
    assert shown[good[0]["name"]].articles == len(sites[0].articles)
    assert not (tmp_path / "other.db").exists()
    dispose_engines()


# ------------------------------------------------------------------ configuration
def test_missing_rules_folder_fails_the_crawl_before_it_starts(tmp_path: Path) -> None:
    sources = write(tmp_path / "sources.yaml", [outlet("X", "http://127.0.0.1:9/")])
    env = crawl_env(tmp_path / "data", f"sqlite:///{tmp_path / 'nw.db'}", NEWSWATCH_RULES_DIR=str(tmp_path / "nope"))
    for command in (["crawl"], ["run"]):
        done = newswatch([*command, "--sources", str(sources)], env)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("Error: ") and str(tmp_path / "nope") in done.stderr
        assert "rules folder does not exist" in done.stderr
        assert_short(done.stderr, 1)


@pytest.mark.parametrize(("database_url", "expected"), [
    ("notaurl", "not a SQLAlchemy URL"),
    ("postgres://u@127.0.0.1/db", "unknown database driver 'postgres'; write postgresql+psycopg://"),
    ("postgresql+psycopg://u:s3cret-pw@127.0.0.1:{port}/db", "Connection refused"),
    ("sqlite:////nonexistent-newswatch/dir/x.db", "database folder /nonexistent-newswatch/dir does not exist"),
])
def test_bad_database_url_is_one_line_exit_2(tmp_path: Path, database_url: str, expected: str) -> None:
    database_url = database_url.replace("{port}", str(closed_port()))
    env = crawl_env(tmp_path / "data", database_url)
    for command in (["db", "upgrade"], ["deliveries"], ["export", "articles"]):
        done = newswatch(command, env, timeout=60)
        assert done.returncode == 2, (command, done.stderr)
        assert done.stderr.startswith("Error: ") and expected in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "s3cret-pw" not in done.stderr
    assert not Path("/nonexistent-newswatch").exists()
    verbose = newswatch(["-v", "db", "upgrade"], env, timeout=60)
    assert verbose.returncode == 2 and "Traceback" in verbose.stderr  # -v shows where it came from


def test_default_data_folder_is_still_created(tmp_path: Path) -> None:
    env = crawl_env(tmp_path / "fresh" / "data", "")
    env.pop("DATABASE_URL")
    done = newswatch(["db", "upgrade"], env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "fresh" / "data" / "newswatch.db").exists()


def test_worker_without_reachable_redis_fails_fast(tmp_path: Path) -> None:
    sources = write(tmp_path / "sources.yaml", [outlet("X", "http://127.0.0.1:9/")])
    env = crawl_env(tmp_path / "data", f"sqlite:///{tmp_path / 'nw.db'}",
                    NEWSWATCH_REDIS_URL=f"redis://:pw-secret@127.0.0.1:{closed_port()}/0")
    done = newswatch(["crawl", "--worker", "--sources", str(sources)], env, timeout=60)
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("Error: Redis unreachable") and "NEWSWATCH_REDIS_URL=redis://:***@127.0.0.1" \
        in done.stderr
    assert "pw-secret" not in done.stderr and "crawl run" not in done.stdout
    assert_short(done.stderr, 1)


def test_scrapy_crawl_migrates_a_fresh_data_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    sites = sample_web(date.today(), n_articles=2, include_bad=False)[:1]
    with LocalWeb(sites) as web:
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_for(web, sites), allow_unicode=True), encoding="utf-8")
        scrapy = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sources={sources}", "-a", "days=365"]
        done = subprocess.run(scrapy, env=crawl_env(tmp_path / "data", url), cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "no such table" not in done.stderr
    assert len(stored(url)) == len(sites[0].articles)
    dispose_engines()


def test_version_and_exit_code_table_in_help() -> None:
    done = subprocess.run([sys.executable, "-m", "newswatch.cli", "--version"], capture_output=True, text=True,
                          cwd=PROJECT_ROOT)
    assert done.returncode == 0 and done.stdout.startswith("newswatch, version ")
    helped = subprocess.run([sys.executable, "-m", "newswatch.cli", "--help"], capture_output=True, text=True,
                            cwd=PROJECT_ROOT)
    assert "3 nothing could be fetched" in " ".join(helped.stdout.split())
