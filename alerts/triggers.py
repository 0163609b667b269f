"""Cron triggers that behave like cron: Sunday is 0, and a wall-clock time fires once a day.

Two APScheduler 3 pitfalls fixed here:

- ``CronTrigger.from_crontab`` numbers weekdays from Monday = 0 (documented "historical
  mistake", fixed only in 4.x): ``0 8 * * 1-5`` would run Tuesday to Saturday. We
  translate the weekday field from standard cron numbers (0 or 7 = Sunday) to names.
- A scheduled local time that occurs twice (02:30 in Europe/Paris on the last Sunday of
  October, 02:30 in Africa/Casablanca when Ramadan time starts) fires twice: a daily
  digest would go out twice. We skip a fire time whose wall time equals the previous
  one. A time that does not exist (spring forward) still fires once, one hour later on
  the wall clock — APScheduler's own behaviour, kept.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from apscheduler.triggers.cron import CronTrigger

_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
_ITEM = re.compile(r"^(?:(\*)|(\w+)(?:-(\w+))?)(?:/(\d+))?$")


def _day_number(token: str) -> int:
    token = token.lower()
    if token.isdigit():
        number = int(token)
        if not 0 <= number <= 7:
            raise ValueError(f"weekday {token} is out of range 0-7")
        return number % 7
    if token[:3] in _DAYS:
        return _DAYS.index(token[:3])
    raise ValueError(f"unknown weekday {token!r}")


def cron_weekdays(field: str) -> str:
    """A standard cron weekday field (0/7 = Sunday) as APScheduler day names: '1-5' -> 'mon,tue,wed,thu,fri'."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        m = _ITEM.match(item.strip())
        if not m:
            raise ValueError(f"bad weekday item {item!r}")
        star, first, last, step = m.groups()
        if star:
            start, end = 0, 6
        else:
            start = _day_number(first)
            end = _day_number(last) if last else (6 if step else start)
            if last and last.isdigit() and int(last) == 7:
                end = 7
        if end < start:
            raise ValueError(f"weekday range {item!r} runs backwards")
        days.update(d % 7 for d in range(start, end + 1, int(step or 1)))
    return ",".join(_DAYS[d] for d in sorted(days))


class WallClockCronTrigger(CronTrigger):
    @classmethod
    def from_crontab(cls, expr: str, timezone: str | tzinfo | None = None) -> WallClockCronTrigger:
        values = expr.split()
        if len(values) != 5:
            raise ValueError(f"wrong number of fields: got {len(values)}, expected 5")
        minute, hour, day, month, weekday = values
        return cls(minute=minute, hour=hour, day=day, month=month, day_of_week=cron_weekdays(weekday),
                   timezone=timezone)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        fire: Any = super().get_next_fire_time(previous_fire_time, now)
        if fire is None or previous_fire_time is None:
            return fire  # type: ignore[no-any-return]
        zone = self.timezone
        before = previous_fire_time.astimezone(zone).replace(tzinfo=None)
        for _ in range(3):  # fire only when the wall clock has moved past the previous fire
            if fire is None or fire.astimezone(zone).replace(tzinfo=None) > before:
                break
            after = (before + timedelta(microseconds=1)).replace(tzinfo=zone, fold=1).astimezone(UTC)
            fire = super().get_next_fire_time(None, max(now, after))
        return fire  # type: ignore[no-any-return]
