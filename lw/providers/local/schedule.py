"""EventBridge ``rate()`` and ``cron()`` expressions, evaluated locally.

The local runtime fires schedules itself, so it needs the next fire time of an AWS
expression. AWS cron has six fields (minutes hours day-of-month month day-of-week
year), ``?`` for "any" in one of the day fields, day-of-week 1-7 starting on Sunday,
and month/day names. ``L``, ``W`` and ``#`` are refused with a clear message rather
than approximated, because a wrong local firing time would mislead more than none.
All times are UTC, as on EventBridge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lw.core.errors import ConfigError

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), start=1)}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split(), start=1)}


@dataclass(frozen=True)
class Rate:
    """Fires every ``seconds``, counted from when the schedule was created (as AWS does)."""

    seconds: int

    def next_after(self, moment: datetime, *, origin: datetime) -> datetime:
        elapsed = (moment - origin).total_seconds()
        periods = int(elapsed // self.seconds) + 1 if elapsed >= 0 else 1
        return origin + timedelta(seconds=periods * self.seconds)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None: "?" (any)
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # None: "?"; 1=Sunday … 7=Saturday
    years: frozenset[int] | None  # None: every year

    def _day_matches(self, day: datetime) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        dom_ok = self.days_of_month is None or day.day in self.days_of_month
        dow_ok = self.days_of_week is None or (day.isoweekday() % 7) + 1 in self.days_of_week
        return dom_ok and dow_ok

    def next_after(self, moment: datetime, *, origin: datetime | None = None) -> datetime:
        """The first matching minute strictly after ``moment``; searches day by day so a
        yearly schedule costs a few hundred steps, not half a million."""
        start = (moment + timedelta(minutes=1)).replace(second=0, microsecond=0)
        day = start.replace(hour=0, minute=0)
        for _ in range(366 * 8):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        raise ConfigError(f"schedule cron expression never fires in the next 8 years: {self}")


Schedule = Rate | Cron


def parse_expression(expression: str) -> Schedule:
    """Parse ``rate(5 minutes)`` or ``cron(0 3 * * ? *)``; ConfigError names the expression."""
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        if value < 1:
            raise ConfigError(f"schedule {expression!r}: the rate must be at least 1")
        return Rate(value * _UNIT_SECONDS[unit])
    cron = _CRON.match(text)
    if not cron:
        raise ConfigError(f"schedule {expression!r}: expected rate(N minutes|hours|days) or cron(6 fields)")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ConfigError(
            f"schedule {expression!r}: cron needs 6 fields (minutes hours day-of-month month day-of-week year)"
        )
    minute, hour, dom, month, dow, year = fields
    if dom != "?" and dow != "?":
        raise ConfigError(f"schedule {expression!r}: one of day-of-month and day-of-week must be '?'")
    try:
        return Cron(
            minutes=_field(minute, 0, 59),
            hours=_field(hour, 0, 23),
            days_of_month=None if dom in ("?", "*") else _field(dom, 1, 31),
            months=_field(month, 1, 12, _MONTHS),
            days_of_week=None if dow in ("?", "*") else _field(dow, 1, 7, _DAYS),
            years=None if year in ("*", "?") else _field(year, 1970, 2199),
        )
    except ValueError as exc:
        raise ConfigError(f"schedule {expression!r}: {exc}") from None


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    bare = re.sub("|".join(names), "", text.upper()) if names else text.upper()
    if any(mark in bare for mark in ("L", "W", "#")):
        raise ValueError(f"'{text}': L, W and # are not supported by the local scheduler")
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError(f"'{text}': step must be at least 1")
        if part in ("*", "?"):
            first, last = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            first, last = _value(a, names), _value(b, names)
        else:
            first = _value(part, names)
            last = high if step > 1 else first
        if not (low <= first <= high and low <= last <= high) or first > last:
            raise ValueError(f"'{text}': values must be within {low}-{high}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ValueError(f"'{text}' is not a number" + (f" or one of {', '.join(names)}" if names else ""))
    return int(text)


def next_fire(schedule: Schedule, moment: datetime, *, origin: datetime) -> datetime:
    return schedule.next_after(moment.astimezone(timezone.utc), origin=origin.astimezone(timezone.utc))
