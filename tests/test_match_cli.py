"""``newswatch match``: JSON lines in (as `newswatch extract` prints), JSON lines out."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from click.testing import CliRunner

from newswatch.cli import cli

LINES = [
    {"url": "https://x.ma/1", "title": "Hammouchi reçu par le patron de la DGSI",
     "text": "Coopération antiterroriste entre le Maroc et la France : échange de renseignements.", "language": "fr"},
    {"url": "https://x.ma/2", "title": "Bourse", "text": "Le MASI recule.", "language": "fr"},
    {"url": "https://x.ma/3", "title": "تفكيك شبكة دولية لتهريب المخدرات", "text": "حجز أطنان من الشيرا بميناء طنجة المتوسط", "language": None},
]


def _input(extra: str = "") -> str:
    return "\n".join(json.dumps(x, ensure_ascii=False) for x in LINES) + "\n" + extra


def test_match_reads_stdin_and_prints_one_line_per_article(nw_env: Path) -> None:
    res = CliRunner().invoke(cli, ["match", "-"], input=_input())
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["url"] for o in out] == ["https://x.ma/1", "https://x.ma/2", "https://x.ma/3"]
    assert [m["topic"] for m in out[0]["matches"]] == ["security-cooperation"]
    assert out[1]["matches"] == []
    assert [m["topic"] for m in out[2]["matches"]] == ["organised-crime"]
    reasons = out[0]["matches"][0]["reasons"]
    assert {"terms", "entities", "snippets"} <= set(reasons)
    assert "3 article(s), 2 matched, 0 bad line(s)" in res.stderr


def test_match_file_topic_filter_and_bad_lines(nw_env: Path, tmp_path: Path) -> None:
    f = tmp_path / "in.jsonl"
    f.write_text(_input('not json\n[1, 2]\n{"title": 5}\n\n'), encoding="utf-8")
    res = CliRunner().invoke(cli, ["match", "--topic", "organised-crime", "--only-matched", str(f)])
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["url"] for o in out] == ["https://x.ma/3"]
    assert "line 4: skipped" in res.stderr and "line 5: skipped: not a JSON object" in res.stderr
    assert "line 6: skipped: title/text must be strings" in res.stderr


def test_match_with_a_broken_rule_file_says_where(nw_env: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(textwrap.dedent("""
        topic: bad
        groups: {a: {terms: {fr: [police]}}}
        require: {all: [a, b]}
    """), encoding="utf-8")
    res = CliRunner().invoke(cli, ["match", "--rules", str(tmp_path), "-"], input=_input())
    assert res.exit_code == 2  # a configuration error (docs/cli.md)
    assert "bad.yaml: rule 'bad': field 'require.all.1': unknown group 'b'" in res.output


def test_csv_cells_that_look_like_formulas_are_quoted() -> None:
    from newswatch.commands.export_matches import flatten

    row = {"title": "=HYPERLINK(\"http://evil\")", "url": "https://x.ma/1", "score": 7.5, "reasons": {
        "terms": [{"term": "police"}], "entities": [], "snippets": [{"field": "text", "text": "@SUM(1)  police"}]}}
    flat = flatten(row)
    assert flat["title"] == "'=HYPERLINK(\"http://evil\")" and flat["snippet"] == "'@SUM(1) police"
    assert flat["url"] == "https://x.ma/1" and flat["score"] == 7.5 and flat["terms"] == "police"


def test_explain_says_why_and_why_not(nw_env: Path) -> None:
    near_miss = {"url": "https://x.ma/4", "title": "Maroc-France : la sécurité du match",
                 "text": "Le Maroc et la France : dispositif de sécurité pour le match au Stade de France.", "language": "fr"}
    res = CliRunner().invoke(cli, ["match", "--explain", "--topic", "security-cooperation", "-"],
                             input=_input(json.dumps(near_miss, ensure_ascii=False) + "\n"))
    assert res.exit_code == 0, res.output
    blocks = res.stdout.split("== ")[1:]
    assert len(blocks) == 4
    assert "security-cooperation: MATCH, score 0." in blocks[0] and "vs threshold 0.500" in blocks[0]
    assert "security-cooperation: no match, score 0.000 vs threshold 0.500" in blocks[1]
    assert "missing: group 'morocco' has no hit" in blocks[1]
    assert "exclusion 'sport" in blocks[3] and "hiding sécurité" in blocks[3]
    assert "missing: none of ['cooperation', 'cooperation_near'" in blocks[3]
