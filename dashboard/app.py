"""The dashboard application: ``create_app`` wires storage, security and the two routers.

``newswatch serve`` runs it under uvicorn; tests build it directly (ASGI test client) or
serve it on 127.0.0.1 for the browser. Pages are server-rendered Jinja2; ``/api`` serves
the same data as JSON with its OpenAPI schema at ``/api/openapi.json``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from dashboard import render
from dashboard.security import (
    CSRF_COOKIE,
    SECURITY_HEADERS,
    UNAUTHORIZED_HEADERS,
    TokenThrottle,
    allowed_hosts,
    is_authorized,
    new_csrf_token,
    presented_secret,
)
from storage.db import get_engine

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def create_app(
    database_url: str | None = None,
    token: str | None = None,
    hosts: str | list[str] | None = None,
    public_url: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    rules_dir: Path | None = None,
) -> FastAPI:
    """The dashboard over ``database_url`` (default: settings); ``token`` locks every request.

    ``hosts``: extra Host names answered besides loopback (default NEWSWATCH_DASHBOARD_HOSTS);
    ``public_url``: base of absolute links (default NEWSWATCH_PUBLIC_URL); ``rules_dir``: the
    rule files that name entities and explain articles (default: settings)."""
    from common.settings import get_settings
    from dashboard import api, pages

    settings = get_settings()
    hosts = settings.dashboard_hosts if hosts is None else hosts
    public_url = settings.public_url if public_url is None else public_url

    app = FastAPI(
        title="newswatch",
        version="1",
        description="Matches, outlet health, crawl runs and deliveries of newswatch, as JSON.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: offline and CSP forbid it
        redoc_url=None,
    )
    engine = get_engine(database_url)
    app.state.engine = engine
    app.state.public_url = public_url
    app.state.rules_dir = rules_dir
    throttle = TokenThrottle()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    render.install_filters(templates.env)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        client = request.client.host if request.client else ""
        authorization = request.headers.get("authorization")
        wait = throttle.wait(client, clock()) if token else 0.0
        if wait > 0:
            response: Response = JSONResponse(
                {"detail": "too many wrong tokens: wait and try again"}, 429,
                {"Retry-After": str(max(1, round(wait)))},
            )  # fmt: skip
        elif not is_authorized(authorization, token):
            if presented_secret(authorization) is not None:
                throttle.failed(client, clock())
            response = JSONResponse({"detail": "authentication required"}, 401, UNAUTHORIZED_HEADERS)
        else:
            if token:
                throttle.succeeded(client)
            cookie = request.cookies.get(CSRF_COOKIE)
            request.state.csrf_token = cookie or new_csrf_token()
            response = await call_next(request)
            if not cookie:
                response.set_cookie(
                    CSRF_COOKIE, request.state.csrf_token, httponly=True, samesite="strict", path="/"
                )
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    # added last, so it runs first: a foreign Host never reaches the token check or a page
    host_list = allowed_hosts(hosts, public_url)
    app.state.allowed_hosts = host_list
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=host_list, www_redirect=False)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}" for e in exc.errors()
        ]
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": problems}, 422)
        return render.page(request, "error.html", {"status": 422, "problems": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or exc.status_code < 400:
            return JSONResponse({"detail": exc.detail}, exc.status_code, getattr(exc, "headers", None))
        return render.page(
            request,
            "error.html",
            {"status": exc.status_code, "problems": [str(exc.detail)]},
            status_code=exc.status_code,
        )

    return app
