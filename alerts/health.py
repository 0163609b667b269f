"""Crawl health: outlets break silently, so find the ones that went quiet or started failing. Pure.

Three findings, each an ``HealthIssue`` with a stable key (so the same alert is not
repeated within ``repeat_after_hours``):

- ``no_crawl``: no crawl run started in the last ``quiet_hours`` (then per-outlet
  quietness says nothing and is not reported);
- ``quiet``: an outlet known for at least ``quiet_hours``, crawled in that time, that has
  yielded no new article in it;
- ``errors``: in the newest finished run an outlet's error rate (errors / max(pages,
  errors), over at least ``min_pages``) is at least ``error_rate_min`` and exceeds the
  median of its previous ``baseline_runs`` runs by ``error_rate_jump``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from alerts.digest import clean
from alerts.render import HealthIssue
from alerts.subscriptions import HealthPolicy


@dataclass(frozen=True)
class OutletActivity:
    outlet: str
    known_since: datetime
    last_article_at: datetime | None


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    outlet_stats: dict[str, Any]


def _num(stats: Any, key: str) -> int:
    value = stats.get(key, 0) if isinstance(stats, dict) else 0
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def error_rate(stats: Any) -> tuple[float, int]:
    """(rate, attempts) of one outlet's run stats; attempts = max(pages, errors)."""
    errors, pages = _num(stats, "errors"), _num(stats, "pages")
    attempts = max(pages, errors)
    return (min(1.0, errors / attempts) if attempts else 0.0), attempts


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} h"


def find_issues(
    now: datetime, outlets: Sequence[OutletActivity], runs: Sequence[RunSummary], policy: HealthPolicy
) -> list[HealthIssue]:
    """Health problems as of ``now``; ``runs`` newest first."""
    issues: list[HealthIssue] = []
    window = timedelta(hours=policy.quiet_hours)
    recent = [r for r in runs if r.started_at >= now - window]
    if not recent:
        last = runs[0].started_at if runs else None
        ago = f"for {_hours(now - last)}" if last else "ever"
        issues.append(HealthIssue("no_crawl", "(all outlets)", "no_crawl", f"no crawl has run {ago}"))
    else:
        crawled = {name for r in recent for name in r.outlet_stats}
        first_seen: dict[str, datetime] = {}
        for r in runs:
            for name in r.outlet_stats:
                first_seen[name] = min(first_seen.get(name, r.started_at), r.started_at)
        known = {o.outlet: o for o in outlets}
        for name in sorted(crawled):
            activity = known.get(name)
            since = min(activity.known_since, first_seen.get(name, now)) if activity else first_seen.get(name, now)
            last = activity.last_article_at if activity else None
            if since > now - window or (last is not None and last >= now - window):
                continue
            what = f"no new article for {_hours(now - last)}" if last else "no article ever"
            issues.append(HealthIssue(f"quiet:{name}", name, "quiet", f"{what} (crawled in that time)"))
    finished = [r for r in runs if r.finished_at is not None and r.status != "running"]
    if finished:
        latest, earlier = finished[0], finished[1 : 1 + policy.baseline_runs]
        for name, stats in sorted(latest.outlet_stats.items()):
            rate, attempts = error_rate(stats)
            if attempts < policy.min_pages or rate < policy.error_rate_min:
                continue
            usual_rates = [error_rate(r.outlet_stats[name])[0] for r in earlier if name in r.outlet_stats
                           and error_rate(r.outlet_stats[name])[1] > 0]
            usual = median(usual_rates) if usual_rates else 0.0
            if rate - usual < policy.error_rate_jump:
                continue
            last_error = clean(stats.get("last_error") if isinstance(stats, dict) else "", 200)
            message = f"error rate {rate:.0%} of {attempts} requests in run {latest.run_id} (usually {usual:.0%})"
            if last_error:
                message += f"; last error: {last_error}"
            issues.append(HealthIssue(f"errors:{name}:{latest.run_id}", name, "errors", message))
    return issues
