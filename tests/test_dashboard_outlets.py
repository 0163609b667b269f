"""The Outlets page lists every configured outlet from the first crawl on, with its status and evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from common.settings import reset_settings
from dashboard.app import create_app
from storage.db import get_engine, session_scope, upgrade
from storage.discovered import Finding, save_discovered
from storage.models import CrawlError, CrawlRun

SOURCES = """
outlets:
  - name: Never Crawled
    homepage: https://never.example.ma/
    country: MA
    languages: [fr]
  - name: Blocked Daily
    homepage: https://blocked.example.fr/
    country: FR
    languages: [fr]
  - name: Fine News
    homepage: https://fine.example.ma/
    country: MA
    languages: [ar]
"""


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES, encoding="utf-8")
    monkeypatch.setenv("NEWSWATCH_SOURCES_FILE", str(sources))
    reset_settings()
    url = f"sqlite:///{tmp_path / 'nw.db'}"
    upgrade(url)
    engine = get_engine(url)
    with session_scope(engine) as session:
        run = CrawlRun(status="finished", outlet_stats={
            "Blocked Daily": {"pages": 3, "articles": 0, "errors": 3, "status": "blocked",
                              "reason": "blocked.example.fr: blocked (HTTP 403)"},
            "Fine News": {"pages": 12, "articles": 10, "errors": 0, "status": "ok"},
        })
        session.add(run)
        session.flush()
        session.add(CrawlError(run_id=run.id, outlet="Blocked Daily", url="https://blocked.example.fr/",
                               kind="blocked", message="HTTP 403; first bytes: '<title>Just a moment...</title>'"))
    save_discovered(engine, [Finding("Fine News", "feed", "https://fine.example.ma/feed", ok=True)])
    with TestClient(create_app(url), base_url="http://127.0.0.1") as test_client:
        yield test_client
    reset_settings()


def test_every_configured_outlet_is_listed_failing_first_with_evidence(client: TestClient) -> None:
    html = client.get("/outlets").text
    order = [name for name in ("Blocked Daily", "Never Crawled", "Fine News") if name in html]
    assert order == ["Blocked Daily", "Never Crawled", "Fine News"]
    rows = html.split('<tr class="')[1:]
    status = {name: row for row in rows for name in ("Blocked Daily", "Never Crawled", "Fine News") if name in row}
    assert 'data-status="blocked"' in status["Blocked Daily"]
    assert "blocked.example.fr: blocked (HTTP 403)" in status["Blocked Daily"]
    assert "Just a moment..." in status["Blocked Daily"] and "<title>Just" not in status["Blocked Daily"]
    assert 'data-status="never crawled"' in status["Never Crawled"]
    assert 'data-status="ok"' in status["Fine News"] and "feed: https://fine.example.ma/feed" in status["Fine News"]
    assert "No outlet" not in html
