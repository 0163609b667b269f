"""The meta-refresh shortcut: pages whose first bytes cannot spell "refresh" skip Scrapy's
check (which decodes the whole body); every page Scrapy would redirect still is."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.response import get_meta_refresh
from scrapy.utils.test import get_crawler

from common.outlets import Outlet
from crawler.middlewares import REFRESH_SCAN_BYTES, OutletMetaRefreshMiddleware, may_hold_meta_refresh

REAL_PAGES = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "real-pages"
HOME = "https://news.example/"


def _page(head: str, pad: int = 0) -> str:
    return f"<html><head><title>t</title>{'<!-- é -->' * pad}{head}</head><body><p>texte</p></body></html>"


REFRESH = '<meta http-equiv="Refresh" content="0; url=https://news.example/a/2.html">'


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16-le", "utf-16-be", "utf-16", "utf-32", "cp1256"])
@pytest.mark.parametrize("pad", [0, 300])
def test_a_refresh_scrapy_reads_is_never_ruled_out(encoding: str, pad: int) -> None:
    body = _page(REFRESH.replace("Refresh", "REFRESH"), pad).encode(encoding)
    response = HtmlResponse(HOME + "a/1.html", body=body, encoding=encoding)
    assert (get_meta_refresh(response)[1] or "").startswith("https://news.example/a/2.html")
    assert may_hold_meta_refresh(body)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252"])
def test_pages_without_the_word_are_ruled_out(encoding: str) -> None:
    body = _page('<meta http-equiv="content-type" content="text/html">', pad=50).encode(encoding)
    assert not may_hold_meta_refresh(body)


def test_the_scan_is_bounded_like_scrapys() -> None:
    """Scrapy reads the first 4,096 characters: a refresh far below them is not followed
    by Scrapy either, and the byte scan does not read that far."""
    head = "<html><head>" + "<!-- x -->" * 2000
    body = (head + REFRESH + "</head></html>").encode()
    assert len(head.encode()) > REFRESH_SCAN_BYTES
    assert get_meta_refresh(HtmlResponse(HOME, body=body, encoding="utf-8")) == (None, None)
    assert not may_hold_meta_refresh(body)


def test_real_pages_agree_with_scrapy() -> None:
    """Every real fixture page: wherever Scrapy finds a refresh, the shortcut lets it look."""
    pages = sorted(p for p in REAL_PAGES.rglob("*") if p.suffix in (".html", ".htm", ".gz"))
    if not pages:
        pytest.skip("no shared real pages")
    import gzip

    checked = 0
    for path in pages:
        body = path.read_bytes()
        if path.suffix == ".gz":
            body = gzip.decompress(body)
        response = HtmlResponse("https://real.example/page.html", body=body)
        if get_meta_refresh(response)[1]:
            assert may_hold_meta_refresh(body), path
        checked += 1
    assert checked >= 10


def _middleware() -> OutletMetaRefreshMiddleware:
    crawler = get_crawler(settings_dict={"METAREFRESH_ENABLED": True})
    outlet = Outlet(name="News", homepage=HOME, languages=["fr"], country="MA")
    crawler.spider = type("S", (), {"by_name": {"News": outlet}, "outlets": [outlet]})()
    return OutletMetaRefreshMiddleware.from_crawler(crawler)


def test_middleware_follows_a_refresh_on_the_outlets_host_and_leaves_other_pages_undecoded() -> None:
    middleware = _middleware()
    request = Request(HOME + "a/1.html", meta={"outlet": "News"})
    redirected = middleware.process_response(request, HtmlResponse(request.url, body=_page(REFRESH).encode(),
                                                                     encoding="utf-8", request=request))
    assert isinstance(redirected, Request) and redirected.url == "https://news.example/a/2.html"

    plain = HtmlResponse(request.url, body=_page("", pad=20).encode(), encoding="utf-8", request=request)
    assert middleware.process_response(request, plain) is plain
    assert plain._cached_ubody is None  # the shortcut never decoded the page


def test_middleware_still_refuses_an_offsite_refresh() -> None:
    from crawler.middlewares import RefusedRequest

    middleware = _middleware()
    request = Request(HOME + "a/1.html", meta={"outlet": "News"})
    offsite = REFRESH.replace("https://news.example", "https://elsewhere.example")
    with pytest.raises(RefusedRequest):
        middleware.process_response(request, HtmlResponse(request.url, body=_page(offsite).encode(),
                                                          encoding="utf-8", request=request))
