"""A paywalled outlet (``paywalled: true``) gives headline and lede only: those short pages
are its articles, stored, not ``empty_extraction`` errors; the same pages from an outlet
not flagged stay empty extractions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from crawl_helpers import crawl_env, errors, newswatch, stored, write_sources

from common.article import EmptyExtraction
from localweb import LocalWeb, build_outlet_site
from pipelines.extract import PAYWALLED_MIN_TEXT_CHARS, extract_article
from storage.db import dispose_engines, upgrade


def _site(paywalled: bool = True):  # type: ignore[no-untyped-def]
    return build_outlet_site("Le Payant", shape="readmore", language="fr", n_articles=5, today=date.today(), seed=31,
                             paywalled=paywalled)


def test_a_lede_is_an_article_only_for_a_paywalled_outlet() -> None:
    site = _site()
    truth = site.articles[0]
    html = site.resources[truth.path].body.replace(b"{BASE}", b"http://127.0.0.1")
    with pytest.raises(EmptyExtraction):
        extract_article(html, "http://127.0.0.1" + truth.path)
    article = extract_article(html, "http://127.0.0.1" + truth.path, min_text_chars=PAYWALLED_MIN_TEXT_CHARS)
    assert article.title == truth.title and truth.lede[:40] in article.text


@pytest.mark.slow
@pytest.mark.parametrize("paywalled", [True, False])
def test_crawl_stores_headline_and_lede_of_a_paywalled_outlet(tmp_path: Path, paywalled: bool) -> None:
    url = f"sqlite:///{tmp_path / 'nw.db'}"
    upgrade(url)
    site = _site()
    with LocalWeb([site]) as web:
        sources = write_sources(web, [site], tmp_path / "sources.yaml")
        if not paywalled:
            sources.write_text(sources.read_text(encoding="utf-8").replace("paywalled: true", "paywalled: false"),
                               encoding="utf-8")
        done = newswatch(["crawl", "--sources", str(sources), "--days", "365"], crawl_env(tmp_path / "data", url))
    assert done.returncode == 0, done.stderr[-3000:]
    articles = stored(url)
    empty = [path for _, kind, path in errors(url) if kind == "empty_extraction"]
    if paywalled:
        assert {t.path for t in site.articles} <= set(articles) and not empty
        for truth in site.articles:
            assert truth.lede[:40] in articles[truth.path]["text"]
    else:
        assert not set(articles) & {t.path for t in site.articles}
        assert len(empty) == len(site.articles)
    dispose_engines()
