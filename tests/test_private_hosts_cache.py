"""The private-address guard's configured hosts, now built once per outlet and once per run:
the same requests are refused and allowed as when the sets were rebuilt per request."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from common.outlets import Outlet
from crawler.middlewares import PrivateAddressMiddleware, RefusedRequest


def _outlet(name: str, address: str) -> Outlet:
    return Outlet(name=name, homepage=f"http://{address}:8080/", country="FR", languages=["fr"])


def _guard(outlets: list[Outlet]) -> PrivateAddressMiddleware:
    crawler = get_crawler()
    crawler.spider = type("S", (), {"by_name": {o.name: o for o in outlets}, "outlets": outlets})()
    return PrivateAddressMiddleware.from_crawler(crawler)


def _allowed(guard: PrivateAddressMiddleware, url: str, outlet: str | None) -> bool:
    meta = {"outlet": outlet} if outlet else {}
    try:
        asyncio.run(guard.process_request(Request(url, meta=meta)))
    except RefusedRequest:
        return False
    return True


@pytest.mark.parametrize("repeat", [1, 3])  # answers do not change once the sets are cached
def test_configured_addresses_are_allowed_for_their_outlet_or_for_robots_txt(repeat: int) -> None:
    guard = _guard([_outlet("A", "127.0.0.2"), _outlet("B", "127.0.0.3")])
    for _ in range(repeat):
        assert _allowed(guard, "http://127.0.0.2:8080/a.html", "A")
        assert not _allowed(guard, "http://127.0.0.3:8080/a.html", "A")  # B's address, not A's
        assert _allowed(guard, "http://127.0.0.3:8080/robots.txt", None)  # no outlet: any of the run's
        assert not _allowed(guard, "http://127.0.0.9:8080/robots.txt", None)


def test_the_run_wide_set_follows_the_spiders_outlets() -> None:
    guard = _guard([_outlet("A", "127.0.0.2")])
    assert not _allowed(guard, "http://127.0.0.4:8080/robots.txt", None)
    guard.crawler.spider.outlets = [_outlet("A", "127.0.0.2"), _outlet("C", "127.0.0.4")]
    assert _allowed(guard, "http://127.0.0.4:8080/robots.txt", None)
