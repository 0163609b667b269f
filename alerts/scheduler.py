"""``newswatch schedule``: the long-running process that crawls daily and sends the digests.

APScheduler 3.11 ``BlockingScheduler`` with a persistent ``SQLAlchemyJobStore`` in the
newswatch database (table ``apscheduler_jobs``). Jobs:

- ``crawl`` — runs the crawl command (default ``newswatch crawl``) as a *subprocess*
  (Twisted's reactor starts once per process), then the immediate alerts and the health check;
- ``digest:<subscription>`` — one per subscription with a schedule (cron + time zone);
- ``poll`` — with a ``poll:`` entry, every few minutes one ``newswatch watch --one-pass`` subprocess
  (feeds and news sitemaps, conditional GET), then the immediate alerts; skipped while a crawl runs;
- ``retry`` — every few minutes, re-sends pending deliveries whose backoff has elapsed;
- ``health`` — every 6 hours, so "no crawl has run" is noticed even when the crawl job is off.

Missed runs (the machine was off) run once on start: jobs are kept in the store with
their next run time, ``coalesce=True`` folds the missed fire times into one run and
``misfire_grace_time=None`` lets it run however late. Job definitions are synchronised
with ``alerts.yaml`` on start without touching an unchanged job's next run time.
SIGTERM/SIGINT stop it cleanly (a running crawl subprocess is terminated first). A second
instance on the same database refuses to start (``alerts.lock``).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts import service
from alerts.lock import SchedulerLock
from alerts.subscriptions import AlertsConfig

log = logging.getLogger("newswatch.schedule")
JOBS_TABLE = "apscheduler_jobs"
HEALTH_EVERY_HOURS = 6
CHILD_STOP_SECONDS = 15


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # textual reference, so the job can be stored
    trigger: BaseTrigger
    args: tuple[Any, ...] = ()
    name: str = ""


def job_specs(config: AlertsConfig) -> list[JobSpec]:
    """The jobs ``alerts.yaml`` asks for."""
    specs: list[JobSpec] = []
    if config.crawl.schedule is not None:
        specs.append(JobSpec("crawl", "alerts.scheduler:crawl_job", config.crawl.schedule.trigger(), (), "daily crawl"))
    for sub in config.subscriptions:
        if sub.schedule is not None:
            specs.append(JobSpec(f"digest:{sub.name}", "alerts.scheduler:digest_job", sub.schedule.trigger(),
                                 (sub.name,), f"digest {sub.name}"))
    if config.poll is not None:
        specs.append(JobSpec("poll", "alerts.scheduler:poll_job",
                             IntervalTrigger(minutes=config.poll.every_minutes, timezone=UTC), (),
                             "poll feeds, immediate alerts"))
    specs.append(JobSpec("retry", "alerts.scheduler:retry_job",
                         IntervalTrigger(minutes=config.delivery.retry_every_minutes, timezone=UTC),
                         (), "retry pending deliveries"))
    if config.health_subscriptions:
        specs.append(JobSpec("health", "alerts.scheduler:health_job",
                             IntervalTrigger(hours=HEALTH_EVERY_HOURS, timezone=UTC), (), "crawl health"))
    return specs


def next_fire_times(trigger: BaseTrigger, start: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times of a trigger after ``start`` (aware datetimes)."""
    times: list[datetime] = []
    previous: datetime | None = None
    now = start
    while len(times) < count:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        times.append(fire)
        previous, now = fire, fire + timedelta(microseconds=1)
    return times


def _same_trigger(a: BaseTrigger, b: BaseTrigger) -> bool:
    if isinstance(a, CronTrigger) and isinstance(b, CronTrigger):
        return repr(a) == repr(b)
    if isinstance(a, IntervalTrigger) and isinstance(b, IntervalTrigger):
        return a.interval == b.interval
    return False


def sync_jobs(scheduler: Any, specs: Sequence[JobSpec]) -> dict[str, str]:
    """Make the stored jobs match ``specs``; an unchanged job keeps its (maybe past) next run time."""
    actions: dict[str, str] = {}
    wanted = {s.id for s in specs}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            scheduler.remove_job(job.id)
            actions[job.id] = "removed"
    for spec in specs:
        job = scheduler.get_job(spec.id)
        if job is not None and job.func_ref == spec.func and tuple(job.args) == spec.args \
                and _same_trigger(job.trigger, spec.trigger):
            actions[spec.id] = "kept"
            continue
        scheduler.add_job(
            spec.func, spec.trigger, args=spec.args, id=spec.id, name=spec.name or spec.id,
            replace_existing=True, coalesce=True, misfire_grace_time=None, max_instances=1,
        )
        actions[spec.id] = "updated" if job is not None else "added"
    return actions


