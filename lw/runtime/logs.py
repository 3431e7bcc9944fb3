"""What the runtime writes to the function's log: access lines and errors.

``logging`` is not used: importing it costs cold-start time, and a user's app often
reconfigures the root logger. Lines go straight to stdout/stderr, which both Lambda
and OpenWhisk collect as the function's logs.
"""

from __future__ import annotations

import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "WARN": 30, "ERROR": 40, "CRITICAL": 50}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_threshold = 20


def set_level(name: str | None) -> None:
    """Apply the stage's ``log_level`` (unknown names keep INFO rather than failing)."""
    global _threshold
    _threshold = _LEVELS.get(str(name or "INFO").upper(), 20)


def log(level: str, message: str) -> None:
    if _LEVELS[level] >= _threshold:
        sys.stderr.write(f"[lw] {level} {message}\n")


def one_line(exc: BaseException, limit: int = 300) -> str:
    """``Type: message`` on one line and bounded: the message may quote client input."""
    text = f"{type(exc).__name__}: {exc}"
    if not text.isprintable():
        text = text.translate(_ESCAPES)
    return text if len(text) <= limit else text[:limit] + "..."


def request_label(environ: dict[str, Any]) -> str:
    """``GET /path`` for lw's own messages, escaped: the path may hold a decoded %0A."""
    return f"{environ.get('REQUEST_METHOD', '-')} {_readable(str(environ.get('PATH_INFO', '')))}"


def log_exception(message: str) -> str:
    """Log ``message`` with the current exception's traceback; returns the traceback."""
    import traceback

    trace = traceback.format_exc()
    sys.stderr.write(f"[lw] ERROR {message}\n{trace}")
    sys.stderr.flush()
    return trace


_last_second = -1
_last_stamp = ""


def clf_time(now: float) -> str:
    """``26/Nov/2026:15:04:05 +0000``, without locale-dependent ``strftime``.

    Formatted once per second: a busy container logs many requests per second.
    """
    global _last_second, _last_stamp
    second = int(now)
    if second != _last_second:
        t = time.gmtime(second)
        _last_stamp = "%02d/%s/%04d:%02d:%02d:%02d +0000" % (
            t.tm_mday,
            _MONTHS[t.tm_mon - 1],
            t.tm_year,
            t.tm_hour,
            t.tm_min,
            t.tm_sec,
        )
        _last_second = second
    return _last_stamp


# Control characters (a decoded %0A in a path) would let a client forge log lines; the
# C1 controls and Unicode's line and paragraph separators end a line for many readers
# (``str.splitlines`` among them), so they are escaped too.
_ESCAPES = {code: "\\x%02x" % code for code in (*range(0x20), *range(0x7F, 0xA0))}
_ESCAPES[0x2028] = "\\u2028"
_ESCAPES[0x2029] = "\\u2029"
_ESCAPES[ord('"')] = '\\"'


def _readable(value: str) -> str:
    """PEP 3333 latin-1 text back to what the client sent, escaped for one log line."""
    if not value.isascii():
        value = value.encode("latin-1", "replace").decode("utf-8", "replace")
    if not value.isprintable() or '"' in value:
        value = value.translate(_ESCAPES)
    return value


def access_line(environ: dict[str, Any], status: int, size: int, started: float) -> str:
    """One request as a Common Log Format line plus referer, user agent and duration.

    The shape is what log tools parse for web servers (the "combined" format), with the
    time the app took in milliseconds appended, as Zappa users are used to.
    """
    return _line(environ, status, size, started)[:-1]


def write_access_line(environ: dict[str, Any], status: int, size: int, started: float) -> None:
    sys.stdout.write(_line(environ, status, size, started))


# Decimal text of the numbers an access line holds (status, size, tenths of a
# millisecond): formatting an int or a float costs more than the dict lookup, and a
# container sees the same few values again and again. Bounded: filled up to a cap.
_DECIMALS: dict[int, str] = {}
_DURATIONS: dict[int, str] = {}
_NUMBERS_MAX = 4096


def _decimal(number: int) -> str:
    text = _DECIMALS.get(number)
    if text is None:
        text = str(number)
        if len(_DECIMALS) < _NUMBERS_MAX:
            _DECIMALS[number] = text
    return text


def _duration(seconds: float) -> str:
    """``3.2`` (milliseconds, one decimal, rounded half up) for a duration in seconds."""
    tenths = int(seconds * 10000.0 + 0.5)
    text = _DURATIONS.get(tenths)
    if text is None:
        text = "%d.%d" % divmod(tenths, 10)
        if len(_DURATIONS) < _NUMBERS_MAX:
            _DURATIONS[tenths] = text
    return text


def _line(environ: dict[str, Any], status: int, size: int, started: float, _now: Any = time.time) -> str:
    """:func:`access_line` with its newline. Written for speed (it runs on every
    request): one check of the five client-influenced fields together, one f-string,
    numbers from memo tables."""
    now = _now()
    stamp = _last_stamp if int(now) == _last_second else clf_time(now)
    get = environ.get
    # For ALB the address comes from X-Forwarded-For: checked like the rest.
    address = get("REMOTE_ADDR") or "-"
    user = get("REMOTE_USER") or "-"
    query = get("QUERY_STRING")
    if query:
        path = f"{get('SCRIPT_NAME', '')}{get('PATH_INFO', '')}?{query}"
    else:
        path = get("SCRIPT_NAME", "") + get("PATH_INFO", "")
    referer = get("HTTP_REFERER", "-")
    agent = get("HTTP_USER_AGENT", "-")
    fields = f"{address}{user}{path}{referer}{agent}"
    if not fields.isascii() or not fields.isprintable() or '"' in fields:
        address, user, path = _readable(address), _readable(user), _readable(path)
        referer, agent = _readable(referer), _readable(agent)
    status_text = _DECIMALS.get(status) or _decimal(status)
    size_text = (_DECIMALS.get(size) or _decimal(size)) if size else "-"
    return (
        f'{address} - {user} [{stamp}] "{get("REQUEST_METHOD", "-")} {path} '
        f'{get("SERVER_PROTOCOL", "HTTP/1.1")}" {status_text} {size_text} "{referer}" "{agent}" '
        f"{_duration(now - started)}ms\n"
    )


_ACCESS_LINE: Any = None


def is_access_line(message: str) -> bool:
    """Whether a log line (possibly prefixed by the platform's timestamp) is one of
    ``access_line``'s: how ``lw logs --http``/``--no-http`` tell requests from the app's
    own output on every provider. ``re`` is imported on first use, never at cold start."""
    global _ACCESS_LINE
    if _ACCESS_LINE is None:
        import re

        # host ident user [time] "METHOD path-with-escaped-quotes PROTOCOL" status size
        _ACCESS_LINE = re.compile(r'\S+ \S+ \S+ \[[^\]]+\] "[A-Z]+ (?:[^"\\]|\\.)* [A-Z]+/[0-9.]+" \d{3} \S+')
    return _ACCESS_LINE.search(message) is not None
