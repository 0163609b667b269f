"""Canonical URLs, outlet boundaries (editions on a shared host) and article-link heuristics."""

import pytest

from crawler.sources import Outlet
from crawler.urls import canonicalize, looks_like_article, owning_outlet, within_outlet


def outlet(name: str, homepage: str, **kw: object) -> Outlet:
    return Outlet(name=name, homepage=homepage, country="FR", languages=["fr"], **kw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://WWW.Le360.ma/politique/x-1?utm_source=fb&utm_medium=s#top", "https://www.le360.ma/politique/x-1"),
        ("https://a.ma/p?b=2&a=1&fbclid=zz", "https://a.ma/p?a=1&b=2"),
        ("https://a.ma:443/p", "https://a.ma/p"),
        ("http://127.0.0.1:8080/a b", "http://127.0.0.1:8080/a%20b"),
        ("https://a.ma/article?id=5&xtor=RSS-1", "https://a.ma/article?id=5"),
    ],
)
def test_canonicalize(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


def test_editions_on_a_shared_host_are_told_apart() -> None:
    fr = outlet("France 24 FR", "https://www.france24.com/fr/")
    ar = outlet("France 24 AR", "https://www.france24.com/ar/")
    url = "https://www.france24.com/ar/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/20240626-abc"
    assert within_outlet(url, ar) and not within_outlet(url, fr)
    assert owning_outlet(url, [fr, ar]) is ar
    assert not within_outlet("https://www.lemonde.fr/afrique/", fr)


def test_port_is_part_of_the_site() -> None:
    local = outlet("Local", "http://127.0.0.1:8001/")
    assert within_outlet("http://127.0.0.1:8001/x", local)
    assert not within_outlet("http://127.0.0.1:8002/x", local)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.le360.ma/politique/hammouchi-recoit-son-homologue-francais-283456/", True),
        ("https://www.le360.ma/2024/06/26/visite/", True),
        ("https://www.le360.ma/tag/maroc/", False),
        ("https://www.le360.ma/author/jean-dupont-le-journaliste-du-jour/", False),
        ("https://www.le360.ma/contact", False),
        ("https://www.le360.ma/contact.html", False),
        ("https://www.le360.ma/qui-sommes-nous.php", False),
        ("https://www.le360.ma/", False),
        ("https://www.le360.ma/politique", False),
        ("https://www.le360.ma/images/photo-de-la-reunion-a-rabat.jpg", False),
        ("https://other.example/politique/hammouchi-recoit-son-homologue-francais/", False),
    ],
)
def test_article_links_by_default(url: str, expected: bool) -> None:
    assert looks_like_article(url, outlet("Le360", "https://www.le360.ma/")) is expected


def test_outlet_patterns_decide_when_given() -> None:
    o = outlet("H24", "https://www.h24info.ma/", allow=[r"/maroc/[^/]+/?$"], deny=[r"/maroc/page-"])
    assert looks_like_article("https://www.h24info.ma/maroc/short/", o)
    assert not looks_like_article("https://www.h24info.ma/monde/long-slug-of-an-article-here/", o)
    assert not looks_like_article("https://www.h24info.ma/maroc/page-2", o)
