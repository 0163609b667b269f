"""The probing cache: feeds and sitemaps found at an outlet's usual locations, with when.

The spider reads it at start (``load_discovered``) so a found feed is fetched directly
next run instead of probing again, and writes what it learnt at the end
(``save_discovered``); the dashboard lists it (``discovered_sources``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from storage.db import session_scope
from storage.models import DiscoveredSource


@dataclass(frozen=True)
class Finding:
    """What one probe or cached fetch taught: ``ok`` False means it stopped answering."""

    outlet: str
    kind: str  # feed|sitemap
    url: str
    ok: bool


def load_discovered(engine: Engine, outlets: Iterable[str]) -> dict[tuple[str, str], list[str]]:
    """URLs still answering, by (outlet, kind)."""
    names = list(outlets)
    found: dict[tuple[str, str], list[str]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(DiscoveredSource.outlet, DiscoveredSource.kind, DiscoveredSource.url)
            .where(DiscoveredSource.outlet.in_(names), DiscoveredSource.failed_at.is_(None))
            .order_by(DiscoveredSource.id)
        )
        for outlet, kind, url in rows:
            found.setdefault((outlet, kind), []).append(url)
    return found


def save_discovered(engine: Engine, findings: Iterable[Finding], now: datetime | None = None) -> None:
    """Upsert: a new URL gets ``found_at``; an answering one ``last_ok_at``; a silent one ``failed_at``."""
    now = now or datetime.now(UTC)
    findings = list(findings)
    if not findings:
        return
    with session_scope(engine) as session:
        existing = {
            (row.outlet, row.url): row
            for row in session.scalars(
                select(DiscoveredSource).where(DiscoveredSource.outlet.in_({f.outlet for f in findings}))
            )
        }
        for f in findings:
            row = existing.get((f.outlet, f.url))
            if row is None:
                if not f.ok:
                    continue
                row = DiscoveredSource(outlet=f.outlet, kind=f.kind, url=f.url, found_at=now, last_ok_at=now)
                session.add(row)
                existing[(f.outlet, f.url)] = row
            elif f.ok:
                row.last_ok_at, row.failed_at = now, None
            else:
                row.failed_at = now


def discovered_sources(engine: Engine, outlet: str | None = None) -> list[dict[str, object]]:
    """Every cached feed/sitemap (of one outlet, or all) for display: outlet, kind, url,
    found_at, last_ok_at, failed_at (None while it answers)."""
    query = select(DiscoveredSource).order_by(DiscoveredSource.outlet, DiscoveredSource.kind, DiscoveredSource.url)
    if outlet is not None:
        query = query.where(DiscoveredSource.outlet == outlet)
    with session_scope(engine) as session:
        return [
            {"outlet": r.outlet, "kind": r.kind, "url": r.url, "found_at": r.found_at, "last_ok_at": r.last_ok_at,
             "failed_at": r.failed_at}
            for r in session.scalars(query)
        ]
