"""Schedules: fire times across clock changes, a missed day runs once, SIGTERM, one instance per database.

The scheduler tests run the real ``newswatch schedule`` in a subprocess against a real
database, with a harmless crawl command (a Python one-liner that appends to a file).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from test_alerts_support import Seeder, write_alerts_yaml

from alerts.lock import SchedulerAlreadyRunning, SchedulerLock
from alerts.scheduler import JOBS_TABLE, job_specs, next_fire_times, sync_jobs
from alerts.subscriptions import Schedule, parse_alerts
from storage.db import dispose_engines, get_engine

UTC = UTC


def fires(cron: str, zone: str, start: datetime, count: int) -> list[str]:
    trigger = Schedule(cron=cron, timezone=zone).trigger()
    return [t.astimezone(UTC).strftime("%m-%d %H:%MZ") for t in next_fire_times(trigger, start, count)]


@pytest.mark.parametrize(
    ("cron", "zone", "start", "expected"),
    [
        # Paris, spring forward on 29 March 2026: 07:30 local moves from 06:30Z to 05:30Z
        ("30 7 * * *", "Europe/Paris", datetime(2026, 3, 28, tzinfo=UTC), ["03-28 06:30Z", "03-29 05:30Z", "03-30 05:30Z"]),
        # Paris, fall back on 25 October 2026
        ("30 7 * * *", "Europe/Paris", datetime(2026, 10, 24, tzinfo=UTC), ["10-24 05:30Z", "10-25 06:30Z", "10-26 06:30Z"]),
        # Casablanca goes to UTC+0 for Ramadan on 15 February 2026 ...
        ("30 7 * * *", "Africa/Casablanca", datetime(2026, 2, 14, tzinfo=UTC), ["02-14 06:30Z", "02-15 07:30Z", "02-16 07:30Z"]),
        # ... and back to UTC+1 on 22 March 2026
        ("30 7 * * *", "Africa/Casablanca", datetime(2026, 3, 21, tzinfo=UTC), ["03-21 07:30Z", "03-22 06:30Z", "03-23 06:30Z"]),
        # weekdays only, twice a day, across the Paris spring change
        ("0 8,17 * * 1-5", "Europe/Paris", datetime(2026, 3, 27, 12, tzinfo=UTC), ["03-27 16:00Z", "03-30 06:00Z", "03-30 15:00Z"]),
        # the hour that happens twice (fall back) fires once
        ("30 2 * * *", "Europe/Paris", datetime(2026, 10, 24, tzinfo=UTC), ["10-24 00:30Z", "10-25 00:30Z", "10-26 01:30Z"]),
        ("30 2 * * *", "Africa/Casablanca", datetime(2026, 2, 14, tzinfo=UTC), ["02-14 01:30Z", "02-15 01:30Z", "02-16 02:30Z"]),
        # the hour that does not exist (spring forward) fires once, at 03:30 local
        ("30 2 * * *", "Europe/Paris", datetime(2026, 3, 28, tzinfo=UTC), ["03-28 01:30Z", "03-29 01:30Z", "03-30 00:30Z"]),
    ],
)
def test_fire_times_across_clock_changes(cron: str, zone: str, start: datetime, expected: list[str]) -> None:
    assert fires(cron, zone, start, 3) == expected


def test_local_wall_time_stays_put_all_year() -> None:
    for zone in ("Africa/Casablanca", "Europe/Paris"):
        trigger = Schedule(cron="30 7 * * *", timezone=zone).trigger()
        times = next_fire_times(trigger, datetime(2026, 1, 1, tzinfo=UTC), 365)
        local = {t.astimezone(ZoneInfo(zone)).strftime("%H:%M") for t in times}
        days = {t.astimezone(ZoneInfo(zone)).date() for t in times}
        assert local == {"07:30"} and len(days) == 365
        offsets = {t.astimezone(ZoneInfo(zone)).utcoffset() for t in times}
        assert len(offsets) == 2  # both zones change clocks in 2026


# --------------------------------------------------------------- job store syncing
def _scheduler(url: str) -> BackgroundScheduler:
    return BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=get_engine(url), tablename=JOBS_TABLE)},
                               timezone=UTC)


def _config(tmp_path: Path, marker: Path, cron: str = "0 5 * * *", command: list[str] | None = None, **top: object):
    command = command or [sys.executable, "-c",
                          f"import os; open({str(marker)!r}, 'a').write(f'{{os.getpid()}}\\n')"]
    return write_alerts_yaml(tmp_path / "alerts.yaml", [], crawl={
        "command": command, "schedule": {"cron": cron, "timezone": "Africa/Casablanca"}}, **top)


def _store_with_past_run(url: str, config_path: Path, days_ago: int) -> datetime:
    """Jobs as a scheduler left them, the crawl's next run ``days_ago`` days in the past (machine off)."""
    from alerts.subscriptions import load_alerts

    sched = _scheduler(url)
    sched.start(paused=True)
    sync_jobs(sched, job_specs(load_alerts(config_path)))
    job = sched.get_job("crawl")
    sched.shutdown(wait=False)
    past = next_fire_times(job.trigger, datetime.now(UTC) - timedelta(days=days_ago), 1)[0]
    job.next_run_time = past
    # written through the store directly: no scheduler thread is around to "catch up" meanwhile
    SQLAlchemyJobStore(engine=get_engine(url), tablename=JOBS_TABLE).update_job(job)
    return past


