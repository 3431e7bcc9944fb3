"""AWS-style schedule expressions mapped onto the alarms feeds.

``rate(...)`` becomes ``/whisk.system/alarms/interval`` (whole minutes) and
``cron(...)`` (AWS's six fields) becomes a classic five-field cron for
``/whisk.system/alarms/alarm``. Anything the alarms provider cannot express is refused
with the expression in the message instead of being approximated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lw.core.errors import ConfigError

ALARM_FEED = "/whisk.system/alarms/alarm"
INTERVAL_FEED = "/whisk.system/alarms/interval"
ALARMS_PACKAGE = ("whisk.system", "alarms")

_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)", re.I)
_CRON = re.compile(r"cron\((.*)\)", re.I | re.S)
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


@dataclass(frozen=True)
class Schedule:
    feed: str
    parameters: dict[str, Any]


def to_alarm(expression: str, where: str) -> Schedule:
    """The alarms feed and its parameters for one expression; ``where`` names it in errors."""
    text = expression.strip()
    rate = _RATE.fullmatch(text)
    if rate:
        count = int(rate.group(1))
        if count <= 0:
            raise ConfigError(f"{where}: {expression!r}: the rate must be at least 1")
        unit = rate.group(2).lower().rstrip("s")
        return Schedule(INTERVAL_FEED, {"minutes": count * _UNIT_MINUTES[unit]})
    cron = _CRON.fullmatch(text)
    if cron:
        return Schedule(ALARM_FEED, {"cron": aws_cron_to_classic(cron.group(1), where, expression)})
    raise ConfigError(f"{where}: {expression!r} is neither rate(N minutes|hours|days) nor cron(...)")


def aws_cron_to_classic(body: str, where: str, expression: str) -> str:
    """``min hour dom month dow year`` (AWS) -> the alarms feed's five node-cron fields.

    The alarms package parses patterns with node-cron 1.x, which counts months 0-11
    (``jan`` = 0) and weekdays 0-6 (``sun`` = 0), where AWS counts months 1-12 and
    weekdays 1-7 (``SUN`` = 1). Month and weekday fields are therefore expanded to the
    set of values AWS means and written back as node-cron numbers; passing ``6`` through
    would fire in July, and ``12`` would be refused by the provider's scheduler after the
    feed had accepted it, so the trigger would silently never fire.
    """
    fields = body.split()
    if len(fields) != 6:
        raise ConfigError(
            f"{where}: {expression!r}: AWS cron needs 6 fields (minutes hours day-of-month month day-of-week year)"
        )
    minute, hour, dom, month, dow, year = fields
    if year not in ("*", "?"):
        raise ConfigError(f"{where}: {expression!r}: OpenWhisk alarms cannot restrict the year ({year})")
    for name, value in (("day-of-month", dom), ("day-of-week", dow)):
        if re.search(r"(^|[^A-Z])L($|[^A-Z])|W$|\d+W|#", value.upper()):
            raise ConfigError(
                f"{where}: {expression!r}: {name} {value!r} (L, W or #) has no OpenWhisk alarm equivalent"
            )

    def field(spec: _Field, value: str) -> str:
        try:
            return spec.translate(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: {expression!r}: {spec.name} {value!r}: {exc}") from None

    dom = "*" if dom == "?" else dom
    dow = "*" if dow == "?" else dow
    return " ".join(field(spec, value) for spec, value in zip(_FIELDS, (minute, hour, dom, month, dow)))


@dataclass(frozen=True)
class _Field:
    """One AWS cron field: its range, names, and how node-cron numbers it."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # AWS names in order, for values low, low+1, ...
    shift: int = 0  # AWS value + shift = node-cron value

    def values(self, value: str) -> set[int]:
        """The AWS values a field selects (``*``, lists, ranges, ``a/step``, names)."""
        chosen: set[int] = set()
        for part in value.split(","):
            base, slash, step_text = part.partition("/")
            step = 1
            if slash:
                if not step_text.isdigit() or int(step_text) == 0:
                    raise ValueError(f"the step {step_text!r} must be a whole number of at least 1")
                step = int(step_text)
            if base == "*":
                first, last = self.low, self.high
            elif "-" in base:
                start, _, end = base.partition("-")
                first, last = self.number(start), self.number(end)
                if first > last:
                    raise ValueError(f"the range {base} runs backwards; write it as a list of two ranges")
            else:
                first = self.number(base)
                last = self.high if slash else first  # AWS: 5/15 means from 5 to the end
            chosen.update(range(first, last + 1, step))
        return chosen

    def number(self, text: str) -> int:
        upper = text.upper()
        if upper in self.names:
            return self.low + self.names.index(upper)
        if not text.isdigit():
            expected = f"{self.low}-{self.high}" + (f" or {self.names[0]}-{self.names[-1]}" if self.names else "")
            raise ValueError(f"{text!r} is not a value ({expected})")
        number = int(text)
        if not self.low <= number <= self.high:
            raise ValueError(f"{number} is outside {self.low}-{self.high}")
        return number

    def translate(self, value: str) -> str:
        chosen = self.values(value)
        if not self.names:
            # Minutes, hours and days of the month are numbered alike in both crons; keep
            # the user's text, with AWS's open "a/step" written as node-cron's "a-max/step".
            return ",".join(_close_step(part, self.high) for part in value.split(","))
        if chosen == set(range(self.low, self.high + 1)):
            return "*"
        return _compact(sorted(v + self.shift for v in chosen))


def _close_step(part: str, high: int) -> str:
    base, slash, step = part.partition("/")
    if slash and base.isdigit():
        return f"{base}-{high}/{step}"
    return part


def _compact(values: list[int]) -> str:
    """``[0, 1, 2, 4]`` -> ``"0-2,4"``."""
    runs: list[list[int]] = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, _MONTHS, shift=-1),
    _Field("day-of-week", 1, 7, _WEEKDAYS, shift=-1),
)
