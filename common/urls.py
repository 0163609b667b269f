"""Canonical URLs: the identity of an article (unique in the store, the crawl's seen-set).

w3lib's canonical form, without tracking parameters or fragment. On the floor because the
crawler (seen-set, links) and the page stage (a page's declared canonical) must agree on
it. Tracking parameters are matched by pattern (``utm_*``, ``at_*``): w3lib's
``url_query_cleaner`` takes only exact names.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3lib_canonicalize
from w3lib.url import safe_url_string

TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_ga|xtor|at_[a-z_]+|ref|ref_src|"
    r"src|cmpid|ito|amp|output|share|s_cid|twclid|yclid|__twitter_impression)$",
    re.I,
)


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


_UNSAFE_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")


def safe_url(url: object) -> str | None:
    """``url`` (stripped) when it is fit to be a link, else None (shown as text instead).

    The one rule for every ``href`` we write (dashboard pages, e-mails, Slack): an absolute
    http(s) URL with a host and no whitespace or control character inside, so never
    ``javascript:``, ``data:``, a scheme-relative ``//host`` or a URL that breaks out of
    Slack's ``<url|label>``."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or _UNSAFE_CHARS.search(url):
        return None
    return url
