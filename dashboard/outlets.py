"""The Outlets page's rows: every configured outlet, crawled or not, with its latest status.

An operator opens this page when something is wrong, often before a single article is
stored (a total outage, a new deployment): so the list starts from ``sources.yaml``, not
from the stored outlets, and each row carries the last run's status (ok / blocked /
unreachable / no articles) with its evidence, the yield and error figures, and the feeds
and sitemaps discovery found for it. Outlets stored but no longer configured are listed
after them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from common.outlets import SourcesError, load_sources
from common.settings import get_settings
from dashboard.queries import OutletHealth, outlet_health
from storage.discovered import discovered_sources
from storage.outlet_status import OutletStatus, latest_outlet_status


@dataclass
class OutletRow:
    name: str
    country: str
    homepage: str
    configured: bool
    health: OutletHealth | None
    status: OutletStatus | None
    discovered: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return self.status.status if self.status else "never crawled"

    @property
    def last_run(self) -> datetime | None:
        return self.status.run_started_at if self.status else None

    @property
    def failing(self) -> bool:
        return self.status is not None and self.status.status in ("blocked", "unreachable")


def outlet_rows(session: Session) -> tuple[list[OutletRow], str | None]:
    """(rows, problem): failing outlets first, then quiet ones, then by name; ``problem`` says
    why the configured list could not be read (the stored outlets are still shown)."""
    problem = None
    try:
        configured = load_sources(get_settings().resolved_sources_file)
    except (SourcesError, OSError) as exc:
        configured, problem = [], f"sources.yaml could not be read: {exc}"
    engine = session.get_bind()
    health = {h.name: h for h in outlet_health(session)}
    statuses = {s.outlet: s for s in latest_outlet_status(engine)}  # type: ignore[arg-type]
    found: dict[str, list[str]] = {}
    for source in discovered_sources(engine):  # type: ignore[arg-type]
        if not source["failed_at"]:
            found.setdefault(str(source["outlet"]), []).append(f"{source['kind']}: {source['url']}")
    rows = [OutletRow(o.name, o.country, o.homepage, True, health.get(o.name), statuses.get(o.name),
                      found.get(o.name, [])) for o in configured]
    names = {o.name for o in configured}
    rows += [OutletRow(h.name, h.country, "", False, h, statuses.get(h.name), found.get(h.name, []))
             for h in health.values() if h.name not in names]
    rows.sort(key=lambda r: (_rank(r), r.name.lower()))
    return rows, problem


def _rank(row: OutletRow) -> int:
    """Blocked or unreachable first, then quiet, then never crawled, then the rest."""
    if row.failing:
        return 0
    if row.health is not None and row.health.quiet:
        return 1
    return 2 if row.status is None and row.health is None else 3
