"""The article page's "Why / why not" section, fed by the real Matcher over the shipped rules:
an article that matches, a near miss (a football match's security), hostile text inside a
fired exclusion, rules loaded once per app, and a dashboard without readable rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from dashboard_sample import MATCHED_STORY, TOPIC, _article, seed_matched, seed_sample
from fastapi.testclient import TestClient
from sqlalchemy import select

from dashboard.app import create_app
from dashboard.explain import MAX_SET_ASIDE, why_by_topic
from pipelines.matching.engine import Matcher, load_topics
from storage.db import get_engine, session_scope
from storage.models import Article, Match, Outlet

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RULES = Path(__file__).resolve().parent.parent / "config" / "rules"
NEAR_MISS = ("Maroc-France : la sécurité du match",
             "Le Maroc et la France : dispositif de sécurité pour le match au Stade de France.")  # fmt: skip
HOSTILE_EXCLUSION = (
    "Paris et Rabat",
    'Casablanca : raid contre les paris "<>&" sportifs illégaux. La DGSN et la DGSI coopèrent, '
    "Paris et Rabat saluent la coopération sécuritaire.",
)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_topics(RULES)


@dataclass
class Site:
    client: TestClient
    url: str
    articles: dict[str, int]


@pytest.fixture
def site(sqlite_url: str, matcher: Matcher) -> Iterator[Site]:
    with session_scope(get_engine(sqlite_url)) as session:
        seed_sample(session)
        articles = seed_matched(session, matcher)
        outlet = session.scalars(select(Outlet).where(Outlet.name == "Le360")).one()
        for key, (title, text) in (("near-miss", NEAR_MISS), ("hostile-exclusion", HOSTILE_EXCLUSION)):
            article = _article(outlet, key, title, text, "fr", datetime.now(UTC) - timedelta(minutes=5))
            session.add(article)
            session.flush()
            for found in matcher.match(title, text, "fr"):  # stored as the pipeline stores them
                session.add(Match(article_id=article.id, topic=found.topic, score=found.score,
                                  rules_version=found.rules_version, reasons=found.reasons))  # fmt: skip
            articles[key] = article.id
    with TestClient(create_app(sqlite_url, rules_dir=RULES), base_url="http://127.0.0.1") as client:
        yield Site(client, sqlite_url, articles)


def _why(site: Site, key: str) -> Any:
    response = site.client.get(f"/articles/{site.articles[key]}")
    assert response.status_code == 200, response.text
    section = lxml.html.fromstring(response.text).get_element_by_id("why")
    return section, response.text


def _texts(node: Any, css_class: str) -> list[str]:
    return [li.text_content() for li in node.xpath(f".//li[contains(concat(' ', @class, ' '), ' {css_class} ')]")]


def _article_text(url: str, article_id: int) -> tuple[str, str, str | None]:
    with session_scope(get_engine(url)) as session:
        a = session.get(Article, article_id)
        assert a is not None
        return a.title, a.text, a.language


def test_each_topic_shows_the_matchers_explanation(site: Site, matcher: Matcher) -> None:
    """Every topic's block says what ``Matcher.explain`` says on the stored text, nothing else."""
    for key in (MATCHED_STORY[0][0], "near-miss"):
        section, _ = _why(site, key)
        explained = matcher.explain(*_article_text(site.url, site.articles[key]))
        assert len(section.xpath(".//details")) == len(explained) == len(matcher.topic_names)
        for x in explained:
            block = section.get_element_by_id(f"why-{x.topic}")
            summary = block.xpath("./summary")[0]
            assert summary.xpath(".//span[@class='score']")[0].text == f"{x.score:.3f}"
            assert summary.xpath(".//span[@class='threshold']")[0].text == f"{x.threshold:.3f}"
            assert _texts(block, "missing") == [f"missing: {m}" for m in x.missing]
            assert _texts(block, "found") == [f"group {g}: {', '.join(labels)}" for g, labels in x.groups.items()]
            assert len(_texts(block, "exclusion")) == len(x.exclusions)
            for shown, fired in zip(_texts(block, "exclusion"), x.exclusions, strict=True):
                assert fired["name"] in shown and f"“{fired['text']}”" in shown


