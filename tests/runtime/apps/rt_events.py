"""Event functions the runtime tests bind to events (signature ``fn(event, context)``)."""

from __future__ import annotations

CALLS: list[tuple[str, object]] = []


def record(event, context):
    CALLS.append(("record", event))
    return {"handled": len(event.get("Records", [])) if isinstance(event, dict) else 0}


def partial_failure(event, context):
    CALLS.append(("partial_failure", event))
    return {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def not_a_report(event, context):
    CALLS.append(("not_a_report", event))
    return {"something": "else"}


def fail(event, context):
    raise ValueError("event function failed on purpose")


def scheduled(event, context):
    CALLS.append(("scheduled", event))
    return "done"


def add(payload, context):
    print("adding", payload)
    return payload["a"] + payload["b"]


def unserialisable(payload, context):
    return object()


REPORTED: list[BaseException] = []


def report(exc, event, context):
    REPORTED.append(exc)


def broken_report(exc, event, context):
    raise RuntimeError("the reporter is broken too")
