"""Extraction of every generated article page, in both page weights: the article comes out
whole (title, lede, last paragraph) and nothing of the shape's noise or its teasers follows.

The crawl tests check the lede and last paragraph are *in* the text; this checks the text
*ends* there, which is what catches "read more" teasers left under a short article."""

from __future__ import annotations

from datetime import date

import pytest

from localweb import SHAPES, build_outlet_site
from localweb.model import BASE
from localweb.pages import PAGE_WEIGHTS
from pipelines.extract import extract_article

LANGUAGE = {"wordpress": "fr", "aggregator": "fr", "portal": "ar", "readmore": "fr", "clean": "en"}
ORIGIN = "http://127.0.0.1:8000"


def _ends_with_last_paragraph(text: str, last: str) -> bool:
    """The text ends with the page's last paragraph, or, when the generator drew a last paragraph
    that repeats a sentence the text already has, with the paragraph before it (trafilatura
    drops a paragraph it has just seen): either way nothing follows the article."""
    if text.endswith(last):
        return True
    earlier = text.rfind(last)
    return earlier >= 0 and "\n" not in text[earlier:]


@pytest.mark.parametrize("weight", PAGE_WEIGHTS)
@pytest.mark.parametrize("shape", SHAPES)
def test_article_text_is_the_article_and_nothing_else(shape: str, weight: str) -> None:
    site = build_outlet_site(f"Test {shape}", shape=shape, language=LANGUAGE[shape], n_articles=24,
                             today=date(2026, 11, 20), seed=7, weight=weight)
    teaser_titles = set()
    failures = []
    for truth in site.articles:
        html = site.resources[truth.path].body.replace(BASE.encode(), ORIGIN.encode())
        article = extract_article(html, ORIGIN + truth.path, timezone=site.outlets[0].timezone)
        text = article.text
        teaser_titles.add(truth.title)
        problems = [
            "title" if article.title != truth.title else "",
            "lede" if not text.startswith(truth.lede) else "",
            "tail" if not _ends_with_last_paragraph(text, truth.last_paragraph) else "",
            *(f"noise {marker!r}" for marker in site.noise if marker in text),
        ]
        problems += [f"teaser {other.title!r}" for other in site.articles
                     if other is not truth and other.title in text and other.title not in truth.title]
        if any(problems):
            failures.append((truth.path, [p for p in problems if p]))
    assert not failures, failures[:3]


def test_full_pages_carry_the_markup_mass_of_real_ones() -> None:
    """The bench's premise: a full page has about as many elements as a real news page (~860
    median on ../shared/fixtures/real-pages), a light one a fraction of that."""
    import lxml.html

    counts = {}
    for weight in PAGE_WEIGHTS:
        site = build_outlet_site("Mass", shape="wordpress", language="fr", n_articles=6, today=date(2026, 11, 20),
                                 weight=weight)
        counts[weight] = min(len(lxml.html.fromstring(site.resources[t.path].body).xpath("//*")) for t in site.articles)
    assert counts["full"] >= 800 and counts["light"] <= 300, counts


def test_unknown_weight_is_refused() -> None:
    with pytest.raises(ValueError, match="page weight"):
        build_outlet_site("X", shape="clean", language="en", n_articles=1, today=date(2026, 11, 20), weight="heavy")
