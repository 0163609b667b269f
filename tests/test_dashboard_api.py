"""The dashboard through the ASGI test client, on SQLite and PostgreSQL: pages, API, exports,
feedback and retry forms, authentication and security headers."""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from dashboard_sample import HOSTILE_TITLE, TOPIC, Sample, seed_sample
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dashboard.app import create_app
from storage.db import get_engine, session_scope
from storage.models import Article, Delivery, Feedback, Match, Outlet

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


PAGES = ("/", "/outlets", "/runs", "/deliveries", "/charts", "/feedback")  # the pages of the menu


@dataclass
class Env:
    url: str
    sample: Sample
    client: TestClient
    now: datetime


@pytest.fixture
def env(database_url: str) -> Iterator[Env]:
    now = datetime.now(UTC)
    with session_scope(get_engine(database_url)) as session:
        sample = seed_sample(session, now)
    with TestClient(create_app(database_url), base_url="http://127.0.0.1") as client:
        yield Env(database_url, sample, client, now)


def oracle(url: str) -> list[dict[str, Any]]:
    """Every match with what filters look at, computed in Python: the expected answers."""
    with session_scope(get_engine(url)) as s:
        rows = s.execute(
            select(Match, Article, Outlet).join(Article, Match.article_id == Article.id).join(Outlet)
        )
        return [
            {"id": m.id, "article": a.id, "topic": m.topic, "score": m.score, "outlet": o.name, "country": o.country,
             "language": a.language, "date": a.published_at or a.fetched_at, "words": f"{a.title} {a.text}".lower()}
            for m, a, o in rows
        ]  # fmt: skip


def fetched(url: str) -> list[tuple[str, datetime]]:
    """(outlet, fetched_at) of every stored article."""
    with session_scope(get_engine(url)) as s:
        return [
            (name, at) for name, at in s.execute(select(Outlet.name, Article.fetched_at).join(Article.outlet))
        ]


def ids(response: Any) -> list[int]:
    """The article ids of a list answer: one row per matched article."""
    assert response.status_code == 200, response.text
    return [item["article_id"] for item in response.json()["items"]]


