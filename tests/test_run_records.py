"""Run records survive a busy database (issue 11 item 8): with the SQLite file locked by another
connection across the spider's close, nothing is dropped and the run is finished once the lock
goes. A real recorder on a real Scrapy crawler object and a real file lock."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select

from common.outlet_status import block_evidence, challenge_vendor, classify, network_reason, run_exit_code
from crawler import recorder as recorder_module
from crawler.recorder import CrawlRecorder
from storage.db import dispose_engines, get_engine
from storage.models import CrawlError, CrawlRun


class _Spider(SimpleNamespace):
    name = "news"


def _recorder(url: str) -> tuple[CrawlRecorder, _Spider]:
    crawler = get_crawler(settings_dict={"NEWSWATCH_DATABASE_URL": url})
    crawler.stats.open_spider()
    spider = _Spider(outlets=[SimpleNamespace(name="Le360"), SimpleNamespace(name="Quiet")], outlet_names=[],
                     days_arg=2, sources_arg=None)
    rec = CrawlRecorder(crawler)
    rec.spider_opened(spider)
    return rec, spider


def _hold_lock(path: Path, seconds: float, taken: threading.Event) -> None:
    conn = sqlite3.connect(path, timeout=30)
    conn.execute("BEGIN EXCLUSIVE")
    taken.set()
    time.sleep(seconds)
    conn.rollback()
    conn.close()


def test_locked_database_at_close_loses_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nw.db"
    url = f"sqlite:///{path}"
    rec, spider = _recorder(url)  # also migrates the fresh file (the `scrapy crawl` path)
    monkeypatch.setattr(recorder_module, "BUSY_TIMEOUT_MS", 200)
    rec.engine = recorder_module.recorder_engine(url)
    rec.outlets["Le360"]["pages"] = 40
    rec.outlets["Le360"]["articles"] = 32
    taken = threading.Event()
    locker = threading.Thread(target=_hold_lock, args=(path, 3.0, taken))
    locker.start()
    taken.wait(5)
    with caplog.at_level(logging.INFO, logger="crawler.recorder"):
        for i in range(recorder_module.FLUSH_EVERY + 5):  # a flush is attempted mid-crawl, under the lock
            rec.on_crawl_error("Le360", f"https://fr.le360.ma/a/{i}", "http_404", "HTTP 404")
        assert len(rec.pending_errors) == recorder_module.FLUSH_EVERY + 5  # kept, not dropped
        started = time.monotonic()
        rec.spider_closed(spider, "finished")  # still locked: retries with backoff until it commits
        waited = time.monotonic() - started
    locker.join()
    assert waited >= 1.0, "the close did not meet the lock"
    assert "database busy writing crawl run" in caplog.text
    assert rec.pending_errors == []
    with get_engine(url).connect() as conn:
        run = conn.execute(select(CrawlRun)).one()
        count = conn.scalar(select(func.count(CrawlError.id)))
    assert run.status == "finished" and run.finished_at is not None
    assert count == recorder_module.FLUSH_EVERY + 5
    assert run.outlet_stats["Le360"]["articles"] == 32 and run.outlet_stats["Le360"]["status"] == "ok"
    assert run.outlet_stats["Quiet"]["status"] == "no articles"  # every crawled outlet appears
    rec.engine.dispose()
    dispose_engines()


def test_gives_up_only_after_the_deadline(tmp_path: Path) -> None:
    from sqlalchemy.exc import OperationalError

    calls: list[float] = []

    def always_locked() -> None:
        calls.append(time.monotonic())
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    slept: list[float] = []
    ok = recorder_module.with_retries(always_locked, time.monotonic() + 0.05, "x", sleep=slept.append)
    assert not ok and len(calls) >= 2 and slept and all(0 < s <= 0.05 for s in slept)


# ------------------------------------------------------------------ outlet status, pure
@pytest.mark.parametrize(("status", "body", "expected"), [
    (403, b"<html>Forbidden</html>", "HTTP 403"),
    (429, b"slow down", "HTTP 429"),
    (503, b"<html><head><title>Just a moment...</title></head>", "HTTP 503, cloudflare challenge page"),
    (200, b"<title>Attention Required! | Cloudflare</title>", "HTTP 200, cloudflare challenge page"),
    (200, b"<script src='https://ct.captcha-delivery.com/c.js'></script>", "HTTP 200, datadome challenge page"),
    (403, b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>Reference&#32;&#35;18.abc</BODY>",
     "HTTP 403, akamai challenge page"),
    (200, b"<div class='g-recaptcha' data-sitekey='x'></div>", "HTTP 200, captcha challenge page"),
    (200, b"<html><title>Le Maroc et la France</title><p>Just a moment of history</p></html>", None),
    (404, b"not found", None),
])
def test_block_evidence(status: int, body: bytes, expected: str | None) -> None:
    evidence = block_evidence(status, body)
    if expected is None:
        assert evidence is None
    else:
        assert evidence is not None and evidence.startswith(expected) and "first bytes: " in evidence


def test_challenge_markers_ignore_ordinary_articles_about_captchas() -> None:
    article = (b"<html><head><title>Les captchas et la vie privee</title></head><body>"
               + b"<p>DataDome et Cloudflare protegent les sites.</p>" * 300
               + b"<form><div class='g-recaptcha'></div></form>")
    assert challenge_vendor(article) is None
    assert challenge_vendor(b"<html><head><title>Captcha</title></head><body>Prove you are human</body>") == "captcha"


@pytest.mark.parametrize(("kind", "message", "expected"), [
    ("dns", "DNS lookup failed: no results for hostname lookup: fr.le360.ma.", "DNS lookup failed"),
    ("connection", "Connection was refused by other side: 111: Connection refused.", "connection refused"),
    ("timeout", "Getting https://x/ took longer than 30.0 seconds.", "timed out"),
    ("sslerror", "[('SSL routines', '', 'certificate verify failed')]", "TLS error"),
    ("http_404", "HTTP 404", None),
    ("feed_parse", "not XML", None),
])
def test_network_reason(kind: str, message: str, expected: str | None) -> None:
    assert network_reason(kind, message) == expected


def test_classify_and_exit_code() -> None:
    ok, down = {"articles": 3, "pages": 9}, {"articles": 0, "pages": 0, "errors": 2}
    blocked = {"articles": 0, "pages": 4, "blocked": 4, "errors": 4}
    assert [classify(f) for f in (ok, down, blocked)] == ["ok", "unreachable", "blocked"]
    assert classify({"articles": 0, "pages": 5}) == "no articles"
    assert classify({"articles": 0, "pages": 5, "already_stored": 12}) == "ok"
    assert run_exit_code({"a": ok, "b": ok}) == 0
    assert run_exit_code({"a": ok, "b": down}) == 1
    assert run_exit_code({"a": blocked, "b": down}) == 3
    assert run_exit_code({"a": {"articles": 0, "pages": 5}}) == 0  # empty is not a failure of the run
