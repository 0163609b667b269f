"""Canonical URLs, outlet boundaries (editions on a shared host) and article-link heuristics."""

import pytest

from common.outlets import Outlet
from common.urls import canonicalize
from crawler.urls import looks_like_article, owning_outlet, within_outlet


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


# ------------------------------------------------------------------ the one URL boundary
# Outlet links are hostile. The boundary (``target``) must read a URL as the fetcher does:
# whatever passes ``within_outlet`` is fetched from the outlet's own host and port.

import ipaddress  # noqa: E402
import socket  # noqa: E402
from urllib.parse import urldefrag  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from scrapy import Request  # noqa: E402
from twisted.web.client import URI  # noqa: E402

from crawler.urls import fetch_url, same_site, target  # noqa: E402

LE360 = outlet("Le360", "https://www.le360.ma/", hosts=["m.le360.ma"])
LOCAL = outlet("Local", "http://127.0.0.1:8001/")


def fetcher_connects_to(url: str) -> tuple[str, int] | None:
    """Independent oracle: the host and port Scrapy's HTTP/1.1 handler hands to Twisted for
    ``url`` (Request's URL, fragment dropped, ``URI.fromBytes``), then what the resolver does
    with it (case and trailing dot are DNS-insensitive; numeric IPv4 forms via inet_aton)."""
    try:
        fetched = Request(url).url
    except (ValueError, TypeError, UnicodeError):
        return None
    if not fetched.startswith(("http://", "https://")):
        return None
    try:
        uri = URI.fromBytes(urldefrag(fetched)[0].encode("ascii"))
    except (UnicodeError, ValueError):
        return None
    host = uri.host.decode("ascii").lower().strip("[]").rstrip(".")
    try:
        host = socket.inet_ntoa(socket.inet_aton(host))  # the glibc reading of 2130706433, 0177.0.0.1 ...
    except OSError:
        try:
            host = str(ipaddress.ip_address(host))  # one spelling per IPv6 address
        except ValueError:
            pass
    return host, uri.port


HOSTS = ["www.le360.ma", "WWW.Le360.MA", "www.le360.ma.", "le360.ma", "m.le360.ma", "fr.le360.ma",
         "www.le360.ma.evil.com", "évil.ma", "xn--vil-bma.ma", "www%2Ele360%2Ema", "10.0.0.5", "127.0.0.1",
         "127.0.0.2", "169.254.169.254", "2130706433", "0177.0.0.1", "0x7f.1", "[::1]", "[fd00::1]",
         "[::ffff:127.0.0.1]", ""]
NOISE = ["\\", "@", "\t", "\n", "\r", " ", "%40", "%5C", "%2F", "/", ":", "#", "?", ".", ":443", ":8001",
         "www.le360.ma", "10.0.0.5", "@www.le360.ma", "\\@"]


@st.composite
def hostile_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["https://", "http://", "HTTPS://", "https:/", "https:\\\\", "//"]))
    userinfo = draw(st.sampled_from(["", "www.le360.ma@", "user:pw@", "10.0.0.5@", "www.le360.ma:443@"]))
    host = draw(st.sampled_from(HOSTS))
    port = draw(st.sampled_from(["", ":443", ":80", ":8001", ":8080", ":0443"]))
    path = draw(st.text(alphabet="/\\@:%?#.abc-é", max_size=12))
    url = f"{scheme}{userinfo}{host}{port}/{path}"
    for position, piece in draw(st.lists(st.tuples(st.integers(0, 80), st.sampled_from(NOISE)), max_size=3)):
        position = min(position, len(url))
        url = url[:position] + piece + url[position:]
    return url


@settings(max_examples=600, deadline=None)
@given(hostile_urls())
def test_what_passes_the_boundary_is_fetched_from_the_outlets_host(url: str) -> None:
    # the scheme's default port on either scheme is the same site (outlets redirect http -> https)
    allowed = {(host, port) for host in ("www.le360.ma", "le360.ma", "m.le360.ma") for port in (80, 443)}
    if same_site(url, LE360) or within_outlet(url, LE360):
        assert fetcher_connects_to(url) in allowed, url
    if within_outlet(url, LOCAL):
        assert fetcher_connects_to(url) == ("127.0.0.1", 8001), url


@settings(max_examples=600, deadline=None)
@given(hostile_urls())
def test_the_boundary_reads_hosts_as_the_fetcher_does(url: str) -> None:
    where = target(url)
    if where is not None:
        connects = fetcher_connects_to(url)
        assert connects is not None, url
        default = 443 if where.scheme == "https" else 80
        assert (where.host, where.port or default) == connects, url
        assert target(fetch_url(url) or "") == where, url  # normalising twice changes nothing