# ------------------------------------------------------------------- runtime & jobs
@dataclass
class SchedulerRuntime:
    alerts: service.AlertsRuntime
    children: set[subprocess.Popen[bytes]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


_RUNTIME: SchedulerRuntime | None = None


def _runtime() -> SchedulerRuntime:
    if _RUNTIME is None:
        raise RuntimeError("the scheduler runtime is not set (jobs run only inside `newswatch schedule`)")
    return _RUNTIME


def _log_outcomes(outcomes: Sequence[service.Outcome]) -> None:
    for outcome in outcomes:
        log.info("%s", outcome.line())


def run_crawl(rt: SchedulerRuntime, argv: list[str], timeout_s: float) -> int:
    """Run the crawl command in its own process group; terminate it on timeout or stop."""
    with rt.lock:  # checked and registered under the lock the stop handler takes: no orphan crawl
        if rt.stopping.is_set():
            log.info("crawl: not started, the scheduler is stopping")
            return 143
        log.info("crawl: starting %s", " ".join(argv))
        try:
            child = subprocess.Popen(argv, start_new_session=True)
        except OSError as exc:
            log.error("crawl: cannot start %r: %s", argv[0], exc)
            return 127
        rt.children.add(child)
    try:
        try:
            rc = child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            log.error("crawl: still running after %.0f min; stopping it", timeout_s / 60)
            _stop_child(child)
            rc = child.wait()
    finally:
        with rt.lock:
            rt.children.discard(child)
    from common.exitcodes import TABLE

    level = logging.INFO if rc == 0 else logging.WARNING if rc == 1 else logging.ERROR
    log.log(level, "crawl: finished with exit code %s (%s)", rc, TABLE.get(rc, "killed or crashed"))
    return rc


def _stop_child(child: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, CHILD_STOP_SECONDS), (signal.SIGKILL, 5)):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            return
        try:
            child.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def crawl_job() -> None:
    rt = _runtime()
    crawl = rt.alerts.config.crawl
    run_crawl(rt, crawl.argv(), crawl.timeout_minutes * 60)
    if rt.stopping.is_set():
        return
    _log_outcomes(service.run_immediate(rt.alerts))
    _log_outcomes(service.run_health(rt.alerts))


def poll_job() -> None:
    """One ``newswatch watch`` pass, then the immediate alerts; skipped while a crawl runs."""
    rt = _runtime()
    poll = rt.alerts.config.poll
    if poll is None:
        return
    with rt.lock:
        busy = bool(rt.children)
    if busy:
        log.info("poll: skipped, a crawl is running")
        return
    run_crawl(rt, poll.argv(), poll.timeout_minutes * 60)
    if not rt.stopping.is_set():
        _log_outcomes(service.run_immediate(rt.alerts))


def digest_job(name: str) -> None:
    rt = _runtime()
    try:
        sub = rt.alerts.config.get(name)
    except ValueError as exc:
        log.error("digest: %s", exc)
        return
    _log_outcomes(service.run_digest(rt.alerts, sub))


def retry_job() -> None:
    _log_outcomes(service.retry_due(_runtime().alerts))


def health_job() -> None:
    _log_outcomes(service.run_health(_runtime().alerts))


# ------------------------------------------------------------------------- the loop
def build_scheduler(alerts_rt: service.AlertsRuntime) -> BlockingScheduler:
    return BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=alerts_rt.engine, tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone=UTC,
    )


def run_scheduler(alerts_rt: service.AlertsRuntime) -> int:
    """Hold the lock, sync the jobs, run until SIGTERM/SIGINT. Returns the exit code."""
    global _RUNTIME
    lock = SchedulerLock(alerts_rt.engine)
    lock.acquire()  # raises SchedulerAlreadyRunning
    rt = SchedulerRuntime(alerts_rt)
    _RUNTIME = rt
    scheduler = build_scheduler(alerts_rt)
    specs = job_specs(alerts_rt.config)

    running = threading.Event()

    def on_start(_event: SchedulerEvent) -> None:
        actions = sync_jobs(scheduler, specs)
        for job in scheduler.get_jobs():
            when = job.next_run_time.isoformat() if job.next_run_time else "paused"
            log.info("job %s (%s): next run %s", job.id, actions.get(job.id, "kept"), when)
        running.set()
        log.info("scheduler started on %s with %d job(s)", lock.where, len(specs))

    def stop(signum: int, _frame: Any) -> None:
        if rt.stopping.is_set():
            return
        rt.stopping.set()
        log.info("received %s: stopping (running jobs finish, the crawl subprocess is terminated)",
                 signal.Signals(signum).name)

        def _shutdown() -> None:
            with rt.lock:
                children = list(rt.children)
            for child in children:
                _stop_child(child)
            # a signal during start-up: shutdown() before start() finished would be a no-op error
            running.wait()
            scheduler.shutdown(wait=True)

        threading.Thread(target=_shutdown, name="newswatch-stop", daemon=True).start()

    scheduler.add_listener(on_start, EVENT_SCHEDULER_STARTED)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _RUNTIME = None
        lock.release()
    log.info("scheduler stopped cleanly")
    return 0
