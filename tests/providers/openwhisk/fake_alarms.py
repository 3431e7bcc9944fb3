"""The alarms package's feed validation, as strict as the real one (for the fake controller).

Re-implemented from the behaviour of apache/openwhisk-package-alarms
(``action/alarmWebAction.js``) and of the ``cron`` npm package it uses: the feed checks
a pattern with cron 1.7.0 and the provider schedules it with cron 1.8.2. Both are
node-cron 1.x: months 0-11 (``jan`` = 0), weekdays 0-6 (``sun`` = 0), an optional
leading seconds field, three-letter names anywhere, ``*``, lists, ranges and steps, and
``a/step`` running to the field's maximum. 1.7.0 clamps an out-of-range value and
accepts the pattern; 1.8.2 then throws and the trigger never fires. This fake refuses
it at CREATE, which is stricter and turns a silent failure into a test failure.

Errors come back the way the feed action returns them: the activation result is
``{"error": {"error": "<message>"}}``.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

# Field name, lowest and highest value, as node-cron 1.x declares them.
FIELDS = (
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("dayOfMonth", 1, 31),
    ("month", 0, 11),
    ("dayOfWeek", 0, 6),
)
ALIASES = {
    name: i
    for i, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))
}
ALIASES.update({name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))})
_RANGE = re.compile(r"(\d+)(?:-(\d+))?(?:/(\d+))?")


class CronError(ValueError):
    pass


def parse_cron(pattern: str) -> dict[str, set[int]]:
    """The values each field selects, or ``CronError`` where node-cron 1.8.2 throws."""

    def alias(match: re.Match[str]) -> str:
        name = match.group(0).lower()
        if name not in ALIASES:
            raise CronError(f"Unknown alias: {name}")
        return str(ALIASES[name])

    fields = re.sub(r"[a-z]{1,3}", alias, pattern, flags=re.I).split()
    if len(fields) < 5:
        raise CronError("Too few fields")
    if len(fields) > 6:
        raise CronError("Too many fields")
    if len(fields) == 5:
        fields = ["0", *fields]
    return {name: _field(text, low, high) for text, (name, low, high) in zip(fields, FIELDS)}


def _field(text: str, low: int, high: int) -> set[int]:
    if any("*" in part and not part.startswith("*") for part in text.split(",")):
        raise CronError(f"Field ({text}) has an invalid wildcard expression")
    chosen: set[int] = set()
    for part in text.replace("*", f"{low}-{high}").split(","):
        match = _RANGE.fullmatch(part)
        if not match:
            raise CronError(f"Field ({text}) cannot be parsed")
        lower, upper_text, step_text = match.groups()
        if step_text == "0":
            raise CronError(f"Field ({text}) has a step of zero")
        first = int(lower)
        upper = int(upper_text) if upper_text and int(upper_text) else None  # JS: parseInt(x) || undefined
        if upper is not None and first > upper:
            raise CronError(f"Field ({text}) has an invalid range")
        if first < low or (upper is not None and upper > high) or (upper is None and first > high):
            raise CronError(f"Field ({text}) value is out of range")
        last = upper if upper is not None else (high if step_text else first)
        chosen.update(range(first, last + 1, int(step_text or 1)))
    return chosen


def next_fire(fields: dict[str, set[int]], after: datetime) -> datetime | None:
    """The first minute after ``after`` (UTC) that the pattern selects (AND of day fields,
    as node-cron 1.x matches them), looking five years ahead."""
    day = after.replace(hour=0, minute=0, second=0, microsecond=0)
    for _ in range(5 * 366):
        weekday = (day.weekday() + 1) % 7  # Python: Monday = 0; node-cron: Sunday = 0
        if day.month - 1 in fields["month"] and day.day in fields["dayOfMonth"] and weekday in fields["dayOfWeek"]:
            for hour in sorted(fields["hour"]):
                for minute in sorted(fields["minute"]):
                    moment = day.replace(hour=hour, minute=minute)
                    if moment > after:
                        return moment
        day += timedelta(days=1)
    return None


def _date(value: Any, name: str, now_ms: int, start: Any = None) -> str | None:
    """alarmWebAction's ``validateDate``: epoch ms or an ISO string, in the future."""
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, (int, float)):
            moment = float(value)
        else:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp() * 1000
    except ValueError:
        return f"{name} parameter '{value}' is not a valid Date"
    if now_ms >= moment:
        return f"{name} parameter '{value}' must be in the future"
    if start is not None:
        start_ms = (
            start
            if isinstance(start, (int, float))
            else datetime.fromisoformat(str(start).replace("Z", "+00:00")).timestamp() * 1000
        )
        if moment <= start_ms:
            return f"{name} parameter '{value}' must be greater than the startDate parameter '{start}'"
    return None


def _timezone_error(name: Any) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(name))
        return None
    except (ZoneInfoNotFoundError, ValueError):
        return "Invalid timezone."


def validate_create(
    feed: str, params: dict[str, Any], trigger_exists: Callable[[str, Any], bool], *, limit_cron_fields: bool = True
) -> str | None:
    """The first error the alarms web action answers CREATE with, or ``None``.

    ``trigger_exists(name, auth_key)`` stands for the provider's GET of the trigger
    with the caller's ``authKey``.
    """
    now_ms = int(time.time() * 1000)
    if not params.get("triggerName"):
        return "no trigger name parameter was provided"
    fields = None
    start = None
    if feed == "once":
        if not params.get("date"):
            return "alarms once trigger feed is missing the date parameter"
        problem = _date(params["date"], "date", now_ms)
        if problem:
            return problem
        after_fire = params.get("deleteAfterFire")
        if after_fire and str(after_fire).strip().lower() not in ("false", "true", "rules"):
            return "deleteAfterFire parameter must be one of [false, true, rules]."
    else:
        if feed == "interval":
            minutes = params.get("minutes")
            if not minutes:
                return "interval trigger feed is missing the minutes parameter"
            if isinstance(minutes, bool) or not re.fullmatch(r"-?\d+", str(minutes)):
                return "the minutes parameter must be an integer"
            if int(minutes) <= 0:
                return "the minutes parameter must be an integer greater than zero"
        else:
            cron = params.get("cron")
            if not cron:
                return "alarms trigger feed is missing the cron parameter"
            if params.get("timezone") is not None:  # checked first, by CronTime's constructor
                problem = _timezone_error(params["timezone"])
                if problem:
                    return problem
            try:
                fields = parse_cron(str(cron))
            except CronError:
                return f"cron pattern '{cron}' is not valid"
            if limit_cron_fields and len(str(cron).split()) == 6:
                return "cron pattern is limited to 5 fields with 1 minute as the finest granularity"
        if params.get("startDate"):
            problem = _date(params["startDate"], "startDate", now_ms)
            if problem:
                return problem
            start = params["startDate"]
        elif feed == "interval":
            start = now_ms + 30_000
        if params.get("maxTriggers") and params.get("stopDate"):
            if feed == "interval":
                return "maxTriggers is not supported for the interval trigger feed"
            return "maxTriggers is not allowed when the stopDate parameter is specified"
        if params.get("stopDate"):
            problem = _date(params["stopDate"], "stopDate", now_ms, start)
            if problem:
                return problem
            if fields is not None:
                stop_ms = _date_ms(params["stopDate"])
                first = next_fire(fields, datetime.now(timezone.utc))
                if first is None or first.timestamp() * 1000 > stop_ms:
                    return "the first scheduled trigger fire is not until after the stop date"
    if not trigger_exists(str(params["triggerName"]), params.get("authKey")):
        return "Trigger authentication request failed."
    return None


def _date_ms(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp() * 1000
