"""Who may see the dashboard and what the browser may do with its pages.

- Access: with a token configured (``NEWSWATCH_DASHBOARD_TOKEN``), every request needs
  it, as the HTTP Basic password (any user name) or ``Authorization: Bearer``; otherwise
  401. Compared in constant time; never logged.
- Headers: a strict Content-Security-Policy (scripts and styles only from our own
  /static, no inline script), no framing, no sniffing, no Referer leaking to outlets
  (``same-origin``: with ``no-referrer`` Chromium sends ``Origin: null`` on our own forms).
- CSRF: POST forms carry a random token that must equal the ``nw_csrf`` cookie
  (SameSite=Strict, HttpOnly), and a present ``Origin`` must be this very host.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import secrets
from urllib.parse import urlsplit

CSRF_COOKIE = "nw_csrf"
CSRF_FIELD = "csrf"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # outlets never learn our URLs; our forms keep their Origin
}
# the interactive API docs page loads its script from a CDN: not offered (the JSON schema is)
UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Basic realm="newswatch", charset="UTF-8"'}


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, 'localhost')."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def presented_secret(authorization: str | None) -> str | None:
    """The password of a Basic header or the token of a Bearer header; None if neither."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "bearer":
        return value or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        _user, sep, password = decoded.partition(":")
        return password if sep else None
    return None


def is_authorized(authorization: str | None, token: str | None) -> bool:
    """No token configured: open. Otherwise the header must present exactly the token."""
    if not token:
        return True
    secret = presented_secret(authorization)
    if secret is None:
        return False
    return hmac.compare_digest(secret.encode("utf-8"), token.encode("utf-8"))


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(cookie: str | None, submitted: str | None, origin: str | None, host: str | None) -> bool:
    """A POST is ours when its form token matches the cookie and its Origin (if sent) is this host."""
    if not cookie or not submitted or not hmac.compare_digest(cookie.encode(), submitted.encode()):
        return False
    if origin and origin != "null":
        return bool(host) and urlsplit(origin).netloc.lower() == (host or "").lower()
    return origin != "null"
