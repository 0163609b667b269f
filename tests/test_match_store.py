"""The match stage against a real database (SQLite and PostgreSQL): stories, Match rows,
idempotence, odd text, rematch after a rule change, export matches."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from pipelines.matching.engine import Matcher, load_topics
from pipelines.matching.store import iter_match_rows, process_new_articles, rematch, reset_story_indexes
from storage.db import get_engine, session_scope
from storage.models import Article, Match, Outlet, Story

RULES = Path(__file__).resolve().parent.parent / "config" / "rules"
NOW = datetime.now(UTC)

POSITIVE = (
    "Le directeur général de la DGSN, Abdellatif Hammouchi, a reçu à Rabat le directeur général de la Police "
    "nationale française, Louis Laugier. Les deux responsables ont signé un plan d'action sur la coopération "
    "sécuritaire, la lutte contre le terrorisme et le trafic de drogue."
)
REPUBLISHED = POSITIVE.replace("a reçu à Rabat", "a reçu, mardi à Rabat,") + " (Avec MAP)"
NEGATIVE = "La Bourse de Casablanca a clôturé en baisse lundi, plombée par les valeurs bancaires et immobilières."


@pytest.fixture(autouse=True)
def _fresh_story_index() -> None:
    reset_story_indexes()


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_topics(RULES)


def _add(url: str, text: str, title: str = "", outlet: str = "Le360", language: str | None = "fr", **kw: object) -> int:
    with session_scope() as s:
        out = s.scalar(select(Outlet).where(Outlet.name == outlet))
        if out is None:
            out = Outlet(name=outlet, country="MA")
            s.add(out)
            s.flush()
        art = Article(url=url, outlet_id=out.id, title=title, text=text, language=language,
                      content_hash=str(hash(text)), fetched_at=NOW, **kw)
        s.add(art)
        s.flush()
        return art.id


@pytest.fixture
def db(database_url: str, use_database: Callable[[str], str]) -> str:
    return use_database(database_url)


def test_matches_and_stories_are_stored_once(db: str, matcher: Matcher) -> None:
    ids = [
        _add("https://a.ma/1", POSITIVE, "Hammouchi et Laugier signent un plan d'action"),
        _add("https://b.ma/2", REPUBLISHED, "Maroc-France : plan d'action sécuritaire", outlet="Hespress"),
        _add("https://c.ma/3", NEGATIVE, "Bourse"),
    ]
    with session_scope(get_engine(db)) as s:
        process_new_articles(s, ids, matcher)
    with session_scope(get_engine(db)) as s:
        process_new_articles(s, ids, matcher)  # re-run: nothing changes
    with session_scope(get_engine(db)) as s:
        rows = s.scalars(select(Match).order_by(Match.article_id)).all()
        assert [(r.article_id, r.topic) for r in rows] == [(ids[0], "security-cooperation"), (ids[1], "security-cooperation")]
        m = rows[0]
        assert m.rules_version == matcher.version_of("security-cooperation") and 0.5 <= m.score < 1
        art = s.get(Article, ids[0])
        for item in m.reasons["terms"] + m.reasons["entities"]:
            source = art.title if item["field"] == "title" else art.text
            assert source[item["start"] : item["end"]] == item["text"]
        arts = {a.id: a for a in s.scalars(select(Article))}
        assert arts[ids[0]].story_id == arts[ids[1]].story_id != arts[ids[2]].story_id
        assert all(a.minhash for a in arts.values())
        story = s.get(Story, arts[ids[0]].story_id)
        assert story.article_count == 2 and "Hammouchi" in story.title
        assert s.scalar(select(func.count()).select_from(Story)) == 2


def test_story_index_is_rebuilt_from_stored_signatures(db: str, matcher: Matcher) -> None:
    first = _add("https://a.ma/1", POSITIVE)
    with session_scope(get_engine(db)) as s:
        process_new_articles(s, [first], matcher)
    reset_story_indexes()  # a new process
    second = _add("https://b.ma/2", REPUBLISHED)
    old = _add("https://c.ma/3", REPUBLISHED + " Archives.", published_at=NOW - timedelta(days=30))
    with session_scope(get_engine(db)) as s:
        process_new_articles(s, [second, old], matcher)
    with session_scope(get_engine(db)) as s:
        a, b, c = (s.get(Article, i) for i in (first, second, old))
        assert a.story_id == b.story_id
        assert c.story_id != a.story_id  # a month apart: not the same story


def test_odd_articles_are_skipped_not_raised(db: str, matcher: Matcher, caplog: pytest.LogCaptureFixture) -> None:
    ids = [
        _add("https://a.ma/empty", ""),
        _add("https://a.ma/mixed", "Maroc 🇲🇦 المغرب \ufeff 警察 ـــــ \u0301\u0301 " * 50, language="zz"),
        _add("https://a.ma/big", (POSITIVE + " ") * 2500),  # ~1 MB
        _add("https://a.ma/ok", POSITIVE),
    ]
    with session_scope(get_engine(db)) as s:
        process_new_articles(s, ids + [999_999], matcher)  # an unknown id is ignored
    with session_scope(get_engine(db)) as s:
        topics = {r.article_id for r in s.scalars(select(Match))}
        assert topics == {ids[2], ids[3]}


def test_a_failing_article_is_logged_and_the_rest_go_on(
    db: str, matcher: Matcher, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [_add("https://a.ma/1", POSITIVE), _add("https://a.ma/2", POSITIVE + " Suite.")]
    real = matcher.match

    def flaky(title: str, text: str, language: str | None) -> list:  # type: ignore[type-arg]
        if text.endswith("Suite."):
            raise RuntimeError("boom")
        return real(title, text, language)

    monkeypatch.setattr(matcher, "match", flaky)
    with session_scope(get_engine(db)) as s:
        process_new_articles(s, ids, matcher)
    assert f"article {ids[1]} (https://a.ma/2) skipped: RuntimeError: boom" in caplog.text
    with session_scope(get_engine(db)) as s:
        assert [m.article_id for m in s.scalars(select(Match))] == [ids[0]]
        # the failed article's story work was rolled back with it (savepoint)
        failed = s.get(Article, ids[1])
        assert failed.story_id is None and failed.minhash is None
        assert [st.article_count for st in s.scalars(select(Story))] == [1]


def test_rematch_after_a_rule_change(db: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    m1 = load_topics(rules)
    ids = [_add("https://a.ma/1", POSITIVE), _add("https://a.ma/2", NEGATIVE)]
    with session_scope(get_engine(db)) as s:
        process_new_articles(s, ids, m1)
    # unchanged rules: nothing to do
    with session_scope(get_engine(db)) as s:
        assert rematch(s, m1).checked == 0
    # rules change: the threshold goes out of reach -> the match goes away
    path = rules / "security-cooperation.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("threshold: 0.5", "threshold: 0.999"), encoding="utf-8")
    m2 = load_topics(rules)
    assert m2.version_of("security-cooperation") != m1.version_of("security-cooperation")
    with session_scope(get_engine(db)) as s:
        stats = rematch(s, m2)
        assert (stats.checked, stats.changed) == (1, 1)
    with session_scope(get_engine(db)) as s:
        assert s.scalar(select(func.count()).select_from(Match)) == 0
    # back to the old rules: only --all finds it again (no stale rows are left to point at it)
    with session_scope(get_engine(db)) as s:
        assert rematch(s, m1).checked == 0
        stats = rematch(s, m1, all_articles=True, since=NOW - timedelta(days=1))
        assert (stats.checked, stats.changed) == (2, 1)
    with session_scope(get_engine(db)) as s:
        assert rematch(s, m1, all_articles=True, since=NOW + timedelta(days=1)).checked == 0


def test_rematch_and_export_commands(db: str, nw_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newswatch.cli import cli

    monkeypatch.setenv("DATABASE_URL", db)
    ids = [_add("https://a.ma/1", POSITIVE, "Hammouchi et Laugier"), _add("https://a.ma/2", NEGATIVE)]
    runner = CliRunner()
    res = runner.invoke(cli, ["rematch", "--all", "--topic", "security-cooperation"])
    assert res.exit_code == 0, res.output
    assert "2 article(s) checked, 1 match row(s) changed" in res.output

    res = runner.invoke(cli, ["export", "matches"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(r["article_id"], r["topic"], r["url"], r["outlet"]) for r in rows] == [
        (ids[0], "security-cooperation", "https://a.ma/1", "Le360")
    ]
    assert rows[0]["reasons"]["entities"]

    res = runner.invoke(cli, ["export", "matches", "--format", "csv", "--since", "2000-01-01"])
    assert res.exit_code == 0, res.output
    [row] = list(csv.DictReader(io.StringIO(res.stdout)))
    assert row["topic"] == "security-cooperation" and "hammouchi" in row["entities"] and row["snippet"]

    res = runner.invoke(cli, ["export", "matches", "--since", "2999-01-01"])
    assert res.exit_code == 0 and res.stdout == ""
    res = runner.invoke(cli, ["export", "matches", "--since", "yesterday"])
    assert res.exit_code != 0 and "not a date" in res.output
    res = runner.invoke(cli, ["rematch", "--topic", "no-such-topic"])
    assert res.exit_code != 0 and "unknown topic" in res.output


def test_iter_match_rows_filters_by_topic(db: str, matcher: Matcher) -> None:
    ids = [_add("https://a.ma/1", POSITIVE)]
    with session_scope(get_engine(db)) as s:
        process_new_articles(s, ids, matcher)
    with session_scope(get_engine(db)) as s:
        assert len(list(iter_match_rows(s, topic="security-cooperation"))) == 1
        assert list(iter_match_rows(s, topic="organised-crime")) == []


def test_a_stale_in_memory_index_is_checked_against_the_database(db: str, matcher: Matcher) -> None:
    from pipelines.matching import store
    from pipelines.matching.stories import signature

    first = _add("https://a.ma/1", POSITIVE)
    with session_scope(get_engine(db)) as s:
        process_new_articles(s, [first], matcher)
    filler = _add("https://a.ma/filler", NEGATIVE)
    with session_scope(get_engine(db)) as s:  # the index has now loaded row 1 from the database
        process_new_articles(s, [filler], matcher)
    # behind the process's back (a restored or recreated database), row 1 is now another
    # article in another story; the in-memory index still remembers the old one
    with session_scope(get_engine(db)) as s:
        other = Story(title="Bourse")
        s.add(other)
        s.flush()
        other_id = other.id
        art = s.get(Article, first)
        old_story = art.story_id
        art.text, art.story_id, art.minhash = NEGATIVE, other_id, signature("", NEGATIVE, "fr").to_bytes()
    assert len(next(iter(store._INDEXES.values())).index) == 2
    second = _add("https://b.ma/2", REPUBLISHED)
    with session_scope(get_engine(db)) as s:
        process_new_articles(s, [second], matcher)
    with session_scope(get_engine(db)) as s:
        assert s.get(Article, second).story_id not in (None, other_id, old_story)