def test_api_list_filters_agree_with_the_data(env: Env) -> None:
    rows = oracle(env.url)
    cases: list[tuple[dict[str, Any], Any]] = [
        ({}, lambda r: True),
        ({"topic": "migration"}, lambda r: r["topic"] == "migration"),
        ({"outlet": "Le Monde"}, lambda r: r["outlet"] == "Le Monde"),
        ({"country": "ma"}, lambda r: r["country"] == "ma"),
        ({"language": "ar"}, lambda r: r["language"] == "ar"),
        ({"min_score": 0.7}, lambda r: r["score"] >= 0.7),
        ({"country": "ma", "topic": TOPIC, "min_score": 0.65}, lambda r: r["country"] == "ma" and r["topic"] == TOPIC and r["score"] >= 0.65),
    ]  # fmt: skip
    old_day = min(r["date"] for r in rows).date()
    cases.append(
        (
            {"date_from": old_day.isoformat(), "date_to": old_day.isoformat()},
            lambda r: r["date"].date() == old_day,
        )
    )
    cases.append(
        ({"date_from": (old_day + timedelta(days=1)).isoformat()}, lambda r: r["date"].date() > old_day)
    )
    for params, keep in cases:
        expected = {r["article"] for r in rows if keep(r)}  # an article with any match that passes
        assert expected, params  # every case selects something...
        got = ids(env.client.get("/api/matches", params=params))
        assert set(got) == expected, params
    assert len(rows) > len({r["id"] for r in rows if r["topic"] == "migration"})  # ...and not everything


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("coopération", ["coopération"]),
        ("DGSI rabat", ["dgsi", "rabat"]),
        ("التعاون", ["التعاون"]),
        ('"patrouilles" OR', ["patrouilles", "or"]),
    ],
)
def test_full_text_search(env: Env, query: str, words: list[str]) -> None:
    rows = oracle(env.url)
    expected = {
        r["article"] for r in rows if all(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", r["words"]) for w in words)
    }
    if words[-1] == "or":  # "or" is not in any text: no result, and no syntax error either
        assert expected == set()
    else:
        assert expected
    assert set(ids(env.client.get("/api/matches", params={"q": query}))) == expected


def test_search_follows_article_edits(env: Env) -> None:
    """The FTS index is kept in step with the articles table (triggers / expression index)."""
    assert ids(env.client.get("/api/matches", params={"q": "zanzibar"})) == []
    with session_scope(get_engine(env.url)) as s:
        s.get(Article, env.sample.articles["lemonde-old"]).text += " Zanzibar"  # type: ignore[union-attr]
    assert ids(env.client.get("/api/matches", params={"q": "zanzibar"})) == [
        env.sample.articles["lemonde-old"]
    ]


def test_sorting_and_pagination(env: Env) -> None:
    rows = oracle(env.url)
    best: dict[int, float] = {}
    dated: dict[int, datetime] = {}
    for r in rows:
        best[r["article"]] = max(best.get(r["article"], 0.0), r["score"])
        dated[r["article"]] = r["date"]
    assert len(best) < len(rows)  # an article with two topics is listed once
    by_score = sorted(best, key=lambda a: (-best[a], -a))
    assert ids(env.client.get("/api/matches", params={"sort": "-score"})) == by_score
    newest = sorted(dated, key=lambda a: (dated[a], a), reverse=True)
    pages = [
        env.client.get("/api/matches", params={"per_page": 2, "page": p}).json() for p in (1, 2, 3, 4, 5)
    ]
    assert [i["article_id"] for p in pages for i in p["items"]] == newest
    assert pages[0]["total"] == len(best) and pages[0]["pages"] == -(-len(best) // 2)
    assert env.client.get("/api/matches", params={"page": 0}).status_code == 422
    assert env.client.get("/api/matches", params={"sort": "title; drop table"}).status_code == 422


def test_matches_page_keeps_filters_in_links_and_exports_the_same_rows(env: Env) -> None:
    page = env.client.get("/matches", params={"country": "ma", "sort": "-score", "q": "coopération"})
    assert page.status_code == 200
    html = page.text
    assert 'href="/matches.csv?country=ma&amp;q=coop%C3%A9ration&amp;sort=-score"' in html
    assert (
        'href="/matches?country=ma&amp;q=coop%C3%A9ration&amp;sort=score&amp;page=1"' not in html
    )  # page 1 is default
    assert 'href="/matches?country=ma&amp;q=coop%C3%A9ration&amp;sort=score"' in html  # flip the score order
    shown = int(re.search(r'id="total">(\d+)<', html).group(1))  # type: ignore[union-attr]
    exported = list(
        csv.DictReader(
            io.StringIO(env.client.get("/matches.csv?country=ma&q=coop%C3%A9ration&sort=-score").text)
        )
    )
    api = env.client.get(
        "/api/matches", params={"country": "ma", "q": "coopération", "sort": "-score"}
    ).json()
    assert shown == len(exported) == api["total"] > 0
    assert [int(r["article_id"]) for r in exported] == [i["article_id"] for i in api["items"]]
    assert [int(r["match_id"]) for r in exported] == [i["match_id"] for i in api["items"]]
    hostile = next(r for r in exported if int(r["article_id"]) == env.sample.articles["hostile"])
    assert hostile["title"] == HOSTILE_TITLE and hostile["url"].startswith("javascript:")


def test_bad_filter_values_give_a_clear_422_page(env: Env) -> None:
    r = env.client.get("/matches?date_from=yesterday&min_score=lots")
    assert (
        r.status_code == 422
        and "date_from" in r.text
        and "min_score" in r.text
        and "<!doctype html>" in r.text
    )
    # a form submitted without JavaScript sends every field, blank ones too: blank = no filter
    blank = env.client.get(
        "/api/matches?topic=&outlet=&country=&language=&date_from=&date_to=&min_score=&q=&view=matches"
    )
    assert blank.status_code == 200 and blank.json() == env.client.get("/api/matches").json()
    assert env.client.get("/matches?topic=&date_from=&date_to=&min_score=&q=").status_code == 200
    assert env.client.get("/api/matches?min_score=nan").status_code == 422
    assert env.client.get("/articles/999999").status_code == 404
    assert env.client.get("/api/articles/999999").json() == {"detail": "no article 999999"}


def test_hostile_article_is_escaped_and_not_linked(env: Env) -> None:
    r = env.client.get(f"/articles/{env.sample.articles['hostile']}")
    assert r.status_code == 200
    html = r.text
    assert (
        "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html.lower()
    )
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Original address (not a web link): javascript:alert(&#39;original&#39;)" in html
    assert '<mark class="term" title="coopération">coopération</mark>' in html
    assert html.count("<script") == 1 and '<script src="/static/app.js" defer></script>' in html


def test_arabic_article_is_right_to_left_with_highlights_and_story(env: Env) -> None:
    html = env.client.get(f"/articles/{env.sample.articles['hespress-coop']}").text
    assert '<article class="article" lang="ar" dir="rtl">' in html
    assert '<mark class="term" title="التعاون الأمني">التعاون الأمني</mark>' in html
    assert '<mark class="entity" title="الرباط">الرباط</mark>' in html
    for other in ("le360-coop", "lemonde-coop"):
        assert f'href="/articles/{env.sample.articles[other]}"' in html
    assert (
        'href="https://hespress.example/hespress-coop"' in html
        and 'rel="noopener noreferrer nofollow"' in html
    )


def _csrf(client: TestClient, path: str) -> str:
    html = client.get(path).text
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_feedback_form_stores_counts_and_exports(env: Env) -> None:
    match_id, article_id = env.sample.matches["le360-coop"], env.sample.articles["le360-coop"]
    token = _csrf(env.client, f"/articles/{article_id}")
    for verdict in ("relevant", "relevant", "not_relevant"):
        r = env.client.post(
            f"/matches/{match_id}/feedback", data={"csrf": token, "verdict": verdict}, follow_redirects=False
        )
        assert (
            r.status_code == 303
            and r.headers["location"] == f"/articles/{article_id}?saved={match_id}#match-{match_id}"
        )
    html = env.client.get(f"/articles/{article_id}?saved={match_id}").text
    assert "Relevant (2)" in html and "Not relevant (1)" in html and "verdict saved" in html
    rules = {(r["topic"], r["rule"]): r for r in env.client.get("/api/feedback/rules").json()}
    assert (
        rules[(TOPIC, "fr-core-terms")]["relevant"] == 2
        and rules[(TOPIC, "entities-ma-fr")]["not_relevant"] == 1
    )
    assert abs(rules[(TOPIC, "fr-core-terms")]["precision"] - 2 / 3) < 1e-9
    assert "fr-core-terms" in env.client.get("/feedback").text
    exported = list(csv.DictReader(io.StringIO(env.client.get("/feedback.csv").text)))
    assert [r["verdict"] for r in exported] == ["relevant", "relevant", "not_relevant"]
    assert exported[0]["rules"] == "fr-core-terms entities-ma-fr" and "coopération" in exported[0]["terms"]
    assert env.client.get(f"/api/matches/{match_id}").json()["feedback"] == {"relevant": 2, "not_relevant": 1}


def test_posts_without_the_csrf_token_or_from_elsewhere_are_refused(env: Env) -> None:
    match_id = env.sample.matches["le360-coop"]
    token = _csrf(env.client, f"/articles/{env.sample.articles['le360-coop']}")
    attempts = [
        ({"verdict": "relevant"}, {}),
        ({"verdict": "relevant", "csrf": "forged"}, {}),
        ({"verdict": "relevant", "csrf": token}, {"Origin": "http://evil.example"}),
    ]
    for data, headers in attempts:
        assert env.client.post(f"/matches/{match_id}/feedback", data=data, headers=headers).status_code == 403
    r = env.client.post(f"/deliveries/{env.sample.failed_delivery_id}/retry", data={})
    assert r.status_code == 403
    assert (
        env.client.post(f"/matches/{match_id}/feedback", data={"verdict": "maybe", "csrf": token}).status_code
        == 400
    )
    with session_scope(get_engine(env.url)) as s:
        assert s.scalar(select(func.count(Feedback.id))) == 0
        assert s.get(Delivery, env.sample.failed_delivery_id).status == "failed"  # type: ignore[union-attr]


def test_retry_puts_a_failed_delivery_back_in_the_queue(env: Env) -> None:
    failed = env.sample.failed_delivery_id
    html = env.client.get("/deliveries?status=failed").text
    assert (
        f'action="/deliveries/{failed}/retry"' in html and "slack webhook answered 500 &lt;html&gt;" in html
    )
    token = _csrf(env.client, "/deliveries")
    before = datetime.now(UTC)
    r = env.client.post(f"/deliveries/{failed}/retry", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    with session_scope(get_engine(env.url)) as s:
        row = s.get(Delivery, failed)
        # the alerts ledger's requeue: due at once, attempts reset (as the CLI's retry)
        assert row is not None and row.status == "pending" and row.attempts == 0
        assert row.next_attempt_at is None or row.next_attempt_at <= datetime.now(UTC)
    assert before <= datetime.now(UTC)
    # only failed deliveries are retried
    assert env.client.post(f"/deliveries/{failed}/retry", data={"csrf": token}).status_code == 409
    assert env.client.post("/deliveries/99999/retry", data={"csrf": token}).status_code == 404
    assert (
        env.client.post(f"/deliveries/{env.sample.sent_delivery_id}/retry", data={"csrf": token}).status_code
        == 409
    )
    listed = {d["id"]: d for d in env.client.get("/api/deliveries").json()}
    assert listed[failed]["status"] == "pending" and listed[env.sample.sent_delivery_id]["stories"] == 1


def test_outlet_health_flags_quiet_outlets(env: Env) -> None:
    health = env.client.get("/api/outlets").json()
    by_name = {h["name"]: h for h in health}
    assert [h["name"] for h in health][0] == "Quiet Times" and by_name["Quiet Times"]["quiet"] is True
    now = datetime.now(UTC)
    for name in ("Le360", "Le Monde", "Hespress", "Quiet Times"):
        ages = [now - at for outlet, at in fetched(env.url) if outlet == name]
        assert by_name[name]["articles_24h"] == sum(age < timedelta(days=1) for age in ages)
        assert by_name[name]["articles_7d"] == sum(age < timedelta(days=7) for age in ages)
    assert (
        by_name["Le360"]["quiet"] is False
        and by_name["Le360"]["articles_24h"] < by_name["Le360"]["articles_7d"]
    )
    assert by_name["Hespress"]["error_rate"] == pytest.approx(2 / 60) and by_name["Le360"][
        "empty_rate"
    ] == pytest.approx(2 / 80)
    assert by_name["Quiet Times"]["last_error"] == "feed_parse: <b>not XML</b> at line 1"
    html = env.client.get("/outlets").text
    assert '<tr class="quiet" data-status=' in html and "&lt;b&gt;not XML&lt;/b&gt;" in html
    runs = env.client.get("/api/runs").json()
    assert [r["pages"] for r in runs] == [115, 115] and runs[0]["errors"] == 5 and runs[1]["errors"] == 1


def test_charts_count_per_day(env: Env) -> None:
    data = env.client.get("/api/charts/matches-per-day", params={"days": 7}).json()
    assert data["labels"][-1] == datetime.now(UTC).date().isoformat() and len(data["labels"]) == 7
    rows = oracle(env.url)
    assert sum(data["series"][TOPIC]) == sum(1 for r in rows if r["topic"] == TOPIC)
    outlets = env.client.get("/api/charts/articles-per-outlet", params={"days": 14}).json()["series"]
    for name, counts in outlets.items():
        assert sum(counts) == sum(1 for outlet, _at in fetched(env.url) if outlet == name), name
    assert set(outlets) == {"Le360", "Le Monde", "Hespress", "Quiet Times"}
    html = env.client.get("/charts").text
    assert html.count("<svg") == 2 and "<polyline" in html


def test_atom_feed_per_topic(env: Env) -> None:
    r = env.client.get(f"/feeds/{TOPIC}.atom")
    assert r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == sum(1 for row in oracle(env.url) if row["topic"] == TOPIC)
    assert entries[0].find("a:title", ns).text == HOSTILE_TITLE  # type: ignore[union-attr]  # newest, as text
    assert ET.fromstring(env.client.get("/feeds/nothing-here.atom").content).findall("a:entry", ns) == []


def test_pages_send_security_headers_and_use_no_inline_script(env: Env) -> None:
    for path in (*PAGES, "/stories", f"/stories/{env.sample.story_id}", f"/articles/{env.sample.articles['le360-coop']}"):
        r = env.client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"<script(?![^>]*\bsrc=)", r.text), path  # every script is a file
        assert (
            " style=" not in r.text
            and "<style" not in r.text
            and " on" not in re.sub(r">[^<]*<", "><", r.text)
        )
    assert env.client.get("/static/app.js").status_code == 200
    assert env.client.get("/docs").status_code == 404  # the CDN-based Swagger UI is not served


def test_token_protects_every_request(database_url: str) -> None:
    client = TestClient(create_app(database_url, token="correct horse"), base_url="http://127.0.0.1")
    for path in ("/", "/api/matches", "/static/app.css", "/api/openapi.json", "/nowhere"):
        r = client.get(path)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic"), path
    assert client.get("/api/matches", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/matches", headers={"Authorization": "Bearer correct horse"}).status_code == 200
    basic = base64.b64encode(b"analyst:correct horse").decode()
    assert client.get("/matches", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    assert client.get("/matches", auth=("analyst", "correct hors")).status_code == 401


def test_empty_store_renders_every_page(database_url: str) -> None:
    client = TestClient(create_app(database_url), base_url="http://127.0.0.1")
    for path in (*PAGES, "/stories", "/matches.csv", "/feedback.csv", "/feeds/x.atom"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/matches").json() == {
        "total": 0,
        "page": 1,
        "per_page": 50,
        "pages": 1,
        "items": [],
    }
    assert date.today()  # the store being empty is not an error


def test_stories_view_shows_each_story_once_by_its_best_match(env: Env) -> None:
    rows = oracle(env.url)
    with session_scope(get_engine(env.url)) as s:
        story_of = dict(s.execute(select(Match.id, Article.story_id).join(Article)).all())
        article_of = dict(s.execute(select(Match.id, Match.article_id)).all())
    groups: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        if r["topic"] == TOPIC:
            groups.setdefault(story_of[r["id"]] or f"a{article_of[r['id']]}", []).append(r)
    best = {max(g, key=lambda r: (r["score"], r["id"]))["id"] for g in groups.values()}
    assert len(best) < sum(len(g) for g in groups.values())  # the sample has a story of several matches
    data = env.client.get("/api/matches", params={"view": "stories", "topic": TOPIC, "sort": "-score"}).json()
    assert data["total"] == len(groups) and {i["match_id"] for i in data["items"]} == best
    scores = [i["score"] for i in data["items"]]
    assert scores == sorted(scores, reverse=True)
    page = env.client.get("/matches", params={"view": "stories", "topic": TOPIC}).text
    assert f'<span id="total">{len(groups)}</span> stories' in page and "3 articles" in page


def test_matches_page_advertises_one_atom_feed_per_topic(env: Env) -> None:
    html = env.client.get("/matches").text
    feeds = re.findall(r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)">', html)
    assert feeds == ["/feeds/migration.atom", f"/feeds/{TOPIC}.atom"]
    assert env.client.get(feeds[0]).headers["content-type"].startswith("application/atom+xml")