@pytest.mark.parametrize(
    ("url", "inside"),
    [
        ("http://10.0.0.5:8080\\@www.le360.ma/x", False),  # issue 11 case 2: w3lib reads \ as /
        ("https://www.le360.ma\\@10.0.0.5/x", True),  # ... and here the host is le360's: the path holds "@10..."
        ("https://www.le360.ma@10.0.0.5/x", False),  # userinfo: fetched from 10.0.0.5
        ("https://10.0.0.5@www.le360.ma/x", False),  # userinfo is refused outright (parsers split it differently)
        ("https://www.le\t360.ma/x\n", True),  # tabs and newlines dropped, as browsers and w3lib do
        ("https://www%2Ele360%2Ema/x", False),  # percent-encoded host: not the outlet's host
        ("https://WWW.LE360.MA./x", True),  # case and trailing dot
        ("https://www.le360.ma.evil.com/x", False),
        ("https://fr.le360.ma/x", False),  # a sub-domain is another site unless listed
        ("https://m.le360.ma/x", True),  # ... listed
        ("https://le360.ma/x", True),  # the www. twin stays implicit
        ("https://www.le360.ma:8443/x", False),  # another port, another site
        ("http://2130706433/", False),
        ("https://[::1]/x", False),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
    ],
)
def test_hostile_url_forms(url: str, inside: bool) -> None:
    assert within_outlet(url, LE360) is inside


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("http://2130706433:8001/x", "127.0.0.1", 8001),
        ("http://0177.0.0.1:8001/x", "127.0.0.1", 8001),
        ("http://0x7f.1:8001/x", "127.0.0.1", 8001),
        ("http://[0:0::1]:8001/x", "::1", 8001),
        ("http://ÉVIL.ma./x", "xn--vil-9la.ma", None),
        ("https://www.le360.ma:443/x", "www.le360.ma", None),
    ],
)
def test_target_is_where_the_resolver_connects(url: str, host: str, port: int | None) -> None:
    where = target(url)
    assert where is not None and (where.host, where.port) == (host, port)


def test_numeric_ipv4_forms_of_a_local_outlet_are_that_outlet() -> None:
    # the same socket, so the same site: no way around the boundary, and no false refusal either
    assert within_outlet("http://2130706433:8001/a", LOCAL)
    assert not within_outlet("http://2130706434:8001/a", LOCAL)


# ------------------------------------------------------------------ editions (issue 16)
HESPRESS = outlet("Hespress", "https://www.hespress.com/")
HESPRESS_FR = outlet("Hespress FR", "https://fr.hespress.com/")
BARLAMANE = outlet("Barlamane", "https://www.barlamane.com/")
BARLAMANE_FR = outlet("Barlamane FR", "https://www.barlamane.com/fr/")


def test_a_sub_domain_is_another_site_unless_listed() -> None:
    url = "https://es.hespress.com/politica/123456.html"
    assert not within_outlet(url, HESPRESS)
    assert owning_outlet(url, [HESPRESS, HESPRESS_FR]) is None
    assert owning_outlet("https://fr.hespress.com/politique/123.html", [HESPRESS, HESPRESS_FR]) is HESPRESS_FR


def test_the_most_specific_edition_path_wins_whatever_the_order() -> None:
    url = "https://www.barlamane.com/fr/maroc-france-cooperation-securitaire-12345/"
    assert within_outlet(url, BARLAMANE) and within_outlet(url, BARLAMANE_FR)
    assert owning_outlet(url, [BARLAMANE, BARLAMANE_FR]) is BARLAMANE_FR
    assert owning_outlet(url, [BARLAMANE_FR, BARLAMANE]) is BARLAMANE_FR
    assert owning_outlet("https://www.barlamane.com/ar/12345/", [BARLAMANE_FR, BARLAMANE]) is BARLAMANE


def test_listed_hosts_take_the_homepage_port_unless_they_say_theirs() -> None:
    local = outlet("Local", "http://127.0.0.1:8001/", hosts=["127.0.0.3", "127.0.0.4:9000"])
    assert within_outlet("http://127.0.0.3:8001/x", local)
    assert not within_outlet("http://127.0.0.3:9000/x", local)
    assert within_outlet("http://127.0.0.4:9000/x", local)


@pytest.mark.parametrize("bad", ["https://m.le360.ma", "m.le360.ma/path", "user@m.le360.ma", "m.le360.ma:99999", ""])
def test_hosts_entries_are_bare_hosts(bad: str) -> None:
    with pytest.raises(ValueError, match="host"):
        outlet("Le360", "https://www.le360.ma/", hosts=[bad])
