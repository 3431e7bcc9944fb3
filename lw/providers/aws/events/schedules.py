"""Schedules and keep-warm: one EventBridge rule per expression, targeting the alias.

The target's input transformer sends the usual scheduled-event JSON plus
``"lw_binding": <binding name>``, so the runtime picks the function from the event
itself. Zappa parsed it from the rule name's last hyphen segment, which broke for
function names containing hyphens and for shortened names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from lw.core.errors import ProviderError
from lw.core.model import EventBinding
from lw.core.plan import Change, Outputs
from lw.providers.aws import names
from lw.providers.aws.events.bindings import is_enabled, label
from lw.providers.aws.events.permissions import PRINCIPALS, Grant, grant_sid
from lw.providers.aws.events.reads import paginate, read
from lw.providers.aws.events.target import Target

RULE_NAME_MAX = 64
TARGET_ID = "lw"
BINDING_TAG = "lw:binding"

_EVENT_PATHS = {
    "version": "$.version",
    "id": "$.id",
    "detail_type": "$.detail-type",
    "source": "$.source",
    "account": "$.account",
    "time": "$.time",
    "region": "$.region",
    "resources": "$.resources",
}


@dataclass(frozen=True)
class WantedRule:
    binding: EventBinding
    name: str
    expression: str

    def arn(self, target: Target) -> str:
        return f"arn:{target.partition}:events:{target.region}:{target.account_id}:rule/{self.name}"

    @property
    def state(self) -> str:
        return "ENABLED" if is_enabled(self.binding) else "DISABLED"

    @property
    def description(self) -> str:
        what = "keep-warm ping" if self.binding.kind == "keep_warm" else self.binding.function
        return f"lw: {what} ({self.binding.name})"[:512]

    def tags(self, target: Target) -> dict[str, str]:
        return {**target.app.tags, BINDING_TAG: self.binding.name}

    def target_spec(self, target: Target) -> dict[str, Any]:
        return {"Id": TARGET_ID, "Arn": target.alias_arn, "InputTransformer": input_transformer(self.binding.name)}


def input_transformer(binding_name: str) -> dict[str, Any]:
    """The scheduled-event shape, rebuilt field by field, plus ``lw_binding``.

    String fields are quoted placeholders and ``resources`` (a list) is not, which is
    how EventBridge keeps the result valid JSON.
    """
    template = (
        '{"version": "<version>", "id": "<id>", "detail-type": "<detail_type>", "source": "<source>", '
        '"account": "<account>", "time": "<time>", "region": "<region>", "resources": <resources>, '
        f'"detail": {{}}, "lw_binding": {json.dumps(binding_name)}}}'
    )
    return {"InputPathsMap": dict(_EVENT_PATHS), "InputTemplate": template}


def rule_name(target: Target, binding: EventBinding, index: int | None) -> str:
    """``<project>-<stage>-<binding>[-i]``, shortened with a stable hash past 64
    characters (safe: nothing parses rule names)."""
    name = f"{target.prefix}-{binding.name}" + (f"-{index}" if index is not None else "")
    if len(name) <= RULE_NAME_MAX:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: RULE_NAME_MAX - 9].rstrip('-')}-{digest}"


def wanted_rules(target: Target, bindings: list[EventBinding]) -> list[WantedRule]:
    rules: list[WantedRule] = []
    for binding in bindings:
        many = len(binding.expressions) > 1
        for i, expression in enumerate(binding.expressions, start=1):
            rules.append(WantedRule(binding, rule_name(target, binding, i if many else None), expression.strip()))
    return rules


def grants_for(target: Target, rules: list[WantedRule]) -> list[Grant]:
    return [Grant(sid=grant_sid(r.name), principal=PRINCIPALS["schedule"], source_arn=r.arn(target)) for r in rules]


def read_own_rules(target: Target) -> dict[str, dict[str, Any]]:
    """Rules named with the stage's prefix *and* tagged for this project and stage
    (``app-dev-`` is also the start of ``app-dev-eu-``'s rules), with their tags."""
    client = target.aws.client("events")
    listed = read(
        "list",
        f"EventBridge rules {target.prefix}-*",
        lambda: paginate(client, "list_rules", "Rules", NamePrefix=f"{target.prefix}-"),
    )
    own: dict[str, dict[str, Any]] = {}
    for rule in listed:
        tags = _tags(target, str(rule["Arn"]))
        if names.owns(tags, target.app):
            own[str(rule["Name"])] = {**rule, "Tags": tags}
    return own


def _tags(target: Target, arn: str) -> dict[str, str]:
    client = target.aws.client("events")
    response = read("read the tags of", arn, lambda: client.list_tags_for_resource(ResourceARN=arn))
    return {t["Key"]: t["Value"] for t in response.get("Tags") or []}


def _targets(target: Target, name: str) -> list[dict[str, Any]]:
    client = target.aws.client("events")
    return read(
        "list the targets of", f"rule {name}", lambda: paginate(client, "list_targets_by_rule", "Targets", Rule=name)
    )


def plan_schedules(target: Target, bindings: list[EventBinding]) -> list[Change]:
    wanted = wanted_rules(target, bindings)
    own = read_own_rules(target)
    changes: list[Change] = []
    for rule in wanted:
        resource = f"eventbridge rule {rule.name} ({rule.expression})"
        current = own.pop(rule.name, None)
        if current is None:
            _refuse_foreign(target, rule)
            changes.append(
                Change(
                    "create",
                    resource,
                    f"new schedule {rule.binding.name}",
                    _create(target, rule),
                    step="create schedule rule",
                )
            )
            continue
        differences = _differences(target, rule, current)
        if differences:
            changes.append(
                Change(
                    "update",
                    resource,
                    ", ".join(differences),
                    _update(target, rule, current),
                    step="update schedule rule",
                )
            )
        else:
            changes.append(Change("noop", resource, "up to date"))
    changes.extend(delete_changes(target, sorted(own)))
    return changes


def _refuse_foreign(target: Target, rule: WantedRule) -> None:
    """A rule with lw's name but not its tags belongs to someone else: never overwrite it."""
    import botocore.exceptions

    try:
        target.aws.client("events").describe_rule(Name=rule.name)
    except botocore.exceptions.ClientError:
        return
    raise ProviderError(
        f"{label(rule.binding)}: EventBridge rule {rule.name!r} exists but is not tagged "
        f"lw:project={target.app.project_name}, lw:stage={target.app.stage}; rename or delete it"
    )


def _differences(target: Target, rule: WantedRule, current: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if current.get("ScheduleExpression") != rule.expression:
        found.append(f"expression {current.get('ScheduleExpression')} -> {rule.expression}")
    if current.get("State") != rule.state:
        found.append(f"state -> {rule.state.lower()}")
    if (current.get("Description") or "") != rule.description:
        found.append("description")
    if current.get("Tags") != rule.tags(target):
        found.append("tags")
    targets = _targets(target, rule.name)
    if [_comparable_target(t) for t in targets] != [_comparable_target(rule.target_spec(target))]:
        found.append("target")
    return found


def _comparable_target(spec: dict[str, Any]) -> tuple[Any, ...]:
    transformer = spec.get("InputTransformer") or {}
    return (
        spec.get("Id"),
        spec.get("Arn"),
        json.dumps(transformer.get("InputPathsMap") or {}, sort_keys=True),
        transformer.get("InputTemplate"),
        spec.get("Input"),
        spec.get("InputPath"),
    )


def _create(target: Target, rule: WantedRule) -> Any:
    def apply(outputs: Outputs) -> None:
        client = target.aws.client("events")
        client.put_rule(
            Name=rule.name,
            ScheduleExpression=rule.expression,
            State=rule.state,
            Description=rule.description,
            Tags=[{"Key": k, "Value": v} for k, v in sorted(rule.tags(target).items())],
        )
        put_targets(client, rule.name, [rule.target_spec(target)])

    return apply


def put_targets(client: Any, rule: str, targets: list[dict[str, Any]]) -> None:
    """``PutTargets`` answers 200 even when an entry failed; the failure is only in
    ``FailedEntries``, so an unchecked call would leave the rule firing at nothing."""
    _all_entries_done(
        lambda pending: client.put_targets(Rule=rule, Targets=pending),
        targets,
        lambda t: str(t["Id"]),
        f"eventbridge rule {rule}: cannot set target",
    )


def remove_targets(client: Any, rule: str, ids: list[str]) -> None:
    """``RemoveTargets`` fails per entry in the same way; a target left behind keeps
    invoking the function and makes ``DeleteRule`` fail."""
    _all_entries_done(
        lambda pending: client.remove_targets(Rule=rule, Ids=pending),
        ids,
        str,
        f"eventbridge rule {rule}: cannot remove target",
    )


_TRANSIENT_ENTRY_ERRORS = ("ConcurrentModificationException", "InternalException", "ThrottlingException")
ENTRY_RETRY_DELAYS: tuple[float, ...] = (1, 2, 4)


def _all_entries_done(call: Any, entries: list[Any], key: Any, what: str) -> None:
    """Resend the entries that failed for a passing reason; any other failure (or one
    that outlasts the retries) is an error naming the entry and EventBridge's reason."""
    from lw.providers.aws import waits

    pending = list(entries)
    for delay in (*ENTRY_RETRY_DELAYS, None):
        response = call(pending)
        failed = {str(f.get("TargetId")): f for f in response.get("FailedEntries") or []}
        if not response.get("FailedEntryCount") and not failed:
            return
        transient = all(f.get("ErrorCode") in _TRANSIENT_ENTRY_ERRORS for f in failed.values())
        if delay is None or not transient or not failed:
            first_id, first = next(iter(failed.items()), ("?", cast("dict[str, Any]", {})))
            raise ProviderError(
                f"{what} {first_id}: {first.get('ErrorCode') or 'failed'}: "
                f"{first.get('ErrorMessage') or 'no reason given'}"
            )
        pending = [e for e in pending if key(e) in failed]
        waits.pause(delay)


def _update(target: Target, rule: WantedRule, current: dict[str, Any]) -> Any:
    """Only the calls the difference needs; the target is rewritten last so a
    half-applied update still points at the alias."""

    def apply(outputs: Outputs) -> None:
        client = target.aws.client("events")
        arn = str(current["Arn"])
        if (current.get("ScheduleExpression"), current.get("State"), current.get("Description") or "") != (
            rule.expression,
            rule.state,
            rule.description,
        ):
            client.put_rule(
                Name=rule.name, ScheduleExpression=rule.expression, State=rule.state, Description=rule.description
            )
        wanted_tags, current_tags = rule.tags(target), dict(current.get("Tags") or {})
        if wanted_tags != current_tags:
            stale = sorted(set(current_tags) - set(wanted_tags))
            if stale:
                client.untag_resource(ResourceARN=arn, TagKeys=stale)
            client.tag_resource(ResourceARN=arn, Tags=[{"Key": k, "Value": v} for k, v in sorted(wanted_tags.items())])
        targets = client.list_targets_by_rule(Rule=rule.name).get("Targets") or []
        if [_comparable_target(t) for t in targets] != [_comparable_target(rule.target_spec(target))]:
            extra = [t["Id"] for t in targets if t["Id"] != TARGET_ID]
            if extra:
                remove_targets(client, rule.name, extra)
            put_targets(client, rule.name, [rule.target_spec(target)])

    return apply


def delete_changes(target: Target, names: list[str]) -> list[Change]:
    return [
        Change(
            "delete",
            f"eventbridge rule {name}",
            "schedule no longer configured",
            _delete(target, name),
            step="delete schedule rule",
        )
        for name in names
    ]


def _delete(target: Target, name: str) -> Any:
    def apply(outputs: Outputs) -> None:
        client = target.aws.client("events")
        ids = [t["Id"] for t in client.list_targets_by_rule(Rule=name).get("Targets") or []]
        if ids:
            remove_targets(client, name, ids)
        client.delete_rule(Name=name)

    return apply


def describe_schedules(target: Target, bindings: list[EventBinding]) -> list[dict[str, Any]]:
    own = read_own_rules(target)
    rows: list[dict[str, Any]] = []
    for rule in wanted_rules(target, bindings):
        current = own.pop(rule.name, None)
        state = str(current.get("State") or "").lower() if current else "missing"
        rows.append(
            _row(rule.binding.name, rule.binding.kind, rule.binding.function, rule.expression, rule.name, state)
        )
    for name, current in sorted(own.items()):
        tags = current.get("Tags") or {}
        rows.append(
            _row(
                tags.get(BINDING_TAG, ""),
                "schedule",
                "",
                str(current.get("ScheduleExpression") or ""),
                name,
                "not configured",
            )
        )
    return rows


def _row(name: str, kind: str, function: str, expression: str, rule: str, state: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "function": function,
        "source": expression,
        "resource": f"rule {rule}",
        "state": state,
    }
