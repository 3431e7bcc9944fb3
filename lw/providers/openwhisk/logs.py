"""``lw logs``: the logs of the stage's activations, oldest first, optionally followed."""

from __future__ import annotations

import time
from typing import Callable, Iterator

from lw.core.provider import LogQuery
from lw.providers.openwhisk import activations
from lw.providers.openwhisk.remote import Remote
from lw.runtime.logs import is_access_line

POLL_SECONDS = 2.0


def lines(
    remote: Remote,
    query: LogQuery,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> Iterator[str]:
    since_ms = int((clock() - query.since_seconds) * 1000)
    seen: set[str] = set()
    while True:
        batch = activations.recent(remote, since_ms=since_ms, limit=activations.MAX_PER_ACTION)
        caused = {str(a.get("cause")) for a in batch if a.get("cause")}
        for activation in batch:
            activation_id = str(activation.get("activationId"))
            if activation_id in seen:
                continue
            seen.add(activation_id)
            since_ms = max(since_ms, int(activation.get("start") or 0))
            if activations.is_sequence(activation):
                # its logs are component ids; a component that ran reports its own outcome
                status = activations.status_of(activation)
                if activation_id not in caused and status != "success" and _wanted(status, query, status_line=True):
                    yield f"{activations.shown_name(activation)} {activation_id[:12]} {status}: {_error_of(activation)}"
                continue
            action = activations.shown_name(activation)
            for line in activation.get("logs") or ():
                if _wanted(str(line), query):
                    yield f"{action} {activation_id[:12]} {line}"
            status = activations.status_of(activation)
            if status != "success" and _wanted(status, query, status_line=True):
                yield f"{action} {activation_id[:12]} {status}: {_error_of(activation)}"
        if not query.tail:
            return
        sleep(POLL_SECONDS)


def _wanted(line: str, query: LogQuery, *, status_line: bool = False) -> bool:
    if query.filter and query.filter not in line:
        return False
    if query.http is True:
        return not status_line and is_access_line(line)
    if query.http is False:
        return status_line or not is_access_line(line)
    return True


def _error_of(activation: dict) -> str:
    result = (activation.get("response") or {}).get("result")
    if isinstance(result, dict) and "error" in result:
        return str(result["error"]).splitlines()[0] if result["error"] else ""
    return ""