def test_sync_keeps_an_unchanged_jobs_next_run_and_updates_a_changed_one(sqlite_url: str, tmp_path: Path) -> None:
    config_path = _config(tmp_path, tmp_path / "m")
    past = _store_with_past_run(sqlite_url, config_path, 3)
    sched = _scheduler(sqlite_url)
    sched.start(paused=True)
    try:
        from alerts.subscriptions import load_alerts

        assert sync_jobs(sched, job_specs(load_alerts(config_path)))["crawl"] == "kept"
        assert sched.get_job("crawl").next_run_time == past  # the missed run is still owed
        changed = parse_alerts({"crawl": {"schedule": {"cron": "0 6 * * *", "timezone": "Africa/Casablanca"}}})
        actions = sync_jobs(sched, job_specs(changed))
        assert actions["crawl"] == "updated" and sched.get_job("crawl").next_run_time > datetime.now(UTC)
        assert sync_jobs(sched, job_specs(parse_alerts({})))["crawl"] == "removed"
    finally:
        sched.shutdown(wait=False)


# ------------------------------------------------------------------ the real process
class Proc:
    """``newswatch schedule`` in a subprocess, its stderr collected line by line."""

    def __init__(self, url: str, config: Path, data: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_") and k != "DATABASE_URL"}
        env.update(DATABASE_URL=url, NEWSWATCH_ALERTS_FILE=str(config), NEWSWATCH_DATA_DIR=str(data),
                   NEWSWATCH_LOG_LEVEL="INFO", PYTHONUNBUFFERED="1")
        self.lines: list[str] = []
        self.proc = subprocess.Popen([sys.executable, "-m", "newswatch.cli", "schedule"], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return
            if self.proc.poll() is not None:
                self._reader.join(2)
                if text in self.output:
                    return
                raise AssertionError(f"exited ({self.proc.returncode}) before {text!r}:\n{self.output}")
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} within {timeout}s:\n{self.output}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout)
        self._reader.join(5)
        return rc


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for p in started:
        if p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait(10)


def _wait_file_lines(path: Path, n: int, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(lines := path.read_text().splitlines()) >= n:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"{path} did not get {n} line(s)")


