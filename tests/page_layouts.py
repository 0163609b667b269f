"""Test pages of one site built from its one layout: a page file that begins with
``{% extends "<layout>.html" %}`` holds only what is its own (title, head tags, article) in
Jinja2 blocks, and the chrome every page of that site shares (head skeleton, header, menus,
footer, teaser lists) is written once, in ``layouts/<layout>.html`` beside it. Any other page
file is a whole page, read as it is (its bytes, in whatever encoding the page declares).

Used for the page-kind pages of one outlet (tests/pages/kinds) and the golden pages that are
editions of one CMS (tests/golden: /fr/ and /ar/ editions, one aggregator, one video site).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

EXTENDS = b"{% extends"


def is_built(path: Path) -> bool:
    """True for a page written as blocks of a layout, False for a whole page."""
    return path.read_bytes().lstrip().startswith(EXTENDS)


@lru_cache(maxsize=8)
def _environment(folder: Path) -> Environment:
    # no autoescape: blocks are HTML; StrictUndefined: a misspelt name fails, never renders ""
    return Environment(
        loader=FileSystemLoader([str(folder), str(folder / "layouts")]),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
    )


def page_bytes(path: Path) -> bytes:
    """The page as a crawler would have fetched it: built pages rendered (UTF-8), others as stored."""
    if not is_built(path):
        return path.read_bytes()
    template = _environment(path.resolve().parent).get_template(path.name)
    return template.render().encode("utf-8")
