"""``lw logs``: the function's CloudWatch Logs, filtered and optionally followed.

``--http``/``--no-http`` tells request lines (the runtime's Common Log Format access
lines) from everything else, so application logs can be read without request noise.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Callable, Iterator

from lw.core.context import Context
from lw.core.provider import LogQuery
from lw.providers.aws import names
from lw.providers.aws.errors import error_code, to_provider_error
from lw.runtime.logs import is_access_line

TAIL_INTERVAL_SECONDS = 2.0
sleep: Callable[[float], None] = time.sleep


is_request_line = is_access_line


def wanted(message: str, http: bool | None) -> bool:
    if http is None:
        return True
    return is_request_line(message) == http


def format_event(event: dict[str, Any], label: str = "") -> str:
    stamp = dt.datetime.fromtimestamp(event["timestamp"] / 1000, dt.timezone.utc)
    where = f"[{label}] " if label else ""
    return f"{stamp:%Y-%m-%d %H:%M:%S} {where}{event.get('message', '').rstrip()}"


def read_logs(ctx: Context, aws: Any, query: LogQuery, *, polls: int | None = None) -> Iterator[str]:
    """Yield matching lines oldest first; with ``tail`` keep polling (``polls`` bounds
    it for tests). Event ids already shown are remembered so overlapping polls never
    print a line twice."""
    return follow_logs(ctx, [("", aws)], query, polls=polls)


def follow_logs(
    ctx: Context, sources: list[tuple[str, Any]], query: LogQuery, *, polls: int | None = None
) -> Iterator[str]:
    """``read_logs`` over several ``(label, session)`` sources (a global stage's
    regions): each poll reads every source and yields their new lines merged by time,
    each prefixed with its label."""
    function = names.function_name(ctx.app)
    group = names.log_group(function)
    clients = [(label, aws.client("logs")) for label, aws in sources]
    first_ms = int((time.time() - query.since_seconds) * 1000)
    start_ms = {label: first_ms for label, _ in clients}
    seen: dict[str, set[str]] = {label: set() for label, _ in clients}
    rounds = 0
    while True:
        batch: list[tuple[int, str, dict[str, Any]]] = []
        for label, client in clients:
            for event in _fetch(client, group, start_ms[label], query.filter):
                if event["eventId"] in seen[label]:
                    continue
                seen[label].add(event["eventId"])
                start_ms[label] = max(start_ms[label], int(event["timestamp"]))
                if wanted(event.get("message", ""), query.http):
                    batch.append((int(event["timestamp"]), label, event))
        batch.sort(key=lambda item: (item[0], item[1]))
        for _stamp, label, event in batch:
            yield format_event(event, label)
        rounds += 1
        if not query.tail or (polls is not None and rounds >= polls):
            return
        sleep(TAIL_INTERVAL_SECONDS)


def _fetch(client: Any, group: str, start_ms: int, pattern: str | None) -> list[dict[str, Any]]:
    import botocore.exceptions

    params: dict[str, Any] = {"logGroupName": group, "startTime": start_ms, "interleaved": True}
    if pattern:
        params["filterPattern"] = pattern
    try:
        pages = list(client.get_paginator("filter_log_events").paginate(**params))
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return []  # no invocation has logged anything yet
        raise to_provider_error("read logs of", group, exc) from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise to_provider_error("read logs of", group, exc) from exc
    events = [e for page in pages for e in page.get("events") or []]
    return sorted(events, key=lambda e: (e["timestamp"], e["eventId"]))
