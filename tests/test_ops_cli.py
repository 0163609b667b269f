"""CLI polish (issue 13): the same options and help everywhere, progress lines, demo --serve
stopping on SIGTERM, the exit-code table documented."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import click
import pytest
from crawl_helpers import PROJECT_ROOT, crawl_env

from newswatch.cli import COMMANDS, LazyGroup, cli
from newswatch.exitcodes import TABLE
from newswatch.progress import OutletProgress, progress_line

STORE_COMMANDS = ["run", "crawl", "export articles", "export matches", "db upgrade", "rematch", "reextract", "digest",
                  "deliveries", "notify", "schedule", "serve", "watch", "feedback report", "outlets list", "outlets check"]


def _command(path: str) -> click.Command:
    ctx = click.Context(cli)
    command: click.Command | None = cli
    for part in path.split():
        assert isinstance(command, click.Group)
        command = command.get_command(ctx, part)
    assert command is not None, path
    return command


@pytest.mark.parametrize("path", STORE_COMMANDS)
def test_every_command_that_opens_the_store_takes_database_url(path: str) -> None:
    assert "--database-url" in {opt for p in _command(path).params for opt in p.opts}, path


def test_since_has_one_help_text() -> None:
    from newswatch.commands.dates import SINCE_HELP

    helps = [p.help for name in COMMANDS for p in _walk(_command(name)) if "--since" in getattr(p, "opts", [])]
    assert len(helps) >= 4 and all(SINCE_HELP in (h or "") for h in helps), helps


def _walk(command: click.Command) -> list[click.Parameter]:
    if isinstance(command, click.Group) and not isinstance(command, LazyGroup):
        return [p for sub in command.commands.values() for p in _walk(sub)]
    return list(command.params)


def test_exit_code_table_is_documented_in_docs_cli() -> None:
    text = (PROJECT_ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for code, meaning in TABLE.items():
        assert f"| {code} | {meaning.split(':')[0]}" in text, code
    for name in COMMANDS:
        assert f"newswatch {name}" in text, name


def test_progress_line_is_cut_to_the_terminal_and_lists_busiest_first() -> None:
    pages, articles, errors = Counter({"Le360": 40, "Hespress FR": 30, "Quiet": 2}), \
        Counter({"Le360": 12, "Hespress FR": 20}), Counter({"Quiet": 2})
    line = progress_line(pages, articles, errors, 200)
    assert line.startswith("pages 72 · articles 32 · errors 2 | Hespress FR 20/30 · Le360 12/40 · Quiet 0/2 !2")
    assert len(progress_line(pages, articles, errors, 30)) == 30


def test_progress_writes_plain_lines_when_piped(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    out = io.StringIO()
    progress = OutletProgress(out)
    assert not progress.tty and progress.every == 30.0
    progress.every = 0.0
    progress.on_response(None, SimpleNamespace(meta={"outlet": "Le360"}), None)
    progress.on_item({"outlet": "Le360"})
    assert out.getvalue().splitlines()[-1] == "progress: pages 1 · articles 1 · errors 0 | Le360 1/1"
    assert "\r" not in out.getvalue()


@pytest.mark.slow
def test_demo_serve_says_what_it_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = crawl_env(tmp_path / "data", "")
    env.pop("DATABASE_URL")
    proc = subprocess.Popen([sys.executable, "-m", "newswatch.cli", "demo", "--articles", "2", "--serve",
                             "--data-dir", str(tmp_path / "demo")], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            lines.append(line)
            if line.startswith("crawl it again"):
                break
        served = [line.split(": ", 1)[1].strip() for line in lines if line.startswith("  ") and "http://" in line]
        assert served, "".join(lines)
        with urllib.request.urlopen(served[0], timeout=5) as response:
            assert response.status == 200
        assert any("until Ctrl-C or SIGTERM" in line for line in lines)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err[-2000:]
    assert "stopped" in out and "look at it:" in out


def test_network_failures_lose_their_tracebacks_but_bugs_keep_them() -> None:
    import logging

    from scrapy.exceptions import CannotResolveHostError, DownloadTimeoutError
    from twisted.internet.error import ConnectionRefusedError, TCPTimedOutError

    from common.logs import QuietNetworkFilter, is_network_failure

    def record(name: str, exc: BaseException | None, msg: str = "Error downloading %s", level: int = 40
               ) -> logging.LogRecord:
        info = (type(exc), exc, None) if exc else None
        return logging.LogRecord(name, level, __file__, 1, msg, ("<GET https://x/>",), info)

    quiet = QuietNetworkFilter()
    for exc in (CannotResolveHostError("DNS lookup failed"), ConnectionRefusedError(), TCPTimedOutError(),
                TimeoutError("timed out"), DownloadTimeoutError("Getting x took longer than 1.5 seconds.")):
        assert is_network_failure(exc)
        assert not quiet.filter(record("scrapy.downloadermiddlewares.robotstxt", exc))
    bug = KeyError("outlet")
    assert not is_network_failure(bug)
    assert quiet.filter(record("scrapy.core.scraper", bug))  # a bug keeps its traceback
    assert quiet.filter(record("news", ConnectionRefusedError()))  # only Scrapy's own per-request noise
    assert not quiet.filter(record("scrapy.downloadermiddlewares.retry", None, "Gave up retrying %s (failed 3 times)"))
    assert not quiet.filter(record("scrapy.middleware", None, "Enabled extensions: %s", level=20))
    assert quiet.filter(record("scrapy.core.engine", None, "Spider error %s", level=40))
