"""URL rules of the crawl: canonical form, outlet boundaries, and "does this look like an article".

Canonical URLs are the identity of an article (unique in the store, the incremental
seen-set): w3lib's canonical form, without tracking parameters or fragment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3lib_canonicalize
from w3lib.url import safe_url_string

from crawler.sources import Outlet

TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_ga|xtor|at_[a-z_]+|ref|ref_src|"
    r"src|cmpid|ito|amp|output|share|s_cid|twclid|yclid|__twitter_impression)$",
    re.I,
)

# Paths that are never articles, whatever the outlet (navigation, accounts, feeds, media).
NON_ARTICLE_PATH = re.compile(
    r"/(tag|tags|author|auteur|auteurs|authors|category|categorie|categories|rubrique|section|topics?|"
    r"theme|dossier|search|recherche|login|connexion|register|inscription|account|compte|abonnement|"
    r"subscribe|newsletter|contact|about|a-propos|qui-sommes-nous|mentions-legales|legal|privacy|"
    r"cgu|cookies|feed|rss|sitemap|wp-admin|wp-login|page/\d+|video|videos|podcast|podcasts|"
    r"live-tv|direct|emissions?|programmes?|jeux|horoscope|meteo|weather)(/|$)",
    re.I,
)
# The same service pages as files (contact.html, qui-sommes-nous.php).
NON_ARTICLE_PAGE = re.compile(
    r"/(contact|about|a-propos|qui-sommes-nous|mentions-legales|legal|privacy|cgu|cookies|login|connexion|"
    r"register|inscription|search|recherche|newsletter|abonnement|subscribe)\.[a-z]{2,5}$",
    re.I,
)
NON_ARTICLE_EXT = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|ico|pdf|zip|mp[34]|avi|mov|css|js|json|xml|rss|txt|woff2?)$", re.I
)
# Signals that a path names one piece of content: a date, a long slug, or a numeric id.
ARTICLE_HINT = re.compile(r"/20\d\d[/-]\d\d|\d{5,}|[\w%]+(-[\w%]+){3,}|\.html?$|\.php\?.*id=", re.I)


def strip_tracking(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def canonicalize(url: str) -> str:
    """The identity of a page: lower-case host, sorted query, no tracking params, no fragment."""
    url = safe_url_string(url.strip())
    canonical = w3lib_canonicalize(strip_tracking(url), keep_fragments=False)
    parts = urlsplit(canonical)
    host = (parts.hostname or "").lower()
    netloc = host if parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def same_site(url: str, outlet: Outlet) -> bool:
    """Same host as the outlet (www. and sub-domains of it allowed) — the port must match too."""
    candidate, home = urlsplit(url), urlsplit(outlet.homepage)
    if candidate.port != home.port:
        return False
    host, home_host = _host(url), _host(outlet.homepage)
    return host == home_host or host.endswith("." + home_host)


def within_outlet(url: str, outlet: Outlet) -> bool:
    """On the outlet's host and under its homepage path (so /ar/ stays the Arabic edition)."""
    if not same_site(url, outlet):
        return False
    return (urlsplit(url).path or "/").startswith(outlet.path_prefix)


def owning_outlet(url: str, outlets: Iterable[Outlet]) -> Outlet | None:
    """The outlet with the longest homepage path containing ``url`` (edition-aware credit)."""
    best: Outlet | None = None
    for outlet in outlets:
        if within_outlet(url, outlet) and (best is None or len(outlet.path_prefix) > len(best.path_prefix)):
            best = outlet
    return best


def allowed_by_patterns(url: str, outlet: Outlet) -> bool:
    if any(re.search(p, url) for p in outlet.deny):
        return False
    return not outlet.allow or any(re.search(p, url) for p in outlet.allow)


def is_navigation(url: str, outlet: Outlet) -> bool:
    """Pages a feed or sitemap may list that are never articles: the homepage, tag, author,
    about, contact pages, media files, and whatever the outlet's ``deny`` patterns exclude."""
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
    if not within_outlet(url, outlet) or not allowed_by_patterns(url, outlet):
        return False
    path = urlsplit(url).path
    if path.rstrip("/") == outlet.path_prefix.rstrip("/"):
        return False
    if outlet.allow:
        return True
    if NON_ARTICLE_PATH.search(path) or NON_ARTICLE_PAGE.search(path) or NON_ARTICLE_EXT.search(path):
        return False
    return bool(ARTICLE_HINT.search(urlsplit(url)._replace(scheme="", netloc="").geturl()))
