"""The outlet registry (config/sources.yaml): every outlet parses, has a unique name, and its
bounds overlap no other outlet's (issue 16).

Bounds are exact hosts (the homepage host, its www. twin, the hosts an outlet lists) and a
path prefix; where two outlets share a host, the longest prefix owns a URL. So each
outlet's sample URLs (its homepage, a made-up article under it, the same on each listed
host) must land in exactly that outlet. The checks read whatever the registry holds.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml

from common.outlets import Outlet, load_sources, parse_sources
from crawler.urls import outlet_hosts, owning_outlet, target, within_outlet

REGISTRY = Path(__file__).resolve().parent.parent / "config" / "sources.yaml"
PROBE = "zz-registry-probe-article-123456/"


def sample_urls(outlet: Outlet) -> list[str]:
    """The homepage, and a made-up article under the homepage path, on each of the outlet's hosts."""
    home = urlsplit(outlet.homepage)
    urls = [outlet.homepage]
    for host, port in sorted(outlet_hosts(outlet), key=lambda pair: (pair[0], pair[1] or 0)):
        netloc = f"[{host}]" if ":" in host else host
        netloc = netloc if port is None else f"{netloc}:{port}"
        urls.append(urlunsplit((home.scheme, netloc, outlet.path_prefix + PROBE, "", "")))
    return urls


def owners(url: str, outlets: list[Outlet]) -> list[str]:
    """The outlets with the longest path prefix among those containing ``url`` (exactly one if bounds are sound)."""
    containing = [o for o in outlets if within_outlet(url, o)]
    if not containing:
        return []
    longest = max(len(o.path_prefix) for o in containing)
    return [o.name for o in containing if len(o.path_prefix) == longest]


def overlaps(outlets: list[Outlet]) -> list[str]:
    """Every sample URL that does not land in exactly its own outlet, described."""
    problems = []
    for outlet in outlets:
        for url in sample_urls(outlet):
            found = owners(url, outlets)
            if found != [outlet.name]:
                problems.append(f"{outlet.name}: {url} lands in {found or 'no outlet'}")
    return problems


@pytest.fixture(scope="module")
def registry() -> list[Outlet]:
    return load_sources(REGISTRY)


def test_every_outlet_parses_with_a_unique_name(registry: list[Outlet]) -> None:
    raw = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))["outlets"]
    assert len(registry) == len(raw) > 0
    names = [o.name.casefold() for o in registry]
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)


def test_every_outlet_url_is_fetchable_and_on_its_own_hosts(registry: list[Outlet]) -> None:
    for outlet in registry:
        assert target(outlet.homepage) is not None, outlet.name
        for url in [*outlet.feeds, *outlet.sitemaps, *outlet.sections]:
            assert (target(url).host, target(url).port) in outlet_hosts(outlet), f"{outlet.name}: {url}"  # type: ignore[union-attr]


def test_bounds_do_not_overlap(registry: list[Outlet]) -> None:
    assert overlaps(registry) == []


def test_each_outlets_sample_lands_in_it(registry: list[Outlet]) -> None:
    for outlet in registry:
        url = outlet.homepage.rstrip("/") + "/" + PROBE if outlet.homepage.endswith("/") else outlet.homepage
        assert owning_outlet(url, registry) is outlet, f"{outlet.name}: {url}"


def _outlets(*entries: tuple[str, str, list[str]]) -> list[Outlet]:
    return parse_sources({"outlets": [{"name": n, "homepage": h, "country": "MA", "languages": ["fr"], "hosts": hs}
                                      for n, h, hs in entries]})


def test_the_overlap_check_catches_overlapping_bounds() -> None:
    # two outlets on one host and path: neither owns its sample alone
    assert overlaps(_outlets(("A", "https://www.a.ma/", []), ("A bis", "https://a.ma/", [])))
    # a listed host that is another outlet's homepage host
    assert overlaps(_outlets(("H", "https://www.h.ma/", ["fr.h.ma"]), ("H FR", "https://fr.h.ma/", [])))
    # editions: the narrower path owns its pages, the broader one the rest; a sub-domain is its own site
    assert overlaps(_outlets(("B", "https://www.b.ma/", []), ("B FR", "https://www.b.ma/fr/", []),
                             ("B ES", "https://es.b.ma/", []), ("C", "https://c.ma/", ["m.c.ma", "amp.c.ma"]))) == []
