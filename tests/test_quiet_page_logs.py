"""Per-page DEBUG lines ("Crawled (200)", "stored", "dropped") are made only when a handler
would print them: a quiet crawl no longer builds and redacts two records per page."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from crawler.logformatter import NewswatchLogFormatter, debug_emitted


@pytest.fixture
def root_at(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201 - a setter
    def set_level(level: int) -> None:
        handler = logging.StreamHandler()
        handler.setLevel(level)
        monkeypatch.setattr(logging.root, "handlers", [handler])
        monkeypatch.setattr(logging.getLogger("scrapy"), "handlers", [])
        monkeypatch.setattr(logging.getLogger("scrapy"), "level", logging.DEBUG)  # as Scrapy sets it
    return set_level


@pytest.mark.parametrize(("level", "made"), [(logging.INFO, False), (logging.WARNING, False),
                                             (logging.DEBUG, True), (logging.NOTSET, True)])
def test_page_lines_follow_the_handlers_level(root_at, level: int, made: bool) -> None:  # noqa: ANN001
    root_at(level)
    formatter = NewswatchLogFormatter()
    request = Request("https://news.example/a/1.html")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    item = {"fetched_url": request.url}
    results = [formatter.crawled(request, response, None), formatter.scraped(item, response, None),
               formatter.dropped(item, DropItem("duplicate"), response, None)]
    assert [r is not None for r in results] == [made] * 3
    assert debug_emitted() is made
    # errors are never skipped
    assert formatter.item_error(item, ValueError("x"), response, None)["level"] == logging.ERROR


def test_a_logger_that_does_not_propagate_decides_alone(root_at) -> None:  # noqa: ANN001
    root_at(logging.DEBUG)
    engine = logging.getLogger("scrapy.core.engine")
    quiet = logging.StreamHandler()
    quiet.setLevel(logging.ERROR)
    engine.addHandler(quiet)
    engine.propagate = False
    try:
        assert not debug_emitted()
    finally:
        engine.propagate = True
        engine.removeHandler(quiet)
    assert debug_emitted()
