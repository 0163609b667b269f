"""Issue 13's triage, through the ASGI client on SQLite and PostgreSQL: one row per article,
triage states (who, when, filter), facet counts, stories and their timeline, snippets in
the list, CSV and Atom, charts by publication or crawl day, the delivery page."""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from dashboard_sample import TOPIC, Sample, seed_sample
from fastapi.testclient import TestClient
from sqlalchemy import select

from dashboard.app import create_app
from storage.db import get_engine, session_scope
from storage.models import Article, Delivery, Feedback, Match, Outlet, Triage

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class Env:
    url: str
    sample: Sample
    client: TestClient


@pytest.fixture
def env(database_url: str) -> Iterator[Env]:
    with session_scope(get_engine(database_url)) as session:
        sample = seed_sample(session)
    with TestClient(create_app(database_url), base_url="http://127.0.0.1") as client:
        yield Env(database_url, sample, client)


def _csrf(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)  # type: ignore[union-attr]


def _articles(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [i["article_id"] for i in response.json()["items"]]


def _matched_articles(url: str) -> dict[int, dict[str, Any]]:
    """article id -> what facets look at, computed in Python (the oracle)."""
    out: dict[int, dict[str, Any]] = {}
    with session_scope(get_engine(url)) as s:
        for m, a, o in s.execute(select(Match, Article, Outlet).join(Article, Match.article_id == Article.id).join(Outlet)):
            row = out.setdefault(a.id, {"outlet": o.name, "language": a.language, "topics": set(), "triage": "new"})
            row["topics"].add(m.topic)
        for t in s.scalars(select(Triage)):
            if t.article_id in out:
                out[t.article_id]["triage"] = t.state
    return out


def test_one_row_per_article_with_every_topic(env: Env) -> None:
    both = env.sample.articles["le360-migration"]  # matched by two topics
    items = {i["article_id"]: i for i in env.client.get("/api/matches", params={"per_page": 200}).json()["items"]}
    assert len(items) == len(_matched_articles(env.url))
    row = items[both]
    assert [t["topic"] for t in row["topics"]] == ["migration", TOPIC]  # best first
    assert row["topic"] == "migration" and row["score"] == 0.66 and row["triage"] == "new"
    # a topic filter picks that topic's match as the row's best
    only = env.client.get("/api/matches", params={"topic": TOPIC, "per_page": 200}).json()["items"]
    assert next(i for i in only if i["article_id"] == both)["score"] == 0.41
    html = env.client.get("/matches").text
    assert html.count(f'id="article-{both}"') == 1
    assert f'<span id="total">{len(items)}</span> articles' in html


def test_every_sort_lists_each_article_once_in_order(env: Env) -> None:
    with session_scope(get_engine(env.url)) as s:
        facts: dict[int, dict[str, Any]] = {}
        for m, a, o in s.execute(select(Match, Article, Outlet).join(Article, Match.article_id == Article.id).join(Outlet)):
            f = facts.setdefault(a.id, {"score": 0.0, "date": a.published_at or a.fetched_at, "outlet": o.name})
            f["score"] = max(f["score"], m.score)
    for sort in ("score", "-score", "date", "-date", "outlet", "-outlet"):
        key = sort.lstrip("-")
        expected = sorted(facts, key=lambda i: (facts[i][key], i), reverse=sort.startswith("-"))
        if not sort.startswith("-"):  # ascending: ties still newest article first
            expected = sorted(facts, key=lambda i: (facts[i][key], -i))
        pages = [_articles(env.client.get("/api/matches", params={"sort": sort, "per_page": 3, "page": p})) for p in (1, 2, 3)]
        assert [i for p in pages for i in p] == expected, sort


def test_triage_one_click_with_who_and_when_filter_and_feedback(database_url: str) -> None:
    with session_scope(get_engine(database_url)) as session:
        sample = seed_sample(session)
    token = "tok"
    basic = {"Authorization": "Basic " + base64.b64encode(f"amina:{token}".encode()).decode()}
    client = TestClient(create_app(database_url, token=token), base_url="http://127.0.0.1", headers=basic)
    article = sample.articles["le360-coop"]
    untriaged = _articles(client.get("/api/matches", params={"triage": "new", "per_page": 200}))
    assert article in untriaged
    csrf = _csrf(client, "/matches?triage=new")
    before = datetime.now(UTC) - timedelta(seconds=1)
    r = client.post(
        f"/articles/{article}/triage",
        data={"csrf": csrf, "state": "not_relevant", "next": "/matches?triage=new"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/matches?triage=new"
    with session_scope(get_engine(database_url)) as s:
        row = s.get(Triage, article)
        assert row is not None and row.state == "not_relevant" and row.by == "amina"
        assert before <= row.at <= datetime.now(UTC)
        verdicts = s.scalars(
            select(Feedback.verdict).join(Match).where(Match.article_id == article, Feedback.note == "triage")
        ).all()
        assert verdicts == ["not_relevant"]
    after = _articles(client.get("/api/matches", params={"triage": "new", "per_page": 200}))
    assert article not in after and len(after) == len(untriaged) - 1
    assert _articles(client.get("/api/matches", params={"triage": "not_relevant"})) == [article]
    page = client.get("/matches").text
    assert re.search(rf'id="article-{article}"[^>]*class="triage-not_relevant"', page)
    assert "amina" in page
    # changing one's mind replaces the verdict rather than counting twice
    client.post(f"/articles/{article}/triage", data={"csrf": csrf, "state": "relevant"}, follow_redirects=False)
    client.post(f"/articles/{article}/triage", data={"csrf": csrf, "state": "done"}, follow_redirects=False)
    with session_scope(get_engine(database_url)) as s:
        assert s.get(Triage, article).state == "done"  # type: ignore[union-attr]
        assert s.scalars(select(Feedback).where(Feedback.note == "triage")).all() == []
    # an unsafe next, an unknown state or article, a missing token
    r = client.post(f"/articles/{article}/triage", data={"csrf": csrf, "state": "new", "next": "//evil.example/"},
                    follow_redirects=False)  # fmt: skip
    assert r.headers["location"] == f"/articles/{article}?triaged=new"
    assert client.post(f"/articles/{article}/triage", data={"csrf": csrf, "state": "maybe"}).status_code == 400
    assert client.post("/articles/999999/triage", data={"csrf": csrf, "state": "done"}).status_code == 400
    assert client.post(f"/articles/{article}/triage", data={"state": "done"}).status_code == 403


def test_facet_counts_agree_with_the_data(env: Env) -> None:
    csrf = _csrf(env.client, "/matches")
    env.client.post(f"/articles/{env.sample.articles['hespress-coop']}/triage", data={"csrf": csrf, "state": "relevant"})
    truth = _matched_articles(env.url)
    for params in ({}, {"language": "fr"}, {"topic": "migration"}, {"triage": "relevant", "outlet": "Hespress"}):
        facets = env.client.get("/api/facets", params=params).json()

        def keep(a: dict[str, Any], lifted: str, params: dict[str, str] = params) -> bool:
            return all(
                lifted == k or (v in a["topics"] if k == "topic" else a[k] == v) for k, v in params.items()
            )

        for facet in ("outlet", "language", "triage"):
            expected: dict[str, int] = {}
            for a in truth.values():
                if keep(a, facet):
                    expected[a[facet]] = expected.get(a[facet], 0) + 1
            assert facets[facet] == expected, (params, facet)
        topics: dict[str, int] = {}
        for a in truth.values():
            if keep(a, "topic"):
                for t in a["topics"]:
                    topics[t] = topics.get(t, 0) + 1
        assert facets["topic"] == topics, params
    html = env.client.get("/matches", params={"language": "fr", "page": 2}).text
    # the page asks for the counts of its own filter (app.js fills them in once it is shown)
    assert 'data-facets="/api/facets?language=fr"' in html and 'data-facet="outlet"' in html


def test_stories_page_and_timeline(env: Env) -> None:
    sid = env.sample.story_id
    listed = env.client.get("/api/stories").json()
    assert listed["total"] == 1
    story = listed["items"][0]
    assert story["id"] == sid and story["article_count"] == 3
    assert story["outlets"] == ["Hespress", "Le Monde", "Le360"] and story["languages"] == ["ar", "fr"]
    assert story["topics"] == [TOPIC] and story["best_score"] == 0.92
    assert env.client.get("/api/stories", params={"min_outlets": 4}).json()["total"] == 0
    assert env.client.get("/api/stories", params={"topic": "migration"}).json()["total"] == 0
    html = env.client.get("/stories").text
    assert f'href="/stories/{sid}"' in html and "Hespress, Le Monde, Le360" in html
    detail = env.client.get(f"/api/stories/{sid}").json()
    times = [e["when"] for e in detail["timeline"]]
    assert len(times) == 3 and times == sorted(times)  # oldest first: a timeline
    assert detail["timeline"][0]["article_id"] == env.sample.articles["le360-coop"]  # told first, 6 h ago
    assert all(e["match"]["snippet"]["text"] for e in detail["timeline"])
    page = env.client.get(f"/stories/{sid}").text
    assert page.count('<li id="timeline-') == 3 and 'dir="rtl"' in page
    assert env.client.get("/stories/999999").status_code == 404
    assert f'href="/stories/{sid}"' in env.client.get(f"/articles/{env.sample.articles['le360-coop']}").text


def test_snippets_are_escaped_everywhere(env: Env) -> None:
    hostile = env.sample.articles["hostile"]
    html = env.client.get("/matches").text
    row = html[html.index(f'id="article-{hostile}"') :]
    row = row[: row.index("</tr>")]
    assert 'class="snippet"' in row and "<script>" not in row and "&lt;script&gt;" in row
    assert '<mark class="term" title="coopération">coopération</mark>' in row
    exported = {int(r["article_id"]): r for r in csv.DictReader(io.StringIO(env.client.get("/matches.csv").text))}
    assert "**coopération**" in exported[hostile]["snippet"] and "<script>" in exported[hostile]["snippet"]
    assert exported[env.sample.articles["le360-migration"]]["topics"] == f"migration 0.66; {TOPIC} 0.41"
    feed = ET.fromstring(env.client.get(f"/feeds/{TOPIC}.atom").content)
    summaries = {e.find(f"{ATOM}title").text: e.find(f"{ATOM}summary") for e in feed.iter(f"{ATOM}entry")}  # type: ignore[union-attr]
    summary = next(s for s in summaries.values() if s is not None and "alert" in (s.text or ""))
    assert summary.get("type") == "html"
    assert "&lt;script&gt;" in (summary.text or "") and "<script>" not in (summary.text or "")
    assert '<mark class="term"' in (summary.text or "")


def test_charts_by_publication_date_or_crawl_day(env: Env) -> None:
    now = datetime.now(UTC)
    with session_scope(get_engine(env.url)) as s:
        article = s.get(Article, env.sample.articles["lemonde-old"])
        assert article is not None
        article.published_at = now - timedelta(days=20)  # old news crawled today
        article.fetched_at = now
    published = env.client.get("/api/charts/matches-per-day", params={"days": 7}).json()
    crawled = env.client.get("/api/charts/matches-per-day", params={"days": 7, "by": "crawled"}).json()
    assert sum(crawled["series"][TOPIC]) == sum(published["series"][TOPIC]) + 1
    assert crawled["series"][TOPIC][-1] >= 1
    outlets = env.client.get("/api/charts/articles-per-outlet", params={"days": 30}).json()["series"]
    assert sum(outlets["Le Monde"]) == 2  # by publication: still in the 30-day window
    html = env.client.get("/charts?by=crawled").text
    assert "by crawl day" in html and 'href="/charts"' in html
    assert env.client.get("/charts?by=nonsense").status_code == 422


def test_delivery_page_shows_the_message_as_sent(env: Env) -> None:
    with session_scope(get_engine(env.url)) as s:
        d = s.get(Delivery, env.sample.sent_delivery_id)
        assert d is not None
        d.payload = {"subject": "Digest <b>3</b>", "text": "Hello\n<script>x</script>", "html": "<p>Hi</p>",
                     "slack": [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}], "story_ids": [1]}  # fmt: skip
    html = env.client.get(f"/deliveries/{env.sample.sent_delivery_id}").text
    assert "Digest &lt;b&gt;3&lt;/b&gt;" in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;p&gt;Hi&lt;/p&gt;" in html and "&#34;mrkdwn&#34;" in html
    assert "<script>x" not in html
    assert f'href="/deliveries/{env.sample.sent_delivery_id}"' in env.client.get("/deliveries").text
    assert "no stored message" in env.client.get(f"/deliveries/{env.sample.failed_delivery_id}").text
    assert env.client.get("/deliveries/999999").status_code == 404


def test_min_score_is_a_fraction(env: Env) -> None:
    assert env.client.get("/api/matches", params={"min_score": 0.75}).status_code == 200
    assert env.client.get("/api/matches", params={"min_score": 1.5}).status_code == 422
    assert env.client.get("/api/matches", params={"min_score": -0.1}).status_code == 422
    assert 'max="1"' in env.client.get("/matches").text


def test_entities_show_display_names_and_groups_are_not_called_rules(env: Env) -> None:
    with session_scope(get_engine(env.url)) as s:
        match = s.get(Match, env.sample.matches["le360-coop"])
        assert match is not None
        article = s.get(Article, match.article_id)
        assert article is not None
        start = article.text.index("DGSN")
        match.reasons = {**match.reasons, "entities": [
            {"entity": "direction_generale_surete_nationale_ma", "alias": "DGSN", "field": "text", "start": start, "end": start + 4}
        ]}  # fmt: skip
    html = env.client.get(f"/articles/{env.sample.articles['le360-coop']}").text
    assert '<mark class="entity" title="Direction generale surete nationale (MA)">DGSN</mark>' in html
    assert "direction_generale_surete_nationale_ma" not in html
    assert "groups fr-core-terms" in html and "rules fr-core" not in html
    assert "<th>Group</th>" in env.client.get("/feedback").text
