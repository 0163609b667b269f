"""Template helpers: Jinja filters (dates, percentages, safe links) and ``page`` to render.

Jinja2 autoescapes every ``{{ }}``; these helpers add the rest of the safety: a link to an
outlet is only ever ``http(s)``, never ``javascript:`` or ``data:``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from common.languages import is_rtl
from common.urls import safe_url
from dashboard.security import CSRF_FIELD

__all__ = ["install_filters", "safe_url", "text_dir"]

def fmt_dt(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return "—"
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M") if with_time else value.strftime("%Y-%m-%d")


def fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def text_dir(language: str | None) -> str:
    return "rtl" if is_rtl(language) else "auto"


def install_filters(env: Environment) -> None:
    env.filters.update(
        safe_url=safe_url, dt=fmt_dt, pct=fmt_pct, text_dir=text_dir, urlpart=lambda s: quote(str(s), safe="")
    )
    env.globals["csrf_field"] = CSRF_FIELD


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    templates = request.app.state.templates
    context = {"csrf_token": getattr(request.state, "csrf_token", ""), **context}
    return templates.TemplateResponse(request, name, context, status_code=status_code)  # type: ignore[no-any-return]
