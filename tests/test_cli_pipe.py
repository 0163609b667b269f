"""The analysts' loop: `newswatch extract page.html | newswatch match` gives matches with reasons."""

import json
from pathlib import Path

from click.testing import CliRunner

from newswatch.cli import cli

GOLDEN = Path(__file__).resolve().parent / "golden"


def test_extract_output_pipes_into_match(nw_env: Path) -> None:
    runner = CliRunner()
    extracted = runner.invoke(cli, ["extract", str(GOLDEN / "ahdath_ar_cp1256.html")])
    assert extracted.exit_code == 0, extracted.output
    assert extracted.stdout.count("\n") == 1  # one JSON line when not on a terminal
    matched = runner.invoke(cli, ["match", "-"], input=extracted.stdout)
    assert matched.exit_code == 0, matched.output
    record = json.loads(matched.stdout.splitlines()[0])
    topics = {m["topic"]: m for m in record["matches"]}
    assert "security-cooperation" in topics
    terms = topics["security-cooperation"]["reasons"]["terms"]
    title = json.loads(extracted.stdout)["title"]
    for term in terms:
        if term["field"] == "title":
            assert title[term["start"]:term["end"]] == term["text"]
