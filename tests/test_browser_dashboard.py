"""The dashboard in real headless Chromium (Debian's package, driven by Playwright).

Served by uvicorn on 127.0.0.1 in a thread, over a seeded SQLite store. Loads every page,
filters, opens articles, marks feedback, retries a delivery, takes screenshots, and checks
that an article full of ``<script>``, ``onerror`` and ``javascript:`` runs nothing.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from dashboard_sample import HOSTILE_TITLE, MATCHED_STORY, TOPIC, Sample, seed_matched, seed_sample
from sqlalchemy import select

from dashboard.app import create_app
from storage.db import get_engine, session_scope
from storage.models import Delivery, Feedback, Triage

CHROMIUM = Path("/usr/bin/chromium")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]  # fmt: skip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is absent: apt-get install -y chromium"
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@dataclass
class Site:
    base: str
    url: str
    sample: Sample
    shots: Path
    matched: dict[str, int] = field(default_factory=dict)  # articles matched by the real Matcher


@dataclass
class Watch:
    """Everything a page might do behind our back."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    import uvicorn

    from storage.db import dispose_engines, upgrade

    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'newswatch.db'}"
    upgrade(url)
    from pipelines.matching.engine import load_topics

    with session_scope(get_engine(url)) as session:
        sample = seed_sample(session)
        matched = seed_matched(session, load_topics(PROJECT_ROOT / "config" / "rules"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(url, rules_dir=PROJECT_ROOT / "config" / "rules"), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", url, sample, tmp, matched)
    server.should_exit = True
    thread.join(10)
    dispose_engines()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    watch = Watch()

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("console", lambda msg: watch.console_errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    pg.on(
        "request",
        lambda req: None if req.url.startswith(site.base) else watch.external_requests.append(req.url),
    )
    yield pg, watch
    context.close()


def _clean(watch: Watch) -> None:
    assert watch.dialogs == [], watch.dialogs
    assert watch.page_errors == [], watch.page_errors
    assert watch.console_errors == [], watch.console_errors
    assert watch.external_requests == [], watch.external_requests


def test_every_page_loads_without_errors(page: tuple[Any, Watch], site: Site) -> None:
    pg, watch = page
    for path, heading in [("/matches", "Matches"), ("/stories", "Stories"), ("/outlets", "Outlets"), ("/runs", "Crawl runs"),
                          ("/deliveries", "Deliveries"), ("/charts", "Charts"), ("/feedback", "Feedback")]:  # fmt: skip
        response = pg.goto(site.base + path)
        assert response.status == 200 and "script-src 'self'" in response.headers["content-security-policy"]
        assert pg.locator("h1").inner_text() == heading
        pg.screenshot(path=str(site.shots / f"{path.strip('/')}.png"), full_page=True)
        if path == "/charts":
            assert pg.locator("#chart-topics svg polyline").count() >= 1
            assert pg.locator("#chart-outlets svg rect").count() >= 4 * 14
    pg.goto(site.base + "/outlets")
    quiet = pg.locator("tr.quiet")
    assert quiet.count() == 1 and "Quiet Times" in quiet.inner_text()
    assert pg.locator("#outlets tbody tr").first.get_attribute("class") == "quiet"  # quiet first
    _clean(watch)


def test_filter_sort_and_open_an_article(page: tuple[Any, Watch], site: Site) -> None:
    pg, watch = page
    pg.goto(site.base + "/matches")
    total = int(pg.locator("#total").inner_text())
    pg.fill("input[name=q]", "coopération")
    pg.fill("input[name=min_score]", "0.7")
    pg.click("form#filters button[type=submit]")
    pg.wait_for_url("**/matches?*")
    assert "q=coop%C3%A9ration" in pg.url and "min_score=0.7" in pg.url
    assert "topic=" not in pg.url and "sort=" not in pg.url  # app.js drops empty and default fields
    filtered = int(pg.locator("#total").inner_text())
    assert 0 < filtered < total
    scores = [float(s) for s in pg.locator("#matches tbody td.num:nth-child(6)").all_inner_texts()]
    assert scores and min(scores) >= 0.7
    pg.select_option("select[name=country]", "ma")  # a drop-down applies at once
    pg.wait_for_url("**country=ma*")
    assert int(pg.locator("#total").inner_text()) <= filtered
    pg.click("#matches thead a:has-text('Score')")
    pg.wait_for_url("**sort=-score*")
    scores = [float(s) for s in pg.locator("#matches tbody td.num:nth-child(6)").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)
    pg.screenshot(path=str(site.shots / "matches-filtered.png"), full_page=True)
    pg.locator("#matches tbody a.title").first.click()
    pg.wait_for_url("**/articles/*")
    assert pg.locator("article.article mark.term").count() >= 1
    _clean(watch)


def test_arabic_article_reads_right_to_left(page: tuple[Any, Watch], site: Site) -> None:
    pg, watch = page
    pg.goto(f"{site.base}/articles/{site.sample.articles['hespress-coop']}")
    article = pg.locator("article.article")
    assert article.get_attribute("dir") == "rtl"
    assert article.evaluate("el => getComputedStyle(el.querySelector('.text')).direction") == "rtl"
    assert pg.locator("article mark.term").first.inner_text() == "التعاون الأمني"
    assert pg.locator("section.story li").count() == 2
    pg.screenshot(path=str(site.shots / "article-ar.png"), full_page=True)
    _clean(watch)


def test_marking_feedback_is_stored(page: tuple[Any, Watch], site: Site) -> None:
    pg, watch = page
    match_id = site.sample.matches["lemonde-coop"]
    pg.goto(f"{site.base}/articles/{site.sample.articles['lemonde-coop']}")
    pg.click(f"#match-{match_id} button.ok")
    pg.wait_for_url("**saved=*")
    assert pg.locator(f"#match-{match_id} .notice").inner_text() == "Thank you: verdict saved."
    assert pg.locator(f"#match-{match_id} button.ok").inner_text() == "Relevant (1)"
    pg.click(f"#match-{match_id} button.ko")
    pg.wait_for_selector(f"#match-{match_id} button.ko:has-text('Not relevant (1)')")
    with session_scope(get_engine(site.url)) as s:
        verdicts = s.scalars(
            select(Feedback.verdict).where(Feedback.match_id == match_id).order_by(Feedback.id)
        ).all()
    assert verdicts == ["relevant", "not_relevant"]
    pg.goto(site.base + "/feedback")
    assert "fr-core-terms" in pg.locator("#feedback").inner_text()
    _clean(watch)


def test_retry_a_failed_delivery(page: tuple[Any, Watch], site: Site) -> None:
    pg, watch = page
    failed = site.sample.failed_delivery_id
    pg.goto(site.base + "/deliveries")
    pg.click(f"#delivery-{failed} button:has-text('Retry')")
    pg.wait_for_url("**retried=*")
    assert f"Delivery {failed} is queued again." in pg.locator(".notice").inner_text()
    assert pg.locator(f"#delivery-{failed} button").count() == 0
    with session_scope(get_engine(site.url)) as s:
        assert s.get(Delivery, failed).status == "pending"  # type: ignore[union-attr]
    _clean(watch)


def test_hostile_article_is_shown_as_text_and_runs_nothing(page: tuple[Any, Watch], site: Site) -> None:
    pg, watch = page
    pg.goto(f"{site.base}/articles/{site.sample.articles['hostile']}")
    pg.wait_for_load_state("networkidle")
    title = pg.locator("h2.article-title").inner_text()
    assert title == HOSTILE_TITLE
    body = pg.locator("#article-text").inner_text()
    assert "<script>alert('body')</script>" in body and '<a href="javascript:alert(2)">ce lien</a>' in body
    assert pg.locator("article script, article img, article a").count() == 0  # nothing became markup
    assert pg.locator("a[href^='javascript:' i]").count() == 0
    assert pg.locator("#original").evaluate("el => el.tagName") == "SPAN"
    # the list page shows the same title as text too
    pg.goto(f"{site.base}/matches?topic={TOPIC}")
    assert HOSTILE_TITLE in pg.locator("#matches").inner_text()
    pg.goto(f"{site.base}/articles/{site.sample.articles['hostile']}")
    pg.screenshot(path=str(site.shots / "article-hostile.png"), full_page=True)
    pg.wait_for_timeout(300)  # give any stray handler its chance to fire
    _clean(watch)


def test_script_injected_in_the_page_is_blocked_by_the_csp(page: tuple[Any, Watch], site: Site) -> None:
    """Belt and braces: even markup that slipped through could not run inline script."""
    pg, watch = page
    pg.goto(site.base + "/matches")
    pg.evaluate(
        "() => { const d = document.createElement('div'); d.innerHTML = '<img src=x onerror=alert(9)>'; document.body.append(d); }"
    )
    pg.wait_for_timeout(300)
    assert watch.dialogs == []
    assert any("Content Security Policy" in e for e in watch.console_errors)  # the browser refused it


def test_triage_flow_with_the_keyboard(page: tuple[Any, Watch], site: Site) -> None:
    """Issue 13: filter untriaged -> open -> mark not relevant with a key -> the list updates
    -> the Stories page shows the story -> CSV and Atom carry snippets."""
    pg, watch = page
    first_key, second_key = MATCHED_STORY[1][0], MATCHED_STORY[0][0]  # newest first
    target = site.matched[first_key]
    pg.goto(site.base + "/matches")
    pg.select_option("select[name=triage]", "new")  # a drop-down applies at once
    pg.wait_for_url("**triage=new*")
    untriaged = int(pg.locator("#total").inner_text())
    pg.wait_for_selector("form#filters.facets-loaded")  # facet counts fetched from /api/facets
    assert pg.locator("select[name=triage] option[value=new]").inner_text() == f"not yet triaged ({untriaged})"
    assert re.fullmatch(r"Le Monde \(\d+\)", pg.locator("select[name=outlet] option[value='Le Monde']").inner_text())
    assert pg.locator(f"#article-{target}").count() == 1
    row = pg.locator(f"#article-{target}")
    assert row.locator("mark.term").count() >= 1  # the snippet, terms highlighted
    assert "security-cooperation" in row.locator("td.topics").inner_text()
    pg.screenshot(path=str(site.shots / "triage-list.png"), full_page=True)
    pg.keyboard.press("j")  # select the first row (the newest: the target)
    assert pg.locator("tr.selected").get_attribute("id") == f"article-{target}"
    pg.keyboard.press("o")  # open it
    pg.wait_for_url(f"**/articles/{target}?back=*")
    assert pg.locator("#triage-state").inner_text() == "new"
    assert pg.locator("article.article mark.entity").count() >= 1
    why = pg.locator(f"#why-{TOPIC}")  # "why / why not": the real Matcher on the stored text, open
    assert why.locator(".verdict").inner_text() == "match" and why.locator("li.found").first.is_visible()
    pg.keyboard.press("n")  # not relevant: back to the list, which no longer has it
    pg.wait_for_url("**/matches?triage=new")
    assert int(pg.locator("#total").inner_text()) == untriaged - 1
    assert pg.locator(f"#article-{target}").count() == 0
    # the list's own keys: the next article marked relevant without leaving the list
    other = site.matched[second_key]
    pg.locator(f"#article-{other} td.nowrap").click()
    pg.keyboard.press("r")
    pg.wait_for_selector(f"#article-{other}", state="detached")
    assert int(pg.locator("#total").inner_text()) == untriaged - 2
    with session_scope(get_engine(site.url)) as s:
        states = {t.article_id: t.state for t in s.query(Triage).all()}
    assert states[target] == "not_relevant" and states[other] == "relevant"
    pg.goto(site.base + "/matches?triage=not_relevant")
    assert "not relevant" in pg.locator(f"#article-{target} td.triage").inner_text()
    # the story on the Stories page, then as a timeline
    pg.click("nav a:has-text('Stories')")
    pg.wait_for_url("**/stories")
    story_row = pg.locator("#stories tbody tr", has_text=MATCHED_STORY[0][4][:30])
    assert story_row.count() == 1 and "Le Monde, Le360" in story_row.locator("td.outlets").inner_text()
    story_row.locator("a.title").click()
    pg.wait_for_url("**/stories/*")
    assert pg.locator("#timeline li").count() == 2
    assert pg.locator("#timeline li").first.get_attribute("id") == f"timeline-{other}"  # told first
    pg.screenshot(path=str(site.shots / "story.png"), full_page=True)
    # CSV and Atom carry the snippets
    pg.goto(site.base + "/matches?topic=security-cooperation")
    csv_text = pg.request.get(site.base + (pg.locator("#csv").get_attribute("href") or "")).text()
    header, *lines = csv_text.splitlines()
    assert header.endswith("snippet") and any(str(target) in line and "**" in line for line in lines)
    atom = pg.request.get(site.base + (pg.locator("#atom").get_attribute("href") or "")).text()
    assert "&lt;mark class=" in atom and f"/articles/{target}" in atom
    _clean(watch)
