"""``lw undeploy``: remove everything lw created for the stage, found by name and tag.

Front doors and event sources go first (so nothing calls a function that is being
deleted), then the function with its versions and alias, its role when lw made it,
its logs unless ``--keep-logs``, and uploaded packages. Resources lw did not make
(a role given by ``role_arn``, a bucket not tagged for this stage, a same-named function
without lw's tags together with everything hanging off it) are left alone.
"""

from __future__ import annotations

from lw.core.context import Context
from lw.core.plan import Change
from lw.providers.aws import (
    access,
    alb,
    domain,
    ecr,
    events_bridge,
    footprint,
    http_rest,
    http_v2,
    iam,
    layer,
    names,
    tasks,
    vpc_release,
)
from lw.providers.aws.code_upload import delete_artifacts_changes
from lw.providers.aws.errors import aws_call
from lw.providers.aws.function import delete_function_change, foreign_message, ownership
from lw.providers.aws.session import AwsSession


def plan_undeploy(ctx: Context, aws: AwsSession, keep_logs: bool) -> list[Change]:
    return [*plan_regional_undeploy(ctx, aws, keep_logs), *iam.delete_role_changes(ctx, aws)]


def plan_regional_undeploy(ctx: Context, aws: AwsSession, keep_logs: bool) -> list[Change]:
    """Everything in ``aws``'s region: all but the role, which is global (IAM)."""
    function = names.function_name(ctx.app)
    if ownership(ctx, aws, function) == "foreign":
        # Its event bindings, layer, logs and packages belong with it: leave them all.
        ctx.reporter.warn(
            f"{foreign_message(ctx.app, function)}; leaving it, its event sources, "
            "layer, log group and packages in place"
        )
        return _front_door_changes(ctx, aws, function)
    changes: list[Change] = []
    changes += events_bridge.plan_events_removal(ctx, aws, function)
    if ctx.app.setting("async_resources", True):
        changes += tasks.plan_tasks_removal(ctx, aws)
    # Deleting the function drops its resource policy and URL config with it, so
    # only the APIs themselves need deleting here.
    changes += _front_door_changes(ctx, aws, function)
    release = vpc_release.wait_change(ctx, aws, function)  # read before the function goes
    changes += delete_function_change(aws, function)
    changes += release  # after the function, before the role (which runs last)
    changes += layer.removal(ctx, aws)
    if not keep_logs:
        changes += _log_group_changes(aws, function)
    changes += delete_artifacts_changes(ctx, aws)
    changes += ecr.removal(ctx, aws)
    return changes


def _front_door_changes(ctx: Context, aws: AwsSession, function: str) -> list[Change]:
    """APIs and domains: each is checked against lw's tags on its own, in the API
    Gateway APIs the function's tag says the stage used (see ``footprint``)."""
    used = footprint.used(ctx, aws, undeploying=True)
    changes: list[Change] = []
    changes += domain.removal_changes(ctx, aws, used)  # unmap before the API goes
    if footprint.V1 in used:
        changes += access.removal(ctx, aws)  # usage plan lets go of the API before it goes
        changes += http_rest.removal(ctx, aws, function, {}, reason="made by lw for this stage")
    else:
        changes += access.remove_external_permission(ctx, aws)
    if footprint.V2 in used:
        changes += http_v2.removal(ctx, aws, function, {}, reason="made by lw for this stage")
    if footprint.ALB in used:
        changes += alb.removal(ctx, aws, function, {}, reason="made by lw for this stage")
    return changes


def _log_group_changes(aws: AwsSession, function: str) -> list[Change]:
    logs = aws.client("logs")
    group = names.log_group(function)
    found = aws_call("list", "log groups", lambda: logs.describe_log_groups(logGroupNamePrefix=group))
    if not any(g["logGroupName"] == group for g in found.get("logGroups") or []):
        return []
    return [
        Change(
            "delete",
            f"log group {group}",
            "--keep-logs not given",
            lambda o: logs.delete_log_group(logGroupName=group),
            phase="cleanup",
            step="delete log group",
        )
    ]