def test_missed_days_run_once_on_start(database_url: str, tmp_path: Path, procs: list[Proc]) -> None:
    """Three missed daily crawls → one crawl on start, then its immediate and health alerts."""
    marker = tmp_path / "crawls.txt"
    _config(tmp_path, marker)
    config = write_alerts_yaml(tmp_path / "alerts.yaml", [
        {"name": "urgent", "channel": {"type": "slack", "webhook_env": "NEWSWATCH_TEST_UNSET_WEBHOOK"},
         "topics": ["security-cooperation"], "immediate": {"min_score": 0.9}},
        {"name": "ops", "channel": {"type": "email", "to": ["ops@test.example"]}, "health": True},
    ], crawl={"command": [sys.executable, "-c", f"open({str(marker)!r}, 'a').write('crawl\\n')"],
              "schedule": {"cron": "0 5 * * *", "timezone": "Africa/Casablanca"}})
    Seeder(get_engine(database_url)).told("Alerte: coopération antiterroriste", ["Le360"], score=0.95,
                                          matched_at=datetime.now(UTC) - timedelta(minutes=5))
    _store_with_past_run(database_url, config, days_ago=3)
    dispose_engines()
    p = Proc(database_url, config, tmp_path / "data")
    procs.append(p)
    _wait_file_lines(marker, 1)
    p.wait_for("ops health #")
    time.sleep(1.0)  # a second (or third) catch-up run would start right away
    assert p.stop() == 0, p.output
    assert len(marker.read_text().splitlines()) == 1
    assert "job crawl (kept)" in p.output and "scheduler stopped cleanly" in p.output
    outbox = sorted(f.name for f in (tmp_path / "data" / "outbox").iterdir())
    assert outbox == ["000001-urgent.json", "000002-ops.eml"], p.output
    assert "Alerte: coopération antiterroriste" in (tmp_path / "data" / "outbox" / outbox[0]).read_text()
    sched = _scheduler(database_url)
    sched.start(paused=True)
    try:
        assert sched.get_job("crawl").next_run_time > datetime.now(UTC)  # caught up, next one is in the future
    finally:
        sched.shutdown(wait=False)


def test_sigterm_stops_a_running_crawl_and_exits_cleanly(sqlite_url: str, tmp_path: Path, procs: list[Proc]) -> None:
    pid_file = tmp_path / "crawl.pid"
    command = [sys.executable, "-c",
               f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"]
    config = _config(tmp_path, tmp_path / "m", command=command)
    _store_with_past_run(sqlite_url, config, days_ago=1)
    dispose_engines()
    p = Proc(sqlite_url, config, tmp_path / "data")
    procs.append(p)
    child = int(_wait_file_lines(pid_file, 1)[0])
    started = time.monotonic()
    assert p.stop(signal.SIGTERM) == 0, p.output
    assert time.monotonic() - started < 10
    assert "received SIGTERM" in p.output and "scheduler stopped cleanly" in p.output
    assert "crawl: finished with exit code -15" in p.output
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_a_second_instance_refuses_to_start(database_url: str, tmp_path: Path, procs: list[Proc]) -> None:
    config = _config(tmp_path, tmp_path / "m", cron="0 5 1 1 *")
    first = Proc(database_url, config, tmp_path / "data")
    procs.append(first)
    first.wait_for("scheduler started")
    second = Proc(database_url, config, tmp_path / "data")
    procs.append(second)
    assert second.proc.wait(60) == 2  # refused: a usage error (docs/cli.md)
    second._reader.join(5)
    assert "another scheduler is already running on" in second.output
    assert f"newswatch schedule pid={first.proc.pid}" in second.output
    assert first.proc.poll() is None  # the first one is unharmed
    # a killed scheduler leaves no stale lock behind
    first.proc.kill()
    first.proc.wait(10)
    third = Proc(database_url, config, tmp_path / "data")
    procs.append(third)
    third.wait_for("scheduler started")
    assert third.stop() == 0


def test_lock_in_process(database_url: str) -> None:
    engine = get_engine(database_url)
    with SchedulerLock(engine):
        other = SchedulerLock(engine)
        with pytest.raises(SchedulerAlreadyRunning, match=f"pid={os.getpid()}"):
            other.acquire()
    with SchedulerLock(engine):  # released on exit
        pass


@pytest.mark.parametrize(
    ("field", "expected"),
    [("1-5", "mon,tue,wed,thu,fri"), ("0", "sun"), ("7", "sun"), ("6,0", "sun,sat"), ("*", "*"),
     ("*/2", "sun,tue,thu,sat"), ("mon-wed", "mon,tue,wed"), ("5-7", "sun,fri,sat"), ("1-5/2", "mon,wed,fri")],
)
def test_weekdays_use_standard_cron_numbers(field: str, expected: str) -> None:
    from alerts.triggers import cron_weekdays

    assert cron_weekdays(field) == expected


def test_weekday_zero_is_sunday_like_cron() -> None:
    sundays = next_fire_times(Schedule(cron="0 9 * * 0", timezone="Europe/Paris").trigger(),
                              datetime(2026, 11, 23, tzinfo=UTC), 3)
    assert [t.astimezone(ZoneInfo("Europe/Paris")).strftime("%a %d") for t in sundays] == ["Sun 29", "Sun 06", "Sun 13"]
