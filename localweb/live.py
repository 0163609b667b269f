"""A live outlet for watch-mode tests and the bench: its feed and news sitemap gain items while served.

``build_outlet_site`` makes a still outlet; ``LiveOutlet`` serves its article pages and a
feed (RSS) and a news sitemap that list only the articles ``publish``-ed so far, newest
first, each stamped with the time it was published. Both answer conditional GETs as a CDN
does: a strong ``ETag`` (digest of the body) and ``Last-Modified`` (the last publish), ``304
Not Modified`` with no body when ``If-None-Match`` matches or, without it,
``If-Modified-Since`` is not older; ``validators=False`` makes a server that sends neither
(a full 200 every time). Every answer is logged with the bytes on the wire (request head,
response head, body), so a bench can tell what an idle poll costs.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from xml.sax.saxutils import escape

from localweb.model import BASE, ArticleTruth, Site

FEED_PATH = "/live/feed.xml"
SITEMAP_PATH = "/live/news-sitemap.xml"


@dataclass(frozen=True)
class Hit:
    path: str
    status: int
    request_bytes: int  # request line + headers
    response_head_bytes: int  # status line + headers
    body_bytes: int
    time: float
    conditional: bool


def _rss(base: str, name: str, items: list[tuple[ArticleTruth, datetime]]) -> bytes:
    rows = "".join(
        f"<item><title>{escape(a.title)}</title><link>{base}{escape(a.path)}</link><guid>{base}{escape(a.path)}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>\n" for a, when in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{escape(name)}</title>'
            f"<link>{base}/</link><description>{escape(name)}</description>\n{rows}</channel></rss>\n").encode()


def _news_sitemap(base: str, name: str, items: list[tuple[ArticleTruth, datetime]]) -> bytes:
    rows = "".join(
        f"<url><loc>{base}{escape(a.path)}</loc><news:news><news:publication><news:name>{escape(name)}</news:name>"
        f"<news:language>{a.language}</news:language></news:publication>"
        f"<news:publication_date>{when.isoformat()}</news:publication_date><news:title>{escape(a.title)}</news:title>"
        f"</news:news></url>\n" for a, when in items)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{rows}</urlset>\n').encode()


class _Counting:
    """A response stream that counts the bytes written (head and body) for the current request."""

    def __init__(self, raw: object) -> None:
        self.raw = raw
        self.written = 0

    def write(self, data: bytes) -> int:
        self.written += len(data)
        return self.raw.write(data)  # type: ignore[attr-defined, no-any-return]

    def __getattr__(self, name: str) -> object:  # closed, close, ... of the socket stream
        return getattr(self.raw, name)


class LiveOutlet:
    """Serve ``site`` on ``host`` with a live feed and news sitemap; a context manager."""

    def __init__(self, site: Site, host: str = "127.0.0.1", keep: int = 50, validators: bool = True) -> None:
        self.site = site
        self.validators = validators  # False: a server that sends neither ETag nor Last-Modified
        self.host = host
        self.keep = keep  # items listed, as a real feed lists only the latest
        self.published: list[tuple[ArticleTruth, datetime]] = []
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._docs: dict[str, tuple[bytes, str, str]] = {}  # path -> (body, etag, last-modified)
        self._server: ThreadingHTTPServer | None = None
        self.base = ""

    # ------------------------------------------------------------------ content
    def publish(self, article: ArticleTruth, when: datetime | None = None) -> datetime:
        """List ``article`` in the feed and sitemap from now on; returns its publication time."""
        when = when or datetime.now(UTC).replace(microsecond=0)
        with self._lock:
            self.published.insert(0, (article, when))
            self._rebuild(when)
        return when

    def _rebuild(self, modified: datetime) -> None:
        items = self.published[: self.keep]
        last_modified = format_datetime(modified, usegmt=True)
        for path, body in ((FEED_PATH, _rss(self.base, self.site.name, items)),
                           (SITEMAP_PATH, _news_sitemap(self.base, self.site.name, items))):
            self._docs[path] = (body, f'"{hashlib.sha1(body).hexdigest()[:16]}"', last_modified)

    def etag(self, path: str) -> str:
        with self._lock:
            return self._docs[path][1]

    def log(self, path: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if path is None or h.path.split("?", 1)[0] == path]

    # ------------------------------------------------------------------ serving
    def start(self) -> LiveOutlet:
        live = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def setup(self) -> None:
                super().setup()
                self.wfile = _Counting(self.wfile)  # type: ignore[assignment]

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                self.wfile.written = 0  # type: ignore[attr-defined]  # keep-alive: count this request only
                path = self.path.split("?", 1)[0]
                request_bytes = len(self.requestline) + 2 + len(bytes(self.headers)) + 2
                conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
                status, body, headers = live._answer(path, self.headers.get("If-None-Match"),
                                                     self.headers.get("If-Modified-Since"))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                head_bytes = self.wfile.written
                if status != 304:
                    self.wfile.write(body)
                with live._lock:
                    live.hits.append(Hit(path, status, request_bytes, head_bytes, self.wfile.written - head_bytes,
                                         time.time(), conditional))

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://{self.host}:{self._server.server_address[1]}"
        with self._lock:
            self._rebuild(datetime.now(UTC).replace(microsecond=0))
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def _answer(self, path: str, if_none_match: str | None, if_modified_since: str | None
                ) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:
            doc = self._docs.get(path)
        if doc is not None:
            body, etag, last_modified = doc
            kind = "application/rss+xml" if path == FEED_PATH else "application/xml"
            headers = {"Content-Type": f"{kind}; charset=utf-8", "ETag": etag, "Last-Modified": last_modified,
                       "Cache-Control": "max-age=0"}
            if not self.validators:
                return 200, body, {"Content-Type": f"{kind}; charset=utf-8"}
            if if_none_match is not None:
                fresh = etag in [t.strip() for t in if_none_match.split(",")] or if_none_match.strip() == "*"
            elif if_modified_since is not None:
                try:
                    fresh = parsedate_to_datetime(if_modified_since) >= parsedate_to_datetime(last_modified)
                except (TypeError, ValueError):
                    fresh = False
            else:
                fresh = False
            return (304, b"", {"ETag": etag, "Last-Modified": last_modified}) if fresh else (200, body, headers)
        if path == "/robots.txt":
            return 200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}
        resource = self.site.resources.get(path)
        if resource is None:
            return 404, b"not found", {"Content-Type": "text/plain"}
        body = resource.body.replace(BASE.encode(), self.base.encode()) if resource.substitute else resource.body
        return resource.status, body, {k: v.replace(BASE, self.base) for k, v in resource.headers.items()}

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LiveOutlet:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def sources_entry(self) -> dict[str, object]:
        """This outlet as a sources.yaml entry (feed and news sitemap listed)."""
        spec = self.site.outlets[0]
        return {"name": spec.name, "homepage": f"{self.base}/", "country": spec.country,
                "languages": list(spec.languages), "timezone": spec.timezone,
                "feeds": [self.base + FEED_PATH], "sitemaps": [self.base + SITEMAP_PATH]}
