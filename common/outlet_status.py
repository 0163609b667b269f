"""One word per outlet per run - ok / blocked / unreachable / no articles - and its evidence. Pure.

"0 articles" says nothing to an operator: the site may be down, may refuse bots (403,
429, a Cloudflare/DataDome/Akamai challenge page served with 200 or 503), or may have
changed its layout so that no article link is found any more. Each calls for a different
fix, so the crawl summary, the stored run and the dashboard say which it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

OK, BLOCKED, UNREACHABLE, NO_ARTICLES = "ok", "blocked", "unreachable", "no articles"
FAILED = (BLOCKED, UNREACHABLE)  # the statuses that make a run partial (exit code 1) or empty (3)

BLOCK_STATUSES = (403, 429)
# Markers of bot-challenge / access-denied pages, matched case-insensitively in the first
# bytes of a response. Strong markers are the vendors' own challenge scripts and titles;
# weak ones (a captcha widget, a vendor's name) also occur in ordinary articles (a comment
# form, a story about bot protection), so they count only on a short page, as challenge
# pages are.
STRONG_MARKERS: tuple[tuple[str, str], ...] = (
    ("cloudflare", r"<title>\s*just a moment\.{0,3}\s*</title>"),
    ("cloudflare", r"attention required!? \| cloudflare"),
    ("cloudflare", r"cf-browser-verification|cf_chl_opt|challenges\.cloudflare\.com|/cdn-cgi/challenge-platform/"),
    ("datadome", r"captcha-delivery\.com|geo\.captcha-delivery"),
    ("akamai", r"<title>\s*access denied\s*</title>[\s\S]{0,600}(?:reference(?:\s|&#32;)*(?:#|&#35;)|akamai|edgesuite)"),
    ("imperva", r"_incapsula_resource|incapsula incident id"),
    ("sucuri", r"sucuri website firewall|access denied - sucuri"),
    ("perimeterx", r"px-captcha"),
)
WEAK_MARKERS: tuple[tuple[str, str], ...] = (
    ("captcha", r"g-recaptcha|hcaptcha\.com/1/api|<title>[^<]{0,40}captcha[^<]{0,40}</title>"),
    ("datadome", r"\bdatadome\b"),
    ("ddos-guard", r"ddos-guard"),
    ("access denied", r"<title>\s*access denied\s*</title>"),
)
SHORT_PAGE = 12_000  # bytes: challenge pages are small; articles are not
# matched in the lower-cased head: the markers are ASCII, and a case-sensitive search of
# lower-cased text is ~4x faster than re.IGNORECASE (this runs on every response of a crawl)
_STRONG = tuple((name, re.compile(pattern)) for name, pattern in STRONG_MARKERS)
_WEAK = tuple((name, re.compile(pattern)) for name, pattern in WEAK_MARKERS)
SNIFF_BYTES = 4096

NETWORK_REASONS = (
    (r"dns|resolve|getaddrinfo|name or service not known", "DNS lookup failed"),
    (r"refused", "connection refused"),
    (r"timed? ?out|timeout", "timed out"),
    (r"ssl|tls|certificate|handshake", "TLS error"),
    (r"no route|unreachable", "no route to host"),
    (r"connection (lost|was closed|reset)|connectiondone|responsenever|responsefailed", "connection lost"),
)
NETWORK_KINDS = ("dns", "connection", "timeout", "tls")


def challenge_vendor(body: bytes) -> str | None:
    """The vendor whose challenge or block page ``body`` is, or None for an ordinary page."""
    head = body[:SNIFF_BYTES].decode("utf-8", "replace").lower()
    markers = _STRONG + _WEAK if len(body) < SHORT_PAGE else _STRONG
    for name, pattern in markers:
        if pattern.search(head):
            return name
    return None


def block_evidence(status: int, body: bytes) -> str | None:
    """Why a response looks like a refusal to serve bots ("HTTP 403; first bytes: …"), else None."""
    vendor = challenge_vendor(body) if body else None
    if status not in BLOCK_STATUSES and vendor is None:
        return None
    what = f"HTTP {status}" + (f", {vendor} challenge page" if vendor else "")
    first = " ".join(body[:160].decode("utf-8", "replace").split())
    return f"{what}; first bytes: {first!r}"


def network_reason(kind: str, message: str) -> str | None:
    """A short reason ("DNS lookup failed", "connection refused", …) for a network failure, else None."""
    text = f"{kind} {message}".lower()
    if kind.startswith("http_") or kind in ("robots", "feed_parse", "sitemap_parse", "not_html", "binary",
                                            "empty_extraction", "too_large", "redirect_loop"):
        return None
    for pattern, reason in NETWORK_REASONS:
        if re.search(pattern, text):
            return reason
    return None


def classify(figures: Mapping[str, Any]) -> str:
    """The outlet's status from its run figures (see ``crawler.recorder``).

    - ``ok``: a new article, or every article found was already stored;
    - ``blocked``: no article and at least one 403/429/challenge answer;
    - ``unreachable``: no answer at all (DNS, refused, timeout, TLS), with errors to show;
    - ``no articles``: answers, but no article link found (layout change, empty feed).
    """
    def num(key: str) -> int:
        value = figures.get(key, 0)
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0

    if num("articles") > 0:
        return OK
    if num("blocked") > 0:
        return BLOCKED
    if num("pages") == 0 and (num("errors") > 0 or num("unreachable") > 0):
        return UNREACHABLE
    if num("already_stored") > 0 or num("duplicates") > 0:
        return OK
    return NO_ARTICLES


def run_exit_code(outlet_stats: Mapping[str, Mapping[str, Any]]) -> int:
    """0 every outlet ok or merely empty, 1 some blocked/unreachable, 3 all of them (nothing fetched)."""
    from common.exitcodes import NOTHING, PARTIAL
    from common.exitcodes import OK as EXIT_OK

    statuses = [str(f.get("status") or classify(f)) for f in outlet_stats.values()]
    failed = [s for s in statuses if s in FAILED]
    if statuses and len(failed) == len(statuses):
        return NOTHING
    return PARTIAL if failed else EXIT_OK


def error_rate(errors: int, pages: int) -> tuple[float, int]:
    """(rate, attempts): the one error-rate formula of the dashboard and the health alerts.

    A request that failed may have produced no page, so attempts are max(pages, errors)
    and the rate never exceeds 1; no attempt is a rate of 0."""
    errors, pages = max(errors, 0), max(pages, 0)
    attempts = max(pages, errors)
    return (min(1.0, errors / attempts) if attempts else 0.0), attempts


def is_quiet(now: datetime, known_since: datetime, last_article_at: datetime | None, quiet_hours: float) -> bool:
    """The one "quiet outlet" rule: known for at least ``quiet_hours`` (alerts.yaml's
    ``health.quiet_hours``) and no new article in that time."""
    window_start = now - timedelta(hours=quiet_hours)
    return known_since <= window_start and (last_article_at is None or last_article_at < window_start)
