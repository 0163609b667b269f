"""Who may see the dashboard and what the browser may do with its pages.

- Access: with a token configured (``NEWSWATCH_DASHBOARD_TOKEN``), every request needs
  it, as the HTTP Basic password (any user name) or ``Authorization: Bearer``; otherwise
  401. Compared in constant time; never logged.
- Headers: a strict Content-Security-Policy (scripts and styles only from our own
  /static, no inline script), no framing, no sniffing, no Referer leaking to outlets
  (``same-origin``: with ``no-referrer`` Chromium sends ``Origin: null`` on our own forms).
- CSRF: POST forms carry a random token that must equal the ``nw_csrf`` cookie
  (SameSite=Strict, HttpOnly), and a present ``Origin`` must be this very host.
- Host allow-list: a page on ``attacker.example`` whose name resolves to 127.0.0.1 (DNS
  rebinding) would otherwise read a token-less loopback dashboard; only loopback names
  and ``NEWSWATCH_DASHBOARD_HOSTS`` are answered (Starlette's TrustedHostMiddleware).
- Absolute URLs (Atom) come from ``NEWSWATCH_PUBLIC_URL`` or the listening socket, never
  from the ``Host`` header a client chose.
- Guessing the token: after a few wrong ones a client address waits, longer each time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
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


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def allowed_hosts(extra: str | list[str] = "", public_url: str = "") -> list[str]:
    """The Host names answered: loopback, the configured extras, the public URL's host.

    ``extra`` is NEWSWATCH_DASHBOARD_HOSTS (comma-separated) or a list; ``*`` allows any."""
    names = list(LOOPBACK_HOSTS)
    items = extra.split(",") if isinstance(extra, str) else list(extra)
    if public_url:
        items.append(urlsplit(public_url).hostname or "")
    for item in items:
        name = item.strip().lower()
        if ":" in name and not name.startswith("["):  # an IPv6 literal: the Host header brackets it
            name = f"[{name}]"
        if name and name not in names:
            names.append(name)
    return names


def base_url(public_url: str, scheme: str, server: tuple[str, int | None] | None) -> str:
    """The dashboard's absolute base URL: the configured public one, else the socket the
    request arrived on (``scope['server']``) — never the client-chosen ``Host`` header."""
    if public_url:
        return public_url.rstrip("/")
    host, port = server if server else ("127.0.0.1", None)
    if host in ("0.0.0.0", "::", ""):  # a wildcard bind: the socket says nothing better
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def analyst_name(authorization: str | None) -> str:
    """Who is triaging: the HTTP Basic user name when one was given, else ``local``."""
    if authorization and authorization.strip().lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization.strip()[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return "local"
        user = decoded.partition(":")[0].strip()
        return user[:100] or "local"
    return "local"


@dataclass
class _Strikes:
    count: int = 0
    last: float = 0.0


@dataclass
class TokenThrottle:
    """Slows token guessing: ``free`` wrong tokens from one client address cost nothing,
    each further one makes it wait ``2**(n - free)`` seconds (at most ``cap``) before any
    new attempt is judged. Strikes are forgotten ``forget`` seconds after the last one or
    on success; at most ``max_clients`` addresses are remembered (oldest dropped), so a
    flood of addresses cannot fill memory. Time is a parameter: tests pin it."""

    free: int = 5
    cap: float = 60.0
    forget: float = 900.0
    max_clients: int = 10_000
    _strikes: OrderedDict[str, _Strikes] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, client: str, now: float) -> float:
        """Seconds ``client`` must still wait before its next attempt is judged (0: go on)."""
        with self._lock:
            s = self._strikes.get(client)
            if s is None:
                return 0.0
            if now - s.last > self.forget:
                del self._strikes[client]
                return 0.0
            if s.count <= self.free:
                return 0.0
            delay = min(self.cap, 2.0 ** (s.count - self.free))
            return max(0.0, s.last + delay - now)

    def failed(self, client: str, now: float) -> None:
        with self._lock:
            s = self._strikes.pop(client, None) or _Strikes()
            if now - s.last > self.forget:
                s.count = 0
            s.count += 1
            s.last = now
            self._strikes[client] = s
            while len(self._strikes) > self.max_clients:
                self._strikes.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._strikes.pop(client, None)
