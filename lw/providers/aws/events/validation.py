"""Checking every AWS event binding before any AWS call is made.

All problems are collected and raised together, so a user fixes their ``events`` list
in one pass, and nothing is half-wired because entry three of five was wrong.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from lw.core.errors import ConfigError
from lw.core.model import AppModel, EventBinding
from lw.providers.aws.events.arns import EXPECTED_SHAPE, parse_source
from lw.providers.aws.events.bindings import AWS_KINDS, MAPPING_KINDS, SCHEDULE_KINDS, label, option
from lw.providers.aws.events.expressions import expression_problem

BATCH_SIZE_LIMITS = {"sqs": (1, 10000), "dynamodb": (1, 10000), "kinesis": (1, 10000)}
MAX_BATCH_WINDOW = 300
STARTING_POSITIONS = ("LATEST", "TRIM_HORIZON")
KEY_FILTER_TYPES = ("prefix", "suffix")


def validate_bindings(app: AppModel, bindings: list[EventBinding], region: str) -> None:
    """Raise one ``ConfigError`` listing every invalid entry (no AWS call is made)."""
    problems: list[str] = []
    for binding in bindings:
        problems.extend(f"{label(binding)}: {p}" for p in binding_problems(binding, region))
    problems.extend(_duplicate_source_problems(bindings))
    if problems:
        where = f"{app.config_file.name}: stage '{app.stage}'"
        raise ConfigError(f"{where}: {len(problems)} invalid AWS event setting(s)", problems)


def binding_problems(binding: EventBinding, region: str) -> list[str]:
    """What is wrong with one binding for AWS (empty when it is valid)."""
    if binding.kind not in AWS_KINDS:
        return [f"kind {binding.kind!r} cannot run on AWS (AWS serves: {', '.join(sorted(AWS_KINDS - {'keep_warm'}))})"]
    if binding.kind in SCHEDULE_KINDS:
        return _schedule_problems(binding)
    problems = _source_problems(binding, region)
    if binding.kind == "s3":
        problems += _s3_problems(binding)
    elif binding.kind == "sns":
        problems += _sns_problems(binding)
    else:
        problems += _mapping_problems(binding)
    return problems


def _schedule_problems(binding: EventBinding) -> list[str]:
    if not binding.expressions:
        return ["a schedule needs an expression: rate(...) or cron(...)"]
    found = (expression_problem(e) for e in binding.expressions)
    return [f"expression {p}" for p in found if p]


def _source_problems(binding: EventBinding, region: str) -> list[str]:
    arn = binding.source or option(binding, "arn")
    if not isinstance(arn, str) or not arn:
        return [f"event_source.arn is required for a {binding.kind} event"]
    source = parse_source(binding.kind, arn)
    if source is None:
        return [f"event_source.arn {arn!r} is not a {binding.kind} ARN (expected {EXPECTED_SHAPE[binding.kind]})"]
    if source.region is not None and source.region != region:
        return [
            f"event_source.arn {arn!r} is in region {source.region} but the function deploys to {region}; "
            "lw wires event sources in the function's own region"
        ]
    return []


def _s3_problems(binding: EventBinding) -> list[str]:
    problems: list[str] = []
    events = option(binding, "events", ["s3:ObjectCreated:*"])
    if (
        not isinstance(events, list)
        or not events
        or not all(isinstance(e, str) and e.startswith("s3:") for e in events)
    ):
        problems.append(f"events: expected a list of S3 event names like 's3:ObjectCreated:*', got {events!r}")
    filters = option(binding, "key_filters", [])
    if not isinstance(filters, list):
        problems.append(f"key_filters: expected a list of {{type: prefix|suffix, value: ...}}, got {filters!r}")
        return problems
    for entry in filters:
        if (
            not isinstance(entry, Mapping)
            or entry.get("type") not in KEY_FILTER_TYPES
            or not isinstance(entry.get("value"), str)
        ):
            problems.append(f"key_filters: expected {{type: prefix|suffix, value: TEXT}}, got {entry!r}")
    for key in KEY_FILTER_TYPES:
        value = option(binding, key)
        if value is not None and not isinstance(value, str):
            problems.append(f"{key}: expected a string, got {value!r}")
    return problems


def _sns_problems(binding: EventBinding) -> list[str]:
    filters = option(binding, "filters")
    if filters is None:
        return []
    if not isinstance(filters, Mapping) or not filters:
        return [f"filters: expected a non-empty SNS filter policy mapping, got {filters!r}"]
    try:
        json.dumps(filters)
    except (TypeError, ValueError):
        return [f"filters: the filter policy is not JSON-serialisable: {filters!r}"]
    return []


def _mapping_problems(binding: EventBinding) -> list[str]:
    problems: list[str] = []
    low, high = BATCH_SIZE_LIMITS[binding.kind]
    batch_size = option(binding, "batch_size")
    if batch_size is not None and not _int_between(batch_size, low, high):
        problems.append(f"batch_size: expected an integer from {low} to {high}, got {batch_size!r}")
    window = option(binding, "batch_window")
    if window is not None and not _int_between(window, 0, MAX_BATCH_WINDOW):
        problems.append(f"batch_window: expected seconds from 0 to {MAX_BATCH_WINDOW}, got {window!r}")
    if binding.kind == "sqs" and _int_between(batch_size, 11, high) and not _int_between(window, 1, MAX_BATCH_WINDOW):
        problems.append("batch_size above 10 needs batch_window of at least 1 second (an SQS rule)")
    if binding.kind in MAPPING_KINDS - {"sqs"}:
        position = option(binding, "starting_position", "LATEST")
        if position not in STARTING_POSITIONS:
            problems.append(f"starting_position: expected one of {', '.join(STARTING_POSITIONS)}, got {position!r}")
    elif option(binding, "starting_position") is not None:
        problems.append("starting_position: SQS queues have no starting position")
    return problems


def _duplicate_source_problems(bindings: list[EventBinding]) -> list[str]:
    """Two entries on one queue, stream or topic: AWS allows one mapping or subscription
    per function and source, and the runtime could not tell which function is meant."""
    seen: dict[tuple[str, str], EventBinding] = {}
    problems: list[str] = []
    for binding in bindings:
        if binding.kind not in MAPPING_KINDS | {"sns"}:
            continue
        arn = binding.source or option(binding, "arn")
        if not isinstance(arn, str):
            continue
        key = (binding.kind, arn)
        if key in seen:
            problems.append(f"{label(binding)}: same source {arn} as {label(seen[key])}; use one entry per source")
        else:
            seen[key] = binding
    return problems


def _int_between(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
