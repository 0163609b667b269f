"""``newswatch feedback report``: per rule term and entity, how many of its matches analysts
marked not relevant, the worst first."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from pipelines.matching.feedback import tally
from storage.db import session_scope
from storage.models import Article, Feedback, Match, Outlet

T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)


def _reasons(terms: list[tuple[str, str, str]], entities: list[tuple[str, str]] = ()) -> dict:
    return {"terms": [{"term": t, "group": g, "lang": "fr", "text": text, "field": "text", "start": 0, "end": 1}
                      for t, g, text in terms],
            "entities": [{"entity": e, "alias": e, "groups": [g], "text": e, "field": "text", "start": 0, "end": 1}
                         for e, g in entities]}


def test_tally_blames_the_term_behind_the_false_alarms() -> None:
    secu = ("sécurité", "security", "sécurité")
    coop = ("coopération", "cooperation", "coopération")
    invest = ("sécurité", "security", "sécurité des investissements")
    rows = [
        ("security-cooperation", _reasons([secu, coop], [("dgsn", "ma_actor")]), "relevant"),
        ("security-cooperation", _reasons([invest, coop]), "not_relevant"),
        ("security-cooperation", _reasons([invest], [("paris", "fr_side")]), "not_relevant"),
        ("security-cooperation", _reasons([secu], [("paris", "fr_side")]), None),  # not reviewed
        ("organised-crime", _reasons([("trafic", "crime", "trafic")]), "not_relevant"),
        ("security-cooperation", "not a dict", "not_relevant"),  # odd reasons never break the report
    ]
    lines = tally(rows)
    top = lines[0]
    assert (top.topic, top.kind, top.name) == ("security-cooperation", "term", "sécurité")
    assert (top.matches, top.reviewed, top.not_relevant) == (4, 3, 2)
    assert top.examples == ["sécurité des investissements"]
    paris = next(line for line in lines if line.name == "paris")
    assert (paris.kind, paris.group, paris.matches, paris.reviewed, paris.not_relevant) == ("entity", "fr_side", 2, 1, 1)
    assert paris.not_relevant_share == 1.0
    dgsn = next(line for line in lines if line.name == "dgsn")
    assert dgsn.not_relevant == 0 and dgsn.not_relevant_share == 0.0
    assert lines.index(paris) < lines.index(dgsn)
    # at equal counts, a higher share of "not relevant" ranks first
    shares = [(line.not_relevant, line.not_relevant_share or 0) for line in lines]
    assert shares == sorted(shares, reverse=True)


@pytest.fixture
def db(sqlite_url: str, use_database: Callable[[str], str]) -> str:
    return use_database(sqlite_url)


def test_the_command_reports_per_topic_and_uses_the_latest_verdict(db: str) -> None:
    from newswatch.cli import cli

    with session_scope() as s:
        outlet = Outlet(name="Le360", country="MA")
        s.add(outlet)
        s.flush()
        for i, (topic, reasons, verdicts) in enumerate([
            ("security-cooperation", _reasons([("sécurité", "security", "sécurité des investissements")]), ["not_relevant"]),
            ("security-cooperation", _reasons([("sécurité", "security", "sécurité")]), ["not_relevant", "relevant"]),
            ("security-cooperation", _reasons([("paris", "fr_side", "paris sportifs")]), ["not_relevant"]),
            ("organised-crime", _reasons([("blanchiment", "crime", "marche blanche")]), ["not_relevant"]),
        ]):
            art = Article(url=f"https://x/{i}", outlet_id=outlet.id, title="t", text="x", content_hash=str(i))
            s.add(art)
            s.flush()
            match = Match(article_id=art.id, topic=topic, score=1.0, rules_version="v", reasons=reasons,
                          matched_at=T0 + timedelta(hours=i))
            s.add(match)
            s.flush()
            for k, verdict in enumerate(verdicts):  # the analyst changed their mind: the last verdict counts
                s.add(Feedback(match_id=match.id, verdict=verdict, created_at=T0 + timedelta(hours=i, minutes=k)))
    runner = CliRunner()
    res = runner.invoke(cli, ["feedback", "report", "--topic", "security-cooperation", "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.output.splitlines()]
    assert [(line["name"], line["not_relevant"], line["reviewed"]) for line in lines] == [("paris", 1, 1), ("sécurité", 1, 2)]
    assert lines[0]["examples"] == ["paris sportifs"]
    res = runner.invoke(cli, ["feedback", "report"])
    assert res.exit_code == 0, res.output
    assert "blanchiment" in res.output and "marche blanche" in res.output and "organised-crime" in res.output
    res = runner.invoke(cli, ["feedback", "report", "--topic", "irregular-migration"])
    assert res.exit_code == 0 and "no term or entity" in res.output
