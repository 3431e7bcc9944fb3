"""An Application Load Balancer in front of the ``live`` alias (``alb:``).

What lw makes: a target group of type ``lambda`` named after the stage (with
``lambda.multi_value_headers.enabled`` as configured), the alias registered as its one
target, the resource-policy statement that lets ``elasticloadbalancing.amazonaws.com``
invoke the alias from that target group only, and either its own load balancer with
one listener, or one rule on a listener the user already has (``listener_arn``).

Nothing is recorded locally: the target group and load balancer are found by name and
checked against lw's tags; a rule is lw's when it forwards to lw's target group and
carries the stage's tags (a user's own rule for lw's target group is never changed). So a user's own load balancer and listener are never touched beyond
that one rule, and ``lw undeploy`` from a clean checkout removes everything else.

AWS refuses ``RegisterTargets`` for a Lambda target until the function's policy lets
Elastic Load Balancing invoke it from that target group, hence the order of the
changes: target group, permission, target, then the listener or rule that sends
traffic. The permission takes a moment to be seen, so the registration waits it out.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.core.errors import ProviderError
from lw.core.plan import Change, Outputs
from lw.providers.aws import alb_listeners as doors
from lw.providers.aws import alb_reads as reads
from lw.providers.aws import names
from lw.providers.aws.alb_config import AlbConfig, read_config
from lw.providers.aws.backoff import LAMBDA_PERMISSION_DELAYS
from lw.providers.aws.errors import aws_call, aws_message, error_code
from lw.providers.aws.permissions import grant_change, revoke_change
from lw.providers.aws.propagation import reporter_progress
from lw.providers.aws.session import AwsSession
from lw.providers.aws.waits import retry_while

PRINCIPAL = "elasticloadbalancing.amazonaws.com"
MULTI_VALUE_ATTRIBUTE = "lambda.multi_value_headers.enabled"
# A listener or rule deleted just before may still hold the target group for a moment.
DELETE_DELAYS: tuple[float, ...] = (1, 2, 4, 8, 15)


def plan(ctx: Context, aws: AwsSession, function: str, statements: dict[str, dict[str, Any]]) -> list[Change]:
    """Everything ``alb:`` asks for; removes what an earlier shape of it made."""
    config = read_config(ctx)
    assert config is not None  # routes calls this only for a stage with alb:
    group = reads.find_target_group(ctx, aws, strict=True)
    group_arn = str(group["TargetGroupArn"]) if group else None
    changes = _target_group_changes(ctx, aws, config, group)
    changes.append(
        grant_change(
            aws,
            function,
            names.SID_ALB,
            statements,
            principal=PRINCIPAL,
            source_arn=group_arn,
            source_pending=group_arn is None,
            extra={"SourceAccount": aws.account_id},  # with SourceArn, as AWS recommends (confused deputy)
            what="the load balancer's target group",
        )
    )
    changes += _target_changes(ctx, aws, group, names.alias_arn(aws, function))
    uses = reads.uses(aws, group, ctx.app) if group else []
    if config.own_balancer:
        balancer = reads.find_balancer(ctx, aws, strict=True)
        changes += doors.balancer_changes(ctx, aws, config, balancer, group_arn, uses)
    else:
        balancer = reads.find_balancer(ctx, aws, strict=False)
        if balancer is not None:  # the stage had its own load balancer before
            changes += doors.balancer_removal(aws, balancer, "alb now adds a rule to listener_arn")
        changes += doors.rule_changes(ctx, aws, config, group_arn, uses, balancer)
    return changes


def _target_group_changes(
    ctx: Context, aws: AwsSession, config: AlbConfig, group: dict[str, Any] | None
) -> list[Change]:
    elb = reads.client(aws)
    name = names.alb_name(ctx.app)
    value = "true" if config.multi_value_headers else "false"
    attribute = [{"Key": MULTI_VALUE_ATTRIBUTE, "Value": value}]
    resource = f"target group {name}"
    if group is None:

        def create(outputs: Outputs) -> None:
            made = elb.create_target_group(Name=name, TargetType="lambda", Tags=names.tag_list(ctx.app))
            arn = made["TargetGroups"][0]["TargetGroupArn"]
            outputs[reads.OUT_TARGET_GROUP] = arn  # also what the permission is scoped to
            elb.modify_target_group_attributes(TargetGroupArn=arn, Attributes=attribute)

        return [
            Change("create", resource, f"type lambda, multi-value headers {value}", create, step="create target group")
        ]
    arn = str(group["TargetGroupArn"])
    if group.get("TargetType") != "lambda":
        raise ProviderError(f"{resource} has target type {group.get('TargetType')}, not lambda; delete it")
    current = aws_call(
        "read", resource, lambda: elb.describe_target_group_attributes(TargetGroupArn=arn).get("Attributes") or []
    )
    now = next((a.get("Value") for a in current if a.get("Key") == MULTI_VALUE_ATTRIBUTE), "false")
    if now == value:
        return [Change("noop", resource, f"multi-value headers {value}")]
    return [
        Change(
            "update",
            resource,
            f"multi-value headers {now} -> {value}",
            lambda o: elb.modify_target_group_attributes(TargetGroupArn=arn, Attributes=attribute),
            step="update target group",
        )
    ]


def _register_refused(exc: BaseException) -> str | None:
    """AWS's answer while the new Lambda permission is not visible to it yet."""
    if error_code(exc) == "AccessDenied" and "permission to invoke" in aws_message(exc):
        return "the new Lambda permission to reach Elastic Load Balancing"
    return None


