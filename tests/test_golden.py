"""Golden pages (tests/golden/NAME.html + NAME.json, written by tests/golden/regen.py; editions of
one CMS are built from its layout in tests/golden/layouts, see tests/page_layouts.py): own
fields checked exactly, body text by contains / lacks lists and, where the page's paragraphs
are written down (``body``), token F1 >= 0.97; pages that are not articles (``rejected``)
must raise NotAnArticle with that reason."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from golden.regen import FIELDS, run

from common.article import NotAnArticle

GOLDEN = Path(__file__).parent / "golden"
PAGES = sorted(GOLDEN.glob("*.html"))
MIN_F1 = 0.97
_TOKEN = re.compile(r"\w+", re.UNICODE)


def token_f1(output: str, reference: str) -> float:
    """Bag-of-tokens F1 (NFKC, lower case), as shared/fixtures/real-pages/score.py counts it."""
    got = Counter(_TOKEN.findall(unicodedata.normalize("NFKC", output).lower()))
    want = Counter(_TOKEN.findall(unicodedata.normalize("NFKC", reference).lower()))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _spec(page: Path) -> dict[str, Any]:
    return json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))


def test_every_page_has_its_expectations() -> None:
    assert PAGES, "no golden pages"
    htmls = {p.stem for p in PAGES}
    jsons = {p.stem for p in GOLDEN.glob("*.json")}
    assert htmls == jsons, f"without json: {htmls - jsons}; without html: {jsons - htmls}"
    for page in PAGES:
        spec = _spec(page)
        if "rejected" in spec:
            assert spec["rejected"] and set(spec["expected"]) == {"reason"}, page.name
            continue
        assert set(spec["expected"]) == set(FIELDS)
        assert len(spec["text_contains"]) >= 2 and spec["text_lacks"], f"{page.name}: write contains/lacks"


def test_languages_covered() -> None:
    assert {_spec(p)["expected"].get("language") for p in PAGES} >= {"fr", "ar", "en", "es"}


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_golden_page(page: Path) -> None:
    spec = _spec(page)
    if "rejected" in spec:
        with pytest.raises(NotAnArticle) as caught:
            run(page, spec)
        assert spec["rejected"] in caught.value.reason
        return
    article = run(page, spec)  # as regen.py writes the expectations
    for field, expected in spec["expected"].items():
        assert article[field] == expected, f"{field}: {article[field]!r} != {expected!r}"
    missing = [s for s in spec["text_contains"] if s not in article["text"]]
    kept = [s for s in spec["text_lacks"] if s in article["text"]]
    assert not missing, f"missing from text: {missing}"
    assert not kept, f"noise kept: {kept}"
    if spec.get("body"):
        f1 = token_f1(article["text"], "\n".join(spec["body"]))
        assert f1 >= MIN_F1, f"token F1 {f1:.3f}"
