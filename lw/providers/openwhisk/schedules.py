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
    """``min hour dom month dow year`` (AWS) -> ``min hour dom month dow``."""
    fields = body.split()
    if len(fields) != 6:
        raise ConfigError(f"{where}: {expression!r}: AWS cron needs 6 fields (minutes hours day-of-month month day-of-week year)")
    minute, hour, dom, month, dow, year = fields
    if year not in ("*", "?"):
        raise ConfigError(f"{where}: {expression!r}: OpenWhisk alarms cannot restrict the year ({year})")
    for name, value in (("day-of-month", dom), ("day-of-week", dow)):
        if re.search(r"(^|[^A-Z])L($|[^A-Z])|W$|\d+W|#", value.upper()):
            raise ConfigError(f"{where}: {expression!r}: {name} {value!r} (L, W or #) has no OpenWhisk alarm equivalent")
    dom = "*" if dom == "?" else dom
    dow = "*" if dow == "?" else _shift_weekdays(dow)
    maxima = (59, 23, 31, 12, 6)
    fields = [_open_steps(v, top) for v, top in zip((minute, hour, dom, month, dow), maxima)]
    return " ".join(fields)


def _open_steps(value: str, top: int) -> str:
    """AWS's ``5/15`` (from 5, every 15) is ``5-<max>/15`` in classic cron."""
    parts = []
    for part in value.split(","):
        base, slash, step = part.partition("/")
        if slash and base.isdigit():
            base = f"{base}-{top}"
        parts.append(base + (slash + step if slash else ""))
    return ",".join(parts)


def _shift_weekdays(value: str) -> str:
    """AWS numbers weekdays 1-7 from Sunday; classic cron uses 0-6."""

    def shift(match: re.Match[str]) -> str:
        number = int(match.group(0))
        if not 1 <= number <= 7:
            raise ConfigError(f"day-of-week {number} is outside AWS's 1-7")
        return str(number - 1)

    parts = []
    for part in value.split(","):
        base, slash, step = part.partition("/")
        parts.append(re.sub(r"\d+", shift, base) + (slash + step if slash else ""))
    return ",".join(parts)