def test_a_match_says_match_with_its_stored_score(site: Site) -> None:
    section, _ = _why(site, MATCHED_STORY[0][0])
    with session_scope(get_engine(site.url)) as session:
        stored = session.scalars(
            select(Match).where(Match.article_id == site.articles[MATCHED_STORY[0][0]], Match.topic == TOPIC)
        ).one()
        score = stored.score
    block = section.get_element_by_id(f"why-{TOPIC}")
    assert block.xpath(".//span[@class='verdict']")[0].text == "match"
    assert block.xpath(".//span[@class='score']")[0].text == f"{score:.3f}"
    assert block.get("open") is not None and _texts(block, "missing") == []
    assert not block.xpath(".//p[contains(@class, 'stored')]")  # stored and current rules agree
    assert section.xpath(".//details")[0].get("id") == f"why-{TOPIC}"  # the match comes first


def test_a_near_miss_says_which_exclusion_fired_and_what_is_missing(site: Site) -> None:
    section, _ = _why(site, "near-miss")
    block = section.get_element_by_id(f"why-{TOPIC}")
    assert block.xpath(".//span[@class='verdict']")[0].text == "near miss" and block.get("open") is not None
    exclusions = _texts(block, "exclusion")
    assert exclusions and all("sport" in e and "hiding sécurité" in e for e in exclusions)
    assert "missing: group 'morocco' has no hit" in _texts(block, "missing")


def test_scraped_text_in_an_explanation_stays_text(site: Site) -> None:
    section, page = _why(site, "hostile-exclusion")
    block = section.get_element_by_id(f"why-{TOPIC}")
    assert any('“paris "<>&" sportifs”' in e for e in _texts(block, "exclusion"))
    assert "paris &#34;&lt;&gt;&amp;&#34; sportifs" in page and 'paris "<>&" sportifs' not in page


def test_rules_are_loaded_once_per_app(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboard.deps

    calls: list[object] = []
    real = dashboard.deps.load_matcher

    def counting(rules_dir: object = None) -> Matcher | None:
        calls.append(rules_dir)
        return real(rules_dir)

    monkeypatch.setattr(dashboard.deps, "load_matcher", counting)
    for key in ("near-miss", MATCHED_STORY[0][0], "near-miss"):
        _why(site, key)
    assert site.client.get("/matches").status_code == 200  # entity labels: the same matcher
    assert calls == [RULES]


def test_without_rules_the_page_still_renders(sqlite_url: str, tmp_path: Path) -> None:
    with session_scope(get_engine(sqlite_url)) as session:
        sample = seed_sample(session)
    client = TestClient(create_app(sqlite_url, rules_dir=tmp_path / "no-rules"), base_url="http://127.0.0.1")
    response = client.get(f"/articles/{sample.articles['le360-coop']}")
    assert response.status_code == 200
    why = lxml.html.fromstring(response.text).get_element_by_id("why")
    assert "could not be loaded" in why.text_content() and not why.xpath(".//details")


def test_why_by_topic_orders_and_flags_stale_rows(matcher: Matcher) -> None:
    title, text = MATCHED_STORY[0][4], MATCHED_STORY[0][5]
    found = {m.topic: m for m in matcher.match(title, text, "fr")}
    assert TOPIC in found
    old = Match(topic=TOPIC, score=found[TOPIC].score, rules_version="older-rules", reasons={})
    whys = why_by_topic(matcher, title, text, "fr", [old])
    assert [w.explanation.topic for w in whys][0] == TOPIC and whys[0].verdict == "match"
    assert whys[0].stale and not whys[0].disagrees
    ranks = ["match", "near miss", "no match", "nothing found"]
    assert [ranks.index(w.verdict) for w in whys] == sorted(ranks.index(w.verdict) for w in whys)
    assert all(not w.stale and w.disagrees is False for w in whys[1:])  # no stored row, no current match
    near = {w.explanation.topic: w for w in why_by_topic(matcher, *NEAR_MISS, "fr")}
    assert near[TOPIC].verdict == "near miss" and near[TOPIC].explanation.exclusions
    assert len(near[TOPIC].set_aside) <= MAX_SET_ASIDE
    labels = [(s.label, s.field, s.why) for s in near[TOPIC].set_aside]
    assert len(labels) == len(set(labels))  # each distinct hit once, with its count
    assert sum(s.count for s in near[TOPIC].set_aside) == len(near[TOPIC].explanation.dropped)
