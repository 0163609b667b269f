"""Crawl health: outlets break silently, so find the ones that went quiet or started failing. Pure.

Three findings, each an ``HealthIssue`` with a stable key (so the same alert is not
repeated within ``repeat_after_hours``):

- ``no_crawl``: no crawl run started in the last ``quiet_hours`` (then per-outlet
  quietness says nothing and is not reported);
- ``quiet``: an outlet known for at least ``quiet_hours``, crawled in that time, that has
  yielded no new article in it;
- ``errors``: in the newest finished run an outlet's error rate (errors / max(pages,
  errors), over at least ``min_pages``) is at least ``error_rate_min`` and exceeds the
  median of its previous ``baseline_runs`` runs by ``error_rate_jump``;
- ``outage``: the newest finished run crawled outlets but none of them yielded a page, or
  every one was blocked or unreachable (the network, DNS or a proxy is down: an error
  rate over "at least min_pages" never fires when there are no pages at all);
- ``failing``: an outlet failed in each of its last ``failed_runs`` runs (blocked,
  unreachable, or errors and no article), whatever its page count.
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
from common.outlet_status import FAILED, classify, is_quiet
from common.outlet_status import error_rate as shared_error_rate


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
    return shared_error_rate(_num(stats, "errors"), _num(stats, "pages"))


def outlet_failed(stats: Any) -> bool:
    """Did the outlet fail in that run: blocked, unreachable, or errors and not one article?"""
    if not isinstance(stats, dict):
        return False
    status = stats.get("status") or classify(stats)
    return status in FAILED or (_num(stats, "errors") > 0 and _num(stats, "articles") == 0
                                and _num(stats, "already_stored") == 0)


def outage_issue(run: RunSummary) -> HealthIssue | None:
    """The whole run fetched nothing: no page from any outlet, or every outlet blocked/unreachable."""
    stats = [s for s in run.outlet_stats.values() if isinstance(s, dict)]
    if not stats:
        return None
    pages = sum(_num(s, "pages") for s in stats)
    failed = [s for s in stats if (s.get("status") or classify(s)) in FAILED]
    articles = sum(_num(s, "articles") for s in stats)
    if len(failed) < len(stats) and (pages or articles):
        return None
    reasons = sorted({str(s.get("reason") or "").split(": ", 1)[-1] for s in failed if s.get("reason")})
    why = f" ({'; '.join(reasons[:3])})" if reasons else ""
    what = "no outlet yielded a page" if not pages else "every outlet was blocked or unreachable"
    return HealthIssue(f"outage:{run.run_id}", "(all outlets)", "outage",
                       f"crawl run {run.run_id}: {what}; {len(stats)} outlet(s){why}")


def failing_issues(finished: Sequence[RunSummary], runs_in_a_row: int) -> list[HealthIssue]:
    """Outlets that failed in each of their last ``runs_in_a_row`` runs (runs newest first)."""
    history: dict[str, list[tuple[int, Any]]] = {}
    for run in finished:
        for name, stats in run.outlet_stats.items():
            history.setdefault(name, []).append((run.run_id, stats))
    issues = []
    for name, seen in sorted(history.items()):
        last = seen[:runs_in_a_row]
        if len(last) < runs_in_a_row or not all(outlet_failed(stats) for _, stats in last):
            continue
        stats = last[0][1]
        status = stats.get("status") or classify(stats)
        reason = clean(stats.get("reason") or stats.get("last_error") or "", 200)
        message = f"failed in its last {runs_in_a_row} runs (now {status})" + (f": {reason}" if reason else "")
        issues.append(HealthIssue(f"failing:{name}", name, "failing", message))
    return issues


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
            if not is_quiet(now, since, last, policy.quiet_hours):
                continue
            what = f"no new article for {_hours(now - last)}" if last else "no article ever"
            issues.append(HealthIssue(f"quiet:{name}", name, "quiet", f"{what} (crawled in that time)"))
    finished = [r for r in runs if r.finished_at is not None and r.status != "running"]
    if finished:
        outage = outage_issue(finished[0])
        if outage is not None:
            issues.append(outage)
        issues.extend(failing_issues(finished, policy.failed_runs))
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
