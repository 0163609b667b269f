"""``OutletIndex.owner`` answers exactly as ``owning_outlet`` over the whole registry."""

from __future__ import annotations

from pathlib import Path

from common.outlets import Outlet, load_sources
from crawler.urls import OutletIndex, owning_outlet

ROOT = Path(__file__).resolve().parents[1]


def _urls(outlet: Outlet) -> list[str]:
    home = outlet.homepage.rstrip("/")
    scheme, _, rest = home.partition("://")
    host, _, path = rest.partition("/")
    twin = host.removeprefix("www.") if host.startswith("www.") else "www." + host
    hosts = [host, twin, *outlet.hosts]
    return [f"{scheme}://{h}/{p}" for h in hosts
            for p in ("", f"{path}/politique/2026/03/01/une-longue-histoire-123.html" if path else "a/12345.html",
                      "ar/12345/", "fr/politique/12345.html", "en/news/2026-03-01-a-b-c-d")]


def test_the_index_agrees_with_owning_outlet_on_the_shipped_registry() -> None:
    registry = load_sources(str(ROOT / "config" / "sources.yaml"))
    index = OutletIndex(registry)
    urls = [u for o in registry for u in _urls(o)] + ["https://nowhere.example/a.html", "ftp://x/", "not a url"]
    owned = 0
    for url in urls:
        assert index.owner(url) is owning_outlet(url, registry), url
        owned += index.owner(url) is not None
    assert owned > len(registry)


def test_an_edition_beats_its_host_and_registry_order_breaks_ties() -> None:
    site = Outlet(name="Site", homepage="https://news.example/", country="FR", languages=["fr"])
    arabic = Outlet(name="Site AR", homepage="https://news.example/ar/", country="FR", languages=["ar"])
    twin = Outlet(name="Site bis", homepage="https://news.example/", country="FR", languages=["fr"])
    for registry in ([site, arabic, twin], [twin, arabic, site], [arabic, site, twin]):
        index = OutletIndex(registry)
        for url in ("https://news.example/ar/1.html", "https://www.news.example/fr/2.html", "https://news.example/"):
            assert index.owner(url) is owning_outlet(url, registry)
    assert OutletIndex([site, arabic]).owner("https://news.example/ar/1.html") is arabic
    assert OutletIndex([twin, site]).owner("https://news.example/x.html") is twin
