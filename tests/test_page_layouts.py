"""Pages built from their site's one layout (tests/page_layouts.py) come out whole: every
built page under tests/pages and tests/golden renders to one complete HTML document with no
template syntax left, a name the layout lacks fails instead of rendering empty, and a
whole page is read byte for byte."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from page_layouts import is_built, page_bytes

TESTS = Path(__file__).parent
BUILT = sorted(
    p
    for folder in (TESTS / "pages", TESTS / "golden")
    for p in folder.rglob("*.html")
    if "layouts" not in p.parts and is_built(p)
)


def test_some_pages_are_built() -> None:
    assert {p.parent.name for p in BUILT} >= {"kinds", "golden"}


@pytest.mark.parametrize("page", BUILT, ids=[f"{p.parent.name}/{p.stem}" for p in BUILT])
def test_a_built_page_is_one_whole_document(page: Path) -> None:
    html = page_bytes(page).decode("utf-8")
    assert html.lstrip().lower().startswith("<!doctype html"), html[:80]
    assert html.rstrip().endswith("</html>")
    assert html.lower().count("<body") == 1 and html.lower().count("</head>") == 1
    for syntax in ("{%", "{{", "{#"):  # openers: JSON-LD may well end in "}}"
        assert syntax not in html, f"template syntax {syntax!r} left in {page.name}"


def test_a_name_missing_from_the_layout_fails(tmp_path: Path) -> None:
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "site.html").write_text(
        "<!DOCTYPE html><title>{{ sitename }}</title>{% block main %}{% endblock %}\n", encoding="utf-8"
    )
    page = tmp_path / "page.html"
    page.write_text('{% extends "site.html" %}{% block main %}<p>x</p>{% endblock %}', encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError):
        page_bytes(page)


def test_a_whole_page_is_read_as_stored(tmp_path: Path) -> None:
    raw = '<html><head><meta charset="windows-1256"></head><body>{{ not a template }}</body></html>'
    page = tmp_path / "old.html"
    page.write_bytes(raw.encode("cp1256"))
    assert page_bytes(page) == raw.encode("cp1256")
