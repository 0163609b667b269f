"""The layering of the code, kept by a test: each part imports only the parts below it.

    common     the floor: settings catalogue, time zones, language set, the Outlet record and
               its loader, ExtractedArticle and the extraction errors, the crawl-error signal,
               canonical URLs. Imports nothing of the project.
    storage    models, engine, migrations and the queries others share: on the floor only.
    pipelines  the pure cores (extract, language, stories, matching) and the page stage.
    crawler    Scrapy: spider, middlewares, recorder (above pipelines: it runs the page stage).
    alerts     digests, channels, scheduler.
    dashboard  the web app.
    localweb   the bundled sample web (beside the CLI, on the floor only).
    newswatch  the CLI, on top of everything.

A part may import the parts listed for it below; no two parts import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ALLOWED: dict[str, set[str]] = {
    "common": set(),
    "storage": {"common"},
    "pipelines": {"common", "storage"},
    "crawler": {"common", "storage", "pipelines"},
    "alerts": {"common", "storage", "pipelines"},
    "dashboard": {"common", "storage", "pipelines", "alerts"},
    "localweb": {"common"},
    "newswatch": {"common", "storage", "pipelines", "crawler", "alerts", "dashboard", "localweb"},
}


def imports_of(part: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Other parts imported by the modules of ``part``: part -> the files that import it."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / part).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in ALLOWED and top != part:
                    found.setdefault(top, set()).add(str(path.relative_to(root)))
    return found


def test_every_part_is_a_package_listed_here() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages == set(ALLOWED), f"parts not in the layer table (or gone): {packages ^ set(ALLOWED)}"


def test_no_part_imports_one_above_it() -> None:
    wrong = {
        f"{part} -> {other}": sorted(files)
        for part in ALLOWED
        for other, files in imports_of(part).items()
        if other not in ALLOWED[part]
    }
    assert not wrong, f"imports against the layering: {wrong}"


def test_no_two_parts_import_each_other() -> None:
    edges = {(part, other) for part in ALLOWED for other in imports_of(part)}
    mutual = sorted((a, b) for a, b in edges if (b, a) in edges and a < b)
    assert not mutual, f"parts importing each other: {mutual}"


def test_the_checker_finds_a_wrong_arrow(tmp_path: Path) -> None:
    """The checker itself: an upward import, plain or inside a function, is found."""
    (tmp_path / "storage").mkdir()
    (tmp_path / "storage" / "probe.py").write_text(
        "import os\n\ndef f():\n    from pipelines.extract import extract_article\n", encoding="utf-8")
    assert imports_of("storage", tmp_path) == {"pipelines": {"storage/probe.py"}}
