"""Event-source mappings: Lambda polling SQS queues, DynamoDB streams and Kinesis.

Mappings are found by listing those of the alias, so every mapping on the alias is
lw's (lw owns the function) and one not in ``lw.yml`` any more is deleted, unlike
Zappa, which reported a changed batch size as "already exists" and kept the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lw.core.errors import ProviderError
from lw.core.model import EventBinding
from lw.core.plan import Change, Outputs
from lw.providers.aws.events.arns import parse_source
from lw.providers.aws.events.bindings import is_enabled, label, option, source_arn
from lw.providers.aws.events.reads import paginate, read_optional
from lw.providers.aws.events.target import Target
from lw.providers.aws.propagation import IAM_BUDGET_SECONDS, iam_not_propagated, resource_busy, retry_iam
from lw.providers.aws.waits import pause, retry_while

DEFAULT_BATCH_SIZE = {"sqs": 10, "dynamodb": 100, "kinesis": 100}
PARTIAL_BATCH_FAILURES = "ReportBatchItemFailures"
_ENABLED_STATES = {"Enabled", "Enabling"}
_DISABLED_STATES = {"Disabled", "Disabling"}
# AWS changes a mapping asynchronously; while it is in one of these states, updates and
# deletes are refused (ResourceInUseException) and a new mapping for the same source
# conflicts with one still Deleting.
TRANSITIONAL_STATES = frozenset({"Creating", "Updating", "Enabling", "Disabling", "Deleting"})
SETTLE_POLLS = 300


@dataclass(frozen=True)
class WantedMapping:
    """A mapping as ``lw.yml`` asks for it, with AWS's defaults filled in so that a
    redeploy compares equal to what AWS echoes back."""

    binding: EventBinding
    source: str
    batch_size: int
    batch_window: int
    enabled: bool
    starting_position: str | None
    response_types: tuple[str, ...] = field(default=())

    def create_params(self, target: Target) -> dict[str, Any]:
        params: dict[str, Any] = {
            "EventSourceArn": self.source,
            "FunctionName": target.alias_arn,
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.batch_window,
            "Enabled": self.enabled,
            "FunctionResponseTypes": list(self.response_types),
        }
        if self.starting_position:
            params["StartingPosition"] = self.starting_position
        return params

    def differences(self, live: dict[str, Any]) -> list[str]:
        """What an update must change (``starting_position`` cannot be updated)."""
        found: list[str] = []
        if int(live.get("BatchSize") or 0) != self.batch_size:
            found.append(f"batch_size {live.get('BatchSize')} -> {self.batch_size}")
        if int(live.get("MaximumBatchingWindowInSeconds") or 0) != self.batch_window:
            found.append(f"batch_window {live.get('MaximumBatchingWindowInSeconds') or 0} -> {self.batch_window}")
        state = str(live.get("State") or "")
        if (self.enabled and state in _DISABLED_STATES) or (not self.enabled and state in _ENABLED_STATES):
            found.append("enabled" if self.enabled else "disabled")
        if tuple(sorted(live.get("FunctionResponseTypes") or ())) != tuple(sorted(self.response_types)):
            found.append(f"function_response_types -> {list(self.response_types)}")
        return found

    def needs_replacement(self, live: dict[str, Any]) -> bool:
        position = live.get("StartingPosition")
        return bool(self.starting_position and position and position != self.starting_position)


def wanted_mapping(target: Target, binding: EventBinding) -> WantedMapping:
    kind = binding.kind
    streams = kind != "sqs"
    default_types = [PARTIAL_BATCH_FAILURES] if kind == "sqs" else []
    return WantedMapping(
        binding=binding,
        source=resolve_source(target, binding),
        batch_size=int(option(binding, "batch_size", DEFAULT_BATCH_SIZE[kind])),
        batch_window=int(option(binding, "batch_window", 0)),
        enabled=is_enabled(binding),
        starting_position=str(option(binding, "starting_position", "LATEST")) if streams else None,
        response_types=tuple(option(binding, "function_response_types", default_types)),
    )


def resolve_source(target: Target, binding: EventBinding) -> str:
    """The ARN the mapping polls; a DynamoDB *table* ARN becomes its current stream's."""
    arn = source_arn(binding)
    parsed = parse_source(binding.kind, arn)
    if binding.kind != "dynamodb" or parsed is None or parsed.is_stream:
        return arn
    client = target.aws.client("dynamodb")
    table = read_optional("describe", f"table {parsed.name}", lambda: client.describe_table(TableName=parsed.name))
    if table is None:
        raise ProviderError(f"{label(binding)}: DynamoDB table {parsed.name!r} does not exist")
    stream = table["Table"].get("LatestStreamArn")
    if not stream:
        raise ProviderError(
            f"{label(binding)}: DynamoDB table {parsed.name!r} has no stream; enable one (StreamSpecification) "
            "or give the stream ARN"
        )
    return str(stream)


