"""Serve generated sites on 127.0.0.1, one threaded HTTP server per site, logging every request.

Pages are generated with a ``{BASE}`` placeholder in absolute links; each server replaces it
with its own ``http://127.0.0.1:PORT`` as it answers, so links point at the served host.
A site may also be given a host name (``names``): a request whose Host header is that name
gets links under ``http://NAME:PORT``, for clients that refuse IP-address URLs (trafilatura's
CLI); the client maps the name to the address itself, nothing is registered in DNS.
A path is looked up with its query first, then without it (as real servers ignore utm_*),
then percent-decoded; anything else gets the site's 404 page.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import unquote

from localweb.model import BASE, RequestRecord, Resource, Site

_BASE_BYTES = BASE.encode()
_STREAM_CAP = 1 << 30  # a stream_forever response gives up after 1 GiB even if nobody stops it
_DEFAULT_404 = Resource(status=404, body=b"<!DOCTYPE html><html><head><title>404</title></head><body><p>Not found</p></body></html>",
                        headers={"Content-Type": "text/html; charset=utf-8"})


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], site: Site, web: LocalWeb, name: str = "") -> None:
        super().__init__(address, _Handler)
        self.site = site
        self.web = web
        self.base = f"http://{address[0]}:{self.server_address[1]}"
        self.base_bytes = self.base.encode()
        self.named_host = f"{name}:{self.server_address[1]}" if name else ""
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()
        self.unquoted = {unquote(path): res for path, res in site.resources.items()}

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        with self.conn_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # type: ignore[no-untyped-def]
        with self.conn_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.conn_lock:
            conns = list(self.connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def lookup(self, raw_path: str) -> Resource:
        resources = self.site.resources
        found = resources.get(raw_path)
        if found is None:
            path = raw_path.split("?", 1)[0]
            found = resources.get(path) or self.unquoted.get(unquote(raw_path)) or self.unquoted.get(unquote(path))
        return found or self.site.not_found or _DEFAULT_404


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _SiteServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence stderr; we keep our own log
        return

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _base(self) -> str:
        """The base links are written under: the site's host name when the request used it."""
        srv = self.server
        if srv.named_host and self.headers.get("Host", "").lower() == srv.named_host:
            return "http://" + srv.named_host
        return srv.base

    def _serve(self, head: bool) -> None:
        srv = self.server
        base = self._base()
        answer = srv.lookup(self.path).next_answer()
        srv.web._record(RequestRecord(site=srv.site.name, method=self.command, path=self.path, status=answer.status,
                                      time=time.time(), user_agent=self.headers.get("User-Agent", "")))
        if answer.delay and srv.stopping.wait(answer.delay):
            self.close_connection = True
            return
        body = answer.body.replace(_BASE_BYTES, base.encode()) if answer.substitute else answer.body
        try:
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value.replace(BASE, base))
            if answer.stream_forever:
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                if not head:
                    self._stream(body or b"<p>" + b"x" * 65_000 + b"</p>\n")
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _stream(self, chunk: bytes) -> None:
        sent = 0
        while sent < _STREAM_CAP and not self.server.stopping.is_set():
            self.wfile.write(chunk)
            sent += len(chunk)


class LocalWeb:
    """Serve ``sites`` on 127.0.0.1 (a free port each, or ``port_base + i``); a context manager.

    ``addresses`` puts a site on its own loopback address (site name -> "127.0.0.5"; all of
    127/8 is loopback on Linux), ``names`` gives it a host name as well (see the module doc)."""

    def __init__(self, sites: list[Site], port_base: int = 0, host: str = "127.0.0.1",
                 addresses: dict[str, str] | None = None, names: dict[str, str] | None = None) -> None:
        site_names = [s.name for s in sites]
        if len(set(site_names)) != len(site_names):
            raise ValueError(f"site names must be unique: {site_names}")
        self.sites = list(sites)
        self.port_base = port_base
        self.host = host
        self.addresses = dict(addresses or {})
        self.names = {site: name.lower() for site, name in (names or {}).items()}
        self.requests: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._servers: dict[str, _SiteServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> LocalWeb:
        for i, site in enumerate(self.sites):
            port = self.port_base + i if self.port_base else 0
            server = _SiteServer((self.addresses.get(site.name, self.host), port), site, self,
                                 self.names.get(site.name, ""))
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"localweb-{site.name}", daemon=True)
            thread.start()
            self._servers[site.name] = server
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.stopping.set()
            server.shutdown()
            server.close_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> LocalWeb:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def base_url(self, site_name: str) -> str:
        try:
            return self._servers[site_name].base
        except KeyError:
            raise KeyError(f"no served site named {site_name!r} (is the LocalWeb started?)") from None

    def named_base_url(self, site_name: str) -> str:
        """``http://NAME:PORT`` of a site given a host name (``names``)."""
        host = self._servers[site_name].named_host
        if not host:
            raise KeyError(f"site {site_name!r} has no host name")
        return "http://" + host

    def url(self, site_name: str, path: str) -> str:
        return self.base_url(site_name) + path

    def _record(self, record: RequestRecord) -> None:
        with self._log_lock:
            self.requests.append(record)

    def log(self, site_name: str | None = None) -> list[RequestRecord]:
        """A snapshot of the request log (of one site, or all)."""
        with self._log_lock:
            return [r for r in self.requests if site_name is None or r.site == site_name]

    def count(self, site_name: str, path: str) -> int:
        """Requests for ``path``; a path without a query also counts its query-string variants (utm_*)."""
        with self._log_lock:
            records = [r for r in self.requests if r.site == site_name]
        if "?" in path:
            return sum(1 for r in records if r.path == path)
        return sum(1 for r in records if r.path.split("?", 1)[0] == path)
