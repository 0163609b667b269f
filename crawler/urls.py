"""URL rules of the crawl: canonical form, outlet boundaries, and "does this look like an article".

Outlet content is hostile: every boundary check reads a URL the way the fetcher will
(``target``: w3lib's ``safe_url_string``, then the host the resolver connects to), so a
backslash, a userinfo ``@`` or a numeric IPv4 host cannot pass the check as one host and
be fetched from another.

Canonical URLs are the identity of an article (unique in the store, the incremental
seen-set): w3lib's canonical form, without tracking parameters or fragment.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urldefrag, urlsplit

from twisted.web.client import URI
from w3lib.url import safe_url_string

from common.outlets import Outlet
from common.url_words import LISTING_WORDS, NON_NEWS_WORDS, SERVICE_WORDS, alternation

# Paths that are never articles, whatever the outlet (archives, service pages, feeds, media):
# the one word list of common/url_words.py.
NON_ARTICLE_PATH = re.compile(
    rf"/({alternation(LISTING_WORDS, SERVICE_WORDS, NON_NEWS_WORDS)}|page/\d+)(/|$)",
    re.I,
)
# The same service pages as files (contact.html, qui-sommes-nous.php).
NON_ARTICLE_PAGE = re.compile(rf"/({alternation(SERVICE_WORDS)})\.[a-z]{{2,5}}$", re.I)
NON_ARTICLE_EXT = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|ico|pdf|zip|mp[34]|avi|mov|css|js|json|xml|rss|txt|woff2?)$", re.I
)
# Signals that a path names one piece of content: a date, a long slug, or a numeric id.
ARTICLE_HINT = re.compile(r"/20\d\d[/-]\d\d|\d{5,}|[\w%]+(-[\w%]+){3,}|\.html?$|\.php\?.*id=", re.I)


@dataclass(frozen=True)
class Target:
    """Where a fetch of a URL really goes: what Scrapy's downloader connects to and asks for.

    ``host`` is lower-case ASCII (IDNA), without a trailing dot, with numeric IPv4 forms
    (``2130706433``, ``0177.0.0.1``) written as the dotted quad the resolver turns them into
    and IPv6 literals compressed; ``port`` is None for the scheme's default port.
    """

    scheme: str
    host: str
    port: int | None
    path: str

    @property
    def netloc(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"


_DEFAULT_PORTS = {"http": 80, "https": 443}
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|\d+)(\.(0x[0-9a-f]*|\d+)){0,3}$", re.I)


@lru_cache(maxsize=65536)
def fetch_url(url: str) -> str | None:
    """The URL Scrapy's Request would fetch for ``url`` (w3lib's browser-like reading:
    tabs and newlines dropped, ``\\`` read as ``/``, IDNA hosts); None if it is no http(s) URL."""
    try:
        fetched = safe_url_string(url.strip())
        parts = urlsplit(fetched)
        parts.port  # noqa: B018 - raises on a port out of range, as the downloader would
    except (ValueError, UnicodeError):
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return fetched


def normal_host(host: str) -> str:
    """A host as the resolver sees it: lower-case, no trailing dot, numeric IPv4 forms dotted."""
    host = host.lower().strip("[]").rstrip(".")
    if _NUMERIC_HOST.match(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))  # what gethostbyname() would connect to
        except OSError:
            return host
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


@lru_cache(maxsize=65536)  # pure, and called for one link by several checks and outlets
def target(url: str) -> Target | None:
    """The one URL boundary: where a fetch of ``url`` connects, read exactly as Scrapy's
    downloader reads it (``safe_url_string``, fragment dropped, Twisted's ``URI.fromBytes``
    for host and port). None when it cannot be fetched, or carries userinfo (``user@``),
    which no news link needs and which parsers split differently."""
    fetched = fetch_url(url)
    if fetched is None:
        return None
    parts = urlsplit(fetched)
    if "@" in parts.netloc:
        return None
    try:
        uri = URI.fromBytes(urldefrag(fetched)[0].encode("ascii"))
        host = uri.host.decode("ascii")
    except (UnicodeError, ValueError):
        return None
    host = normal_host(host)
    if not host or ":" in host and not is_ip_address(host):
        return None
    port = None if uri.port == _DEFAULT_PORTS[parts.scheme] else uri.port
    return Target(parts.scheme, host, port, parts.path or "/")


def outlet_hosts(outlet: Outlet) -> frozenset[tuple[str, int | None]]:
    """(host, port) pairs of an outlet: its homepage host, that host with or without ``www.``,
    and the hosts it lists explicitly (``hosts:``). Never "any sub-domain"."""
    return _hosts_of(outlet.homepage, tuple(outlet.hosts))


@lru_cache(maxsize=4096)
def _hosts_of(homepage: str, hosts: tuple[str, ...]) -> frozenset[tuple[str, int | None]]:
    home = target(homepage)
    if home is None:
        return frozenset()
    pairs = {(home.host, home.port)}
    if not is_ip_address(home.host):
        bare = home.host.removeprefix("www.")
        pairs |= {(bare, home.port), ("www." + bare, home.port)}
    for entry in hosts:  # "host" (the homepage's port) or "host:port"
        extra = target(f"{home.scheme}://{entry}/")
        if extra is not None:
            pairs.add((extra.host, extra.port if urlsplit(f"//{entry}").port is not None else home.port))
    return frozenset(pairs)


@lru_cache(maxsize=65536)  # every request's host, twice (ipaddress raises for every name)
def is_ip_address(host: str) -> bool:
    """A literal IPv4/IPv6 address, not a name (names resolve; addresses are checked as they are)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def same_site(url: str, outlet: Outlet) -> bool:
    """On one of the outlet's hosts (exact host and port, see ``outlet_hosts``)."""
    where = target(url)
    return where is not None and (where.host, where.port) in outlet_hosts(outlet)


