"""Golden pages (tests/golden/NAME.html + NAME.json, written by tests/golden/regen.py): own
fields checked exactly, body text by contains / lacks lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines.extract import extract_article

GOLDEN = Path(__file__).parent / "golden"
PAGES = sorted(GOLDEN.glob("*.html"))


def _spec(page: Path) -> dict[str, Any]:
    return json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))


def test_every_page_has_its_expectations() -> None:
    assert PAGES, "no golden pages"
    htmls = {p.stem for p in PAGES}
    jsons = {p.stem for p in GOLDEN.glob("*.json")}
    assert htmls == jsons, f"without json: {htmls - jsons}; without html: {jsons - htmls}"
    for page in PAGES:
        spec = _spec(page)
        assert set(spec["expected"]) == {"title", "language", "published", "author", "site_name"}
        assert len(spec["text_contains"]) >= 2 and spec["text_lacks"], f"{page.name}: write contains/lacks"


def test_languages_covered() -> None:
    assert {_spec(p)["expected"]["language"] for p in PAGES} >= {"fr", "ar", "en", "es"}


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_golden_page(page: Path) -> None:
    spec = _spec(page)
    source = spec["input"]
    article = extract_article(
        page.read_bytes(),
        source["url"],
        noise_selectors=source.get("noise_selectors", []),
        timezone=source.get("timezone", "UTC"),
        encoding=source.get("encoding"),
    ).to_json()
    for field, expected in spec["expected"].items():
        assert article[field] == expected, f"{field}: {article[field]!r} != {expected!r}"
    missing = [s for s in spec["text_contains"] if s not in article["text"]]
    kept = [s for s in spec["text_lacks"] if s in article["text"]]
    assert not missing, f"missing from text: {missing}"
    assert not kept, f"noise kept: {kept}"
