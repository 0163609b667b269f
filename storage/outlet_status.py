"""Each outlet's status in its latest crawl run, for the dashboard's Outlets page and the API.

The status (ok / blocked / unreachable / no articles) is stored with the run's per-outlet
figures by ``crawler.recorder``; the evidence (status code and first bytes of a block
page, or the network reason) is in that run's ``crawl_errors``. Runs written before
statuses existed are classified from their figures the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from common.outlet_status import BLOCKED, classify
from storage.db import session_scope
from storage.models import Article, CrawlError, CrawlRun

RUNS_SCANNED = 50


@dataclass(frozen=True)
class OutletStatus:
    outlet: str
    status: str  # ok | blocked | unreachable | no articles
    run_id: int
    run_started_at: datetime
    articles: int
    pages: int
    errors: int
    reason: str | None  # "host: DNS lookup failed", "host: blocked (HTTP 403)"
    evidence: str | None  # the error record's message: "HTTP 403; first bytes: '…'" or the last error


def latest_outlet_status(engine: Engine, outlets: Iterable[str] | None = None) -> list[OutletStatus]:
    """Every outlet seen in the last ``RUNS_SCANNED`` runs (or just ``outlets``), from its newest run."""
    wanted = set(outlets) if outlets is not None else None
    found: dict[str, OutletStatus] = {}
    with session_scope(engine) as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
                               .limit(RUNS_SCANNED))
        for run in runs:
            stats = run.outlet_stats if isinstance(run.outlet_stats, dict) else {}
            for name, figures in stats.items():
                if name in found or (wanted is not None and name not in wanted) or not isinstance(figures, dict):
                    continue
                status = str(figures.get("status") or classify(figures))
                found[name] = OutletStatus(
                    outlet=name, status=status, run_id=run.id, run_started_at=run.started_at,
                    articles=int(figures.get("articles") or 0), pages=int(figures.get("pages") or 0),
                    errors=int(figures.get("errors") or 0), reason=figures.get("reason"),
                    evidence=_evidence(session, run.id, name, status) or figures.get("last_error"),
                )
    return sorted(found.values(), key=lambda s: s.outlet.lower())


def _evidence(session: object, run_id: int, outlet: str, status: str) -> str | None:
    query = select(CrawlError.message).where(CrawlError.run_id == run_id, CrawlError.outlet == outlet)
    if status == BLOCKED:
        query = query.where(CrawlError.kind == "blocked")
    row = session.scalars(query.order_by(CrawlError.id.desc()).limit(1)).first()  # type: ignore[attr-defined]
    return str(row) if row else None


def newest_article_times(session: Session) -> dict[int, datetime]:
    """Outlet id -> when its newest article was fetched: the activity behind "quiet", one
    query for the dashboard's Outlets page and the health alerts."""
    rows = session.execute(select(Article.outlet_id, func.max(Article.fetched_at)).group_by(Article.outlet_id))
    return {outlet_id: aware for outlet_id, value in rows if (aware := _aware(value)) is not None}


def _aware(value: object) -> datetime | None:
    """func.max() bypasses the UTCDateTime column type on SQLite: parse and tag what comes back."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
