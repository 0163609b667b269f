"""Rewrite the expected JSON of the golden pages from what extract_article returns now.

    .venv/bin/python tests/golden/regen.py            # every page
    .venv/bin/python tests/golden/regen.py le360_fr   # some pages

Each ``NAME.html`` (a whole page, or the blocks of a layout in ``layouts/`` for the editions
of one CMS: tests/page_layouts.py builds it) has a ``NAME.json``::

    {"input": {"url": ..., "timezone": ..., "noise_selectors": [...], "encoding": null},
     "expected": {"title", "language", "published", "author", "site_name"}   <- rewritten
     "text_contains": [...], "text_lacks": [...],                            <- kept (hand-written)
     "body": [...]}                          <- kept, optional: the article's paragraphs (token F1)

A page that must not become an article has ``"rejected": "part of the reason"`` instead of
the text fields; its ``expected`` is the ``NotAnArticle`` reason, rewritten.

A page without a JSON gets one, with ``text_contains`` set to the start of its first and
last extracted paragraphs and an empty ``text_lacks`` for you to fill with the page's noise.
Review ``git diff tests/golden`` before committing: a changed field is a changed behaviour.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parent
sys.path.insert(0, str(GOLDEN.parent.parent))
sys.path.insert(0, str(GOLDEN.parent))

from page_layouts import page_bytes  # noqa: E402

from common.article import NotAnArticle  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402

FIELDS = ("title", "language", "published", "author", "site_name")


def run(html_path: Path, spec: dict[str, Any]) -> dict[str, Any]:
    source = spec["input"]
    return extract_article(
        page_bytes(html_path),
        source["url"],
        noise_selectors=source.get("noise_selectors", []),
        timezone=source.get("timezone", "UTC"),
        encoding=source.get("encoding"),
    ).to_json()


def regen(html_path: Path) -> list[str]:
    json_path = html_path.with_suffix(".json")
    if json_path.exists():
        spec = json.loads(json_path.read_text(encoding="utf-8"))
    else:
        spec = {
            "input": {
                "url": f"https://golden.example/{html_path.stem}.html",
                "timezone": "UTC",
                "noise_selectors": [],
                "encoding": None,
            },
            "text_contains": [],
            "text_lacks": [],
        }
    if "rejected" in spec:
        try:
            run(html_path, spec)
        except NotAnArticle as exc:
            spec["expected"] = {"reason": exc.reason}
            json_path.write_text(json.dumps(spec, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            return [] if spec["rejected"] in exc.reason else [f"rejected for {exc.reason!r}"]
        return ["kept as an article"]
    result = run(html_path, spec)
    paragraphs = result["text"].splitlines()
    if not spec["text_contains"] and paragraphs:
        spec["text_contains"] = [paragraphs[0][:80], paragraphs[-1][:80]]
    spec["expected"] = {field: result[field] for field in FIELDS}
    ordered = {
        key: spec[key] for key in ("input", "expected", "text_contains", "text_lacks", "body") if key in spec
    }
    json_path.write_text(json.dumps(ordered, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    problems = [f"missing {s!r}" for s in spec["text_contains"] if s not in result["text"]]
    problems += [f"kept {s!r}" for s in spec["text_lacks"] if s in result["text"]]
    return problems


def main(names: list[str]) -> int:
    pages = [GOLDEN / f"{name}.html" for name in names] if names else sorted(GOLDEN.glob("*.html"))
    status = 0
    for page in pages:
        problems = regen(page)
        print(f"{page.name}: {'ok' if not problems else '; '.join(problems)}")
        status |= bool(problems)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
