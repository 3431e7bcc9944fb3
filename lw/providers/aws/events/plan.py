"""Planning every event binding of a stage, its removal, and its description.

The order of the returned changes is the order they are applied in: invoke
permissions first (S3 refuses a notification the function cannot receive), then each
source, then the permissions of sources that were unwired. Every change targets the
``live`` alias. Changes to sources already wired are in the ``build`` phase; a *new*
source is wired in the ``release`` phase, after the alias moved: wired earlier, it
would first deliver to the version still serving, whose code does not know the new
binding, and stay pointed at it if the release then failed.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.core.model import EventBinding
from lw.core.plan import Change
from lw.providers.aws.events import mappings, s3, schedules, sns
from lw.providers.aws.events.arns import parse_source
from lw.providers.aws.events.bindings import MAPPING_KINDS, SCHEDULE_KINDS, aws_bindings, is_enabled, source_arn
from lw.providers.aws.events.permissions import PRINCIPALS, Grant, plan_grants, read_grants
from lw.providers.aws.events.queues import check_visibility_timeouts
from lw.providers.aws.events.target import Target, alias_arn_for
from lw.providers.aws.events.validation import binding_problems, validate_bindings
from lw.providers.aws.session import AwsSession

# S3 notifications and SNS subscriptions have no "disabled" state: a disabled entry is
# simply not wired (mappings and rules are kept, disabled).
PUSH_KINDS = frozenset({"s3", "sns"})


def plan_events(ctx: Context, aws: AwsSession, function_name: str, alias_arn: str) -> list[Change]:
    """Changes that make the remote bindings match ``lw.yml`` (noops when they do).

    Validation runs first and makes no call, so an invalid entry never leaves the
    stage half-wired.
    """
    bindings = aws_bindings(ctx.app)
    validate_bindings(ctx.app, bindings, aws.region)
    target = Target(ctx.app, aws, function_name, alias_arn, ctx.reporter.progress)
    by_kind = _by_kind([b for b in bindings if is_enabled(b) or b.kind not in PUSH_KINDS])
    check_visibility_timeouts(ctx, aws, by_kind["mapping"])
    current_grants = read_grants(target)

    rules = schedules.wanted_rules(target, by_kind["schedule"])
    wanted_grants: list[Grant] = [s3.grant_for(target, b) for b in by_kind["s3"]]
    wanted_grants += [sns.grant_for(b) for b in by_kind["sns"]]
    wanted_grants += schedules.grants_for(target, rules)
    grant_adds, grant_drops = plan_grants(target, wanted_grants, current_grants)

    changes = list(grant_adds)
    changes += s3.plan_s3(target, by_kind["s3"], current_grants)
    changes += sns.plan_sns(target, by_kind["sns"], _topics_in(current_grants))
    changes += mappings.plan_mappings(target, by_kind["mapping"])
    changes += schedules.plan_schedules(target, by_kind["schedule"])
    changes += grant_drops
    return _new_sources_after_release(changes)


# The steps that wire a source for the first time (S3 marks its bucket write itself,
# since one write may add entries and change others).
NEW_SOURCE_STEPS = frozenset({"subscribe", "create event source mapping", "create schedule rule"})


def _new_sources_after_release(changes: list[Change]) -> list[Change]:
    for change in changes:
        if change.action == "create" and change.step in NEW_SOURCE_STEPS:
            change.phase = "release"
    return changes


def plan_events_removal(ctx: Context, aws: AwsSession, function_name: str) -> list[Change]:
    """Unwire everything lw wired for the stage, found from remote state alone.

    Sources are found by the alias's policy, by listing (mappings, subscriptions of
    the alias, rules by prefix and tags) and by ``lw.yml``; the invoke permissions go
    with the function, which the caller deletes afterwards.
    """
    target = Target(ctx.app, aws, function_name, alias_arn_for(aws, function_name), ctx.reporter.progress)
    grants = read_grants(target)
    configured_buckets = [b for b in aws_bindings(ctx.app) if b.kind == "s3" and _valid_s3(b)]
    changes: list[Change] = []
    for change in s3.plan_s3(target, [], {**grants, **_grants_for_buckets(target, configured_buckets)}):
        if change.mutating:
            changes.append(change)
    changes += sns.unsubscribe_changes(target, sns.read_all_subscriptions(target))
    changes += mappings.delete_changes(target, mappings.read_mappings(target))
    changes += schedules.delete_changes(target, sorted(schedules.read_own_rules(target)))
    return changes


def describe_events(ctx: Context, aws: AwsSession, function_name: str) -> list[dict[str, Any]]:
    """Each binding with its kind, source and state (``enabled``, ``disabled``,
    ``missing`` when configured but not wired, ``not configured`` for leftovers)."""
    bindings = [b for b in aws_bindings(ctx.app) if _describable(b, aws.region)]
    target = Target(ctx.app, aws, function_name, alias_arn_for(aws, function_name), ctx.reporter.progress)
    unwired = [b for b in bindings if b.kind in PUSH_KINDS and not is_enabled(b)]
    by_kind = _by_kind([b for b in bindings if b not in unwired])
    grants = read_grants(target)
    rows = [_disabled_row(b) for b in unwired]
    rows += s3.describe_s3(target, by_kind["s3"], grants)
    rows += sns.describe_sns(target, by_kind["sns"], _topics_in(grants))
    rows += mappings.describe_mappings(target, by_kind["mapping"])
    rows += schedules.describe_schedules(target, by_kind["schedule"])
    return rows


def _disabled_row(binding: EventBinding) -> dict[str, Any]:
    return {
        "name": binding.name,
        "kind": binding.kind,
        "function": binding.function,
        "source": source_arn(binding),
        "resource": "",
        "state": "disabled",
    }


def _by_kind(bindings: list[EventBinding]) -> dict[str, list[EventBinding]]:
    groups: dict[str, list[EventBinding]] = {"s3": [], "sns": [], "mapping": [], "schedule": []}
    for binding in bindings:
        if binding.kind in MAPPING_KINDS:
            groups["mapping"].append(binding)
        elif binding.kind in SCHEDULE_KINDS:
            groups["schedule"].append(binding)
        elif binding.kind in groups:
            groups[binding.kind].append(binding)
    return groups


def _topics_in(grants: dict[str, Grant]) -> list[str]:
    return sorted({g.source_arn for g in grants.values() if g.principal == PRINCIPALS["sns"]})


def _valid_s3(binding: EventBinding) -> bool:
    return parse_source("s3", source_arn(binding)) is not None


def _grants_for_buckets(target: Target, bindings: list[EventBinding]) -> dict[str, Grant]:
    """Buckets named in ``lw.yml`` are searched even if the policy no longer lists
    them (the function may already be gone after an interrupted undeploy)."""
    return {f"configured-{b.name}": s3.grant_for(target, b) for b in bindings}


def _describable(binding: EventBinding, region: str) -> bool:
    """Status shows what it can: an invalid entry is skipped rather than failing."""
    return not binding_problems(binding, region)