def _target_changes(ctx: Context, aws: AwsSession, group: dict[str, Any] | None, alias_arn: str) -> list[Change]:
    elb = reads.client(aws)
    resource = f"target {alias_arn}"
    stale: list[str] = []
    if group is not None:
        arn = str(group["TargetGroupArn"])
        health = aws_call("read", f"targets of {arn}", lambda: elb.describe_target_health(TargetGroupArn=arn)).get(
            "TargetHealthDescriptions"
        )
        registered = [str(t["Target"]["Id"]) for t in health or []]
        if registered == [alias_arn]:
            return [Change("noop", resource, "registered")]
        stale = [t for t in registered if t != alias_arn]
    group_arn = str(group["TargetGroupArn"]) if group else None
    progress = reporter_progress(ctx)

    def register(outputs: Outputs) -> None:
        arn = reads.target_group_arn(group_arn, outputs)
        if stale:  # a Lambda target group holds one function
            elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": t} for t in stale])
        retry_while(
            lambda: elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": alias_arn}]),
            _register_refused,
            delays=LAMBDA_PERMISSION_DELAYS,
            progress=progress,
            what="register the alias with the target group",
        )

    reason = f"replacing {', '.join(stale)}" if stale else "the live alias answers the load balancer"
    return [Change("create", resource, reason, register, step="register target")]


def _still_in_use(exc: BaseException) -> str | None:
    return "the listener or rule deleted just before to let go" if error_code(exc) == "ResourceInUse" else None


def removal(
    ctx: Context, aws: AwsSession, function: str, statements: dict[str, dict[str, Any]], *, reason: str
) -> list[Change]:
    """Everything lw made for ``alb:``; a user's load balancer keeps all but lw's rule."""
    elb = reads.client(aws)
    group = reads.find_target_group(ctx, aws, strict=False)
    balancer = reads.find_balancer(ctx, aws, strict=False)
    own_arn = str(balancer["LoadBalancerArn"]) if balancer else None
    changes: list[Change] = []
    if group is not None:
        for use in reads.uses(aws, group, ctx.app):
            if use.balancer_arn == own_arn:
                continue  # goes with lw's balancer
            if use.owned and use.rule is not None:
                changes.append(doors.rule_removal(aws, use.rule, reason))
            elif use.rule is not None:
                raise ProviderError(
                    f"listener rule {use.rule['RuleArn']} (not lw's) forwards to target group "
                    f"{group['TargetGroupName']}; remove it or point it elsewhere first"
                )
            else:
                raise ProviderError(
                    f"listener {use.listener['ListenerArn']} (not lw's) forwards to target group "
                    f"{group['TargetGroupName']} by default; point it elsewhere first"
                )
    if balancer is not None:
        changes += doors.balancer_removal(aws, balancer, reason)
    if group is not None:
        arn = str(group["TargetGroupArn"])
        progress = reporter_progress(ctx)
        changes.append(
            Change(
                "delete",
                f"target group {group['TargetGroupName']}",
                reason,
                lambda o: retry_while(
                    lambda: elb.delete_target_group(TargetGroupArn=arn),
                    _still_in_use,
                    delays=DELETE_DELAYS,
                    progress=progress,
                    what="delete the target group",
                ),
                step="delete target group",
            )
        )
    changes += revoke_change(aws, function, names.SID_ALB, statements, "the load balancer")
    return changes


def describe(ctx: Context, aws: AwsSession) -> dict[str, Any]:
    """``alb_dns_name`` and ``alb_url`` of the stage's front door, when it has one."""
    group = reads.find_target_group(ctx, aws, strict=False)
    if group is None:
        return {}
    balancer = reads.find_balancer(ctx, aws, strict=False)
    uses = reads.uses(aws, group, ctx.app)
    use = next((u for u in uses if balancer and u.balancer_arn == balancer["LoadBalancerArn"]), None)
    use = use or next(iter(uses), None)
    if use is None:
        return {"alb_target_group": group["TargetGroupArn"]}
    url = reads.listener_url(aws, use.listener)
    dns = url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0] if url else None
    return {"alb_dns_name": dns, "alb_url": url, "alb_target_group": group["TargetGroupArn"]}