def read_mappings(target: Target) -> list[dict[str, Any]]:
    """The mappings of the alias (none when the function does not exist yet)."""
    client = target.aws.client("lambda")
    return (
        read_optional(
            "list the event source mappings of",
            f"function {target.function_name}:live",
            lambda: paginate(
                client, "list_event_source_mappings", "EventSourceMappings", FunctionName=target.alias_arn
            ),
        )
        or []
    )


def plan_mappings(target: Target, bindings: list[EventBinding]) -> list[Change]:
    wanted = [wanted_mapping(target, b) for b in bindings]
    live = {str(m["EventSourceArn"]): m for m in read_mappings(target)}
    changes: list[Change] = []
    for mapping in wanted:
        resource = f"{mapping.binding.kind} event source mapping {mapping.source}"
        current = live.pop(mapping.source, None)
        if current is None:
            changes.append(
                Change(
                    "create",
                    resource,
                    f"new event {mapping.binding.name}",
                    _create(target, mapping),
                    step="create event source mapping",
                )
            )
        elif mapping.needs_replacement(current):
            changes.append(
                Change(
                    "update",
                    resource,
                    "starting_position changed (mapping recreated)",
                    _replace(target, str(current["UUID"]), mapping),
                    step="recreate event source mapping",
                )
            )
        elif differences := mapping.differences(current):
            changes.append(
                Change(
                    "update",
                    resource,
                    ", ".join(differences),
                    _update(target, str(current["UUID"]), mapping),
                    step="update event source mapping",
                )
            )
        else:
            changes.append(Change("noop", resource, "up to date"))
    changes.extend(delete_changes(target, list(live.values())))
    return changes


def delete_changes(target: Target, mappings: list[dict[str, Any]]) -> list[Change]:
    return [
        Change(
            "delete",
            f"event source mapping {m['EventSourceArn']} ({m['UUID']})",
            "event no longer configured",
            _delete(target, str(m["UUID"])),
            step="delete event source mapping",
        )
        for m in sorted(mappings, key=lambda m: str(m["EventSourceArn"]))
    ]


def _create(target: Target, mapping: WantedMapping) -> Any:
    def apply(outputs: Outputs) -> None:
        client = target.aws.client("lambda")
        retry_iam(lambda: client.create_event_source_mapping(**mapping.create_params(target)), target.progress)

    return apply


def _update(target: Target, uuid: str, mapping: WantedMapping) -> Any:
    def apply(outputs: Outputs) -> None:
        params = mapping.create_params(target)
        for immutable in ("EventSourceArn", "StartingPosition"):
            params.pop(immutable, None)
        client = target.aws.client("lambda")
        wait_settled(target, uuid)
        retry_while(
            lambda: client.update_event_source_mapping(UUID=uuid, **params),
            _busy_or_iam,
            progress=target.progress,
            budget=IAM_BUDGET_SECONDS,
        )

    return apply


