"""Schedule expressions, checked the way EventBridge will check them.

moto accepts almost any string (``rate(5 minute)``, five-field crons), so without this
check a typo would deploy happily against a test server and fail only on AWS.
"""

from __future__ import annotations

import re

_RATE = re.compile(r"rate\((?P<value>\d+) (?P<unit>minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((?P<fields>[^()]*)\)")
_CRON_FIELD = re.compile(r"[0-9A-Za-z*?,/#\-]+")
_CRON_FIELD_NAMES = ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")


def expression_problem(expression: object) -> str | None:
    """Why ``expression`` is not a valid EventBridge schedule, or ``None`` if it is."""
    if not isinstance(expression, str):
        return f"expected a rate(...) or cron(...) string, got {expression!r}"
    text = expression.strip()
    if text.startswith("rate("):
        return _rate_problem(text)
    if text.startswith("cron("):
        return _cron_problem(text)
    return f"{expression!r} is neither rate(...) nor cron(...)"


def _rate_problem(text: str) -> str | None:
    match = _RATE.fullmatch(text)
    if match is None:
        return f"{text!r}: expected rate(N minute[s]|hour[s]|day[s])"
    value, unit = int(match["value"]), match["unit"]
    if value < 1:
        return f"{text!r}: the rate must be at least 1"
    if (value == 1) == unit.endswith("s"):
        wanted = unit.rstrip("s") if value == 1 else unit + "s"
        return f"{text!r}: EventBridge wants '{wanted}' with {value}"
    return None


def _cron_problem(text: str) -> str | None:
    match = _CRON.fullmatch(text)
    if match is None:
        return f"{text!r}: expected cron(minutes hours day-of-month month day-of-week year)"
    fields = match["fields"].split()
    if len(fields) != 6:
        return f"{text!r}: EventBridge crons have 6 fields ({' '.join(_CRON_FIELD_NAMES)}), got {len(fields)}"
    for name, value in zip(_CRON_FIELD_NAMES, fields):
        if not _CRON_FIELD.fullmatch(value):
            return f"{text!r}: invalid {name} field {value!r}"
    if "?" not in (fields[2], fields[4]):
        return f"{text!r}: one of day-of-month and day-of-week must be '?'"
    return None
