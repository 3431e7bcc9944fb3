"""The local deployment's log: one file, one timestamped line per record.

The supervisor appends (worker output, request lines, its own notices) and ``lw logs``
reads, filters and follows the same file, so logs survive the supervisor and need no
running process to be read, much as CloudWatch outlives a function's containers.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from lw.runtime.logs import is_access_line

_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


class LogSink:
    """Thread-safe appender; each line gets a UTC timestamp and its source tag."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="utf-8", buffering=1)

    def write(self, source: str, text: str) -> None:
        stamp = datetime.now(timezone.utc).strftime(_STAMP)
        lines = text.rstrip("\n").split("\n") or [""]
        with self._lock:
            for line in lines:
                self._file.write(f"{stamp} {source} {line}\n")

    def close(self) -> None:
        with self._lock:
            self._file.close()


def parse_line(line: str) -> tuple[datetime | None, str, str]:
    """(timestamp, source, message) of a stored line; foreign lines keep their text."""
    parts = line.rstrip("\n").split(" ", 2)
    if len(parts) == 3:
        try:
            return datetime.strptime(parts[0], _STAMP).replace(tzinfo=timezone.utc), parts[1], parts[2]
        except ValueError:
            pass
    return None, "", line.rstrip("\n")


is_request_line = is_access_line


def read_lines(
    path: Path,
    *,
    since_seconds: int | None = None,
    pattern: str | None = None,
    http: bool | None = None,
    follow: bool = False,
    poll_seconds: float = 0.25,
    stop: threading.Event | None = None,
) -> Iterator[str]:
    """Yield ``<timestamp> <message>`` lines oldest first; with ``follow`` keep waiting
    for new ones (until ``stop`` is set or the file disappears, i.e. undeploy)."""
    cutoff = None
    if since_seconds is not None:
        cutoff = datetime.now(timezone.utc).timestamp() - since_seconds

    def keep(line: str) -> str | None:
        stamp, _source, message = parse_line(line)
        if cutoff is not None and stamp is not None and stamp.timestamp() < cutoff:
            return None
        if pattern and pattern not in message:
            return None
        if http is not None and is_request_line(message) != http:
            return None
        shown = stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if stamp else ""
        return f"{shown} {message}".strip()

    if not path.exists():
        return
    with open(path, "rb") as handle:
        while True:
            position = handle.tell()
            raw = handle.readline()
            if raw.endswith(b"\n"):
                shown = keep(raw.decode("utf-8", "replace"))
                if shown is not None:
                    yield shown
                continue
            handle.seek(position)  # nothing or a partial line: wait for the writer
            if not follow or (stop is not None and stop.is_set()) or not path.exists():
                return
            time.sleep(poll_seconds)