def within_outlet(url: str, outlet: Outlet) -> bool:
    """On the outlet's hosts and under its homepage path (so /ar/ stays the Arabic edition)."""
    where = target(url)
    if where is None or (where.host, where.port) not in outlet_hosts(outlet):
        return False
    return where.path.startswith(outlet.path_prefix)


def owning_outlet(url: str, outlets: Iterable[Outlet]) -> Outlet | None:
    """The outlet that owns ``url``: of those whose hosts and path contain it, the one with
    the longest homepage path (the most specific edition). A broader outlet never owns a
    page a narrower one claims, whichever reached it first."""
    where = target(url)
    if where is None:
        return None
    key = (where.host, where.port)
    return _most_specific((o for o in outlets if key in outlet_hosts(o)), where.path)


def _most_specific(outlets: Iterable[Outlet], path: str) -> Outlet | None:
    """Of ``outlets`` (all on the URL's host), the first with the longest homepage path containing ``path``."""
    best: Outlet | None = None
    best_length = -1
    for outlet in outlets:
        prefix = outlet.path_prefix
        if len(prefix) > best_length and path.startswith(prefix):
            best, best_length = outlet, len(prefix)
    return best


class OutletIndex:
    """A registry's outlets by (host, port), for ``owning_outlet`` on every link of a crawl.

    ``owning_outlet`` tests each outlet of the registry: at EMM's scale (7,000 outlets) that
    is 7,000 host checks for every link of every feed and sitemap, twice per article. The
    index looks up the link's host and ranks only its outlets (an edition and its parent,
    rarely more), with the same answer: the registry order is kept per host."""

    def __init__(self, outlets: Iterable[Outlet]) -> None:
        self._by_host: dict[tuple[str, int | None], list[Outlet]] = {}
        for outlet in outlets:
            for key in outlet_hosts(outlet):
                self._by_host.setdefault(key, []).append(outlet)

    def owner(self, url: str) -> Outlet | None:
        """``owning_outlet(url, registry)``."""
        where = target(url)
        if where is None:
            return None
        return _most_specific(self._by_host.get((where.host, where.port), ()), where.path)


def allowed_by_patterns(url: str, outlet: Outlet) -> bool:
    if any(re.search(p, url) for p in outlet.deny):
        return False
    return not outlet.allow or any(re.search(p, url) for p in outlet.allow)


def is_navigation(url: str, outlet: Outlet) -> bool:
    """Pages a feed or sitemap may list that are never articles: the homepage, tag, author,
    about, contact pages, media files, and whatever the outlet's ``deny`` patterns exclude."""
    url = fetch_url(url) or url
    path = urlsplit(url).path
    if path.rstrip("/") == outlet.path_prefix.rstrip("/"):
        return True
    if not allowed_by_patterns(url, outlet):
        return True
    return bool(NON_ARTICLE_PATH.search(path) or NON_ARTICLE_PAGE.search(path) or NON_ARTICLE_EXT.search(path))


def looks_like_article(url: str, outlet: Outlet) -> bool:
    """Tell article links from navigation on a listing page.

    The outlet's ``allow`` patterns decide when given; otherwise sensible defaults: not a
    known navigation path or file, and a path carrying a date, an id or a long slug.
    """
    if not within_outlet(url, outlet):
        return False
    url = fetch_url(url) or url
    if not allowed_by_patterns(url, outlet):
        return False
    path = urlsplit(url).path
    if path.rstrip("/") == outlet.path_prefix.rstrip("/"):
        return False
    if outlet.allow:
        return True
    if NON_ARTICLE_PATH.search(path) or NON_ARTICLE_PAGE.search(path) or NON_ARTICLE_EXT.search(path):
        return False
    return bool(ARTICLE_HINT.search(urlsplit(url)._replace(scheme="", netloc="").geturl()))


class UrlDigests:
    """A set of canonical URLs kept as a sorted numpy array of their 64-bit hashes: 8 bytes a
    URL instead of the ~200 of a set of strings, for the crawl's "already stored" check.

    At EMM's volume (300,000 articles a day, kept for weeks) the stored URLs are millions,
    loaded at every pass; as strings they grew the crawler by ~20 MiB per 100,000. The hash
    is Python's own ``hash`` (SipHash with this process's random key): the array lives in one
    process. Two URLs share a hash with probability ~n/2^64 per lookup (n stored), so one
    unstored URL in ~10^12 lookups at n = 10^7 would be taken for stored, and with the next
    process's key it no longer would."""

    def __init__(self, urls: Iterable[str] = ()) -> None:
        import numpy as np

        self._np = np
        self._digests = np.unique(np.fromiter((hash(url) for url in urls), dtype=np.int64))

    def __contains__(self, url: object) -> bool:
        digest = hash(url)
        digests = self._digests
        i = int(self._np.searchsorted(digests, digest))
        return i < len(digests) and int(digests[i]) == digest

    def __len__(self) -> int:
        return len(self._digests)

    @property
    def nbytes(self) -> int:
        return int(self._digests.nbytes)