def _delete(target: Target, uuid: str, *, wait_gone: bool = False) -> Any:
    def apply(outputs: Outputs) -> None:
        import botocore.exceptions

        from lw.providers.aws.errors import is_not_found

        client = target.aws.client("lambda")
        if wait_settled(target, uuid) is None:
            return
        try:
            retry_while(
                lambda: client.delete_event_source_mapping(UUID=uuid),
                resource_busy,
                progress=target.progress,
                budget=SETTLE_POLLS,
            )
        except botocore.exceptions.ClientError as exc:
            if not is_not_found(exc):
                raise
        if wait_gone:
            wait_deleted(target, uuid)

    return apply


def _replace(target: Target, uuid: str, mapping: WantedMapping) -> Any:
    """``starting_position`` cannot be updated: delete, wait until AWS has really
    removed the mapping (a delete is asynchronous, and a create for the same source
    meanwhile fails with "provided mapping already exists"), then create."""
    delete, create = _delete(target, uuid, wait_gone=True), _create(target, mapping)

    def apply(outputs: Outputs) -> None:
        delete(outputs)
        create(outputs)

    return apply


def _read(target: Target, uuid: str) -> dict[str, Any] | None:
    client = target.aws.client("lambda")
    return read_optional("read", f"event source mapping {uuid}", lambda: client.get_event_source_mapping(UUID=uuid))


def wait_settled(target: Target, uuid: str) -> dict[str, Any] | None:
    """Poll the mapping until it is not ``Creating``/``Updating``/``Enabling``/
    ``Disabling``/``Deleting``: AWS refuses updates and deletes meanwhile. ``None`` when
    it does not exist (any more)."""
    for attempt in range(SETTLE_POLLS):
        found = _read(target, uuid)
        if found is None or str(found.get("State") or "") not in TRANSITIONAL_STATES:
            return found
        if attempt == 0:
            target.progress(f"waiting for event source mapping {uuid} ({found.get('State')}) to settle")
        pause(1)
    assert found is not None  # the loop returned otherwise
    raise ProviderError(
        f"event source mapping {uuid} is still {found.get('State')} after {SETTLE_POLLS}s; run the deploy again later"
    )


def wait_deleted(target: Target, uuid: str) -> None:
    """Poll until the mapping is gone (its ``Deleting`` state over)."""
    for attempt in range(SETTLE_POLLS):
        found = _read(target, uuid)
        if found is None:
            return
        if attempt == 0:
            target.progress(f"waiting for event source mapping {uuid} to be deleted")
        pause(1)
    raise ProviderError(
        f"event source mapping {uuid} is still being deleted after {SETTLE_POLLS}s; run the deploy again later"
    )


def _busy_or_iam(exc: BaseException) -> str | None:
    return resource_busy(exc) or iam_not_propagated(exc)


def describe_mappings(target: Target, bindings: list[EventBinding]) -> list[dict[str, Any]]:
    live = {str(m["EventSourceArn"]): m for m in read_mappings(target)}
    rows: list[dict[str, Any]] = []
    for binding in bindings:
        source = resolve_source(target, binding)
        mapping = live.pop(source, None)
        rows.append(_row(binding.name, binding.kind, binding.function, source, mapping))
    for source, mapping in sorted(live.items()):
        rows.append(_row("", _kind_of(source), "", source, mapping, orphan=True))
    return rows


def _kind_of(arn: str) -> str:
    return arn.split(":")[2] if arn.count(":") >= 2 else ""


def _row(
    name: str, kind: str, function: str, source: str, mapping: dict[str, Any] | None, orphan: bool = False
) -> dict[str, Any]:
    if mapping is None:
        state = "missing"
    elif orphan:
        state = "not configured"
    else:
        state = str(mapping.get("State") or "").lower() or "unknown"
    return {
        "name": name,
        "kind": kind,
        "function": function,
        "source": source,
        "resource": str(mapping["UUID"]) if mapping else "",
        "state": state,
    }
