"""Reading what lw's ``alb:`` front door has on AWS, with no state of its own.

The target group and load balancer are found by name and checked against lw's tags; a
listener or rule is one of lw's uses of the target group when it forwards to it, found
from the load balancers the target group says it is attached to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from lw.core.context import Context
from lw.core.errors import ProviderError
from lw.core.plan import Outputs
from lw.providers.aws import names
from lw.providers.aws.errors import aws_call, read_or_none
from lw.providers.aws.session import AwsSession

SERVICE = "elbv2"
TAGS_PER_CALL = 20  # DescribeTags takes at most 20 ARNs
# A new target group's ARN, for the changes after it: the output the Lambda permission
# is scoped by (``permissions.grant_change``) holds it already.
OUT_TARGET_GROUP = f"source_arn:{names.SID_ALB}"


@dataclass(frozen=True)
class Use:
    """A listener (default action) or rule that forwards to the target group."""

    listener: dict[str, Any]
    rule: dict[str, Any] | None  # None: the listener's default action
    owned: bool = False  # a rule carrying this stage's lw tags (lw made it)

    @property
    def balancer_arn(self) -> str:
        return str(self.listener["LoadBalancerArn"])


def client(aws: AwsSession) -> Any:
    return aws.client(SERVICE)


def tags(aws: AwsSession, arns: list[str]) -> dict[str, dict[str, str]]:
    elb = client(aws)
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(arns), TAGS_PER_CALL):
        chunk = arns[start : start + TAGS_PER_CALL]
        answer = aws_call("read", "load balancer tags", lambda: elb.describe_tags(ResourceArns=chunk))
        for item in answer.get("TagDescriptions") or []:
            found[item["ResourceArn"]] = {t["Key"]: t.get("Value", "") for t in item.get("Tags") or []}
    return found


def _find(ctx: Context, aws: AwsSession, kind: str, strict: bool) -> dict[str, Any] | None:
    """The stage's ``TargetGroup`` or ``LoadBalancer`` (``kind``), found by name, when
    lw made it for this stage. A same-named one without lw's tags is someone else's: a
    deploy stops (it cannot make its own under that name), an undeploy leaves it alone."""
    name = names.alb_name(ctx.app)
    what = f"{'target group' if kind == 'TargetGroup' else 'load balancer'} {name}"
    describe = getattr(client(aws), f"describe_{'target_groups' if kind == 'TargetGroup' else 'load_balancers'}")
    found = read_or_none(what, lambda: describe(Names=[name]))
    items = (found or {}).get(f"{kind}s") or []
    if not items:
        return None
    arn = str(items[0][f"{kind}Arn"])
    if names.owns(tags(aws, [arn]).get(arn), ctx.app):
        return dict(items[0])
    message = f"{what} already exists without lw's tags for stage '{ctx.app.stage}'"
    if strict:
        raise ProviderError(f"{message}; delete or rename it, or use another project_name")
    ctx.reporter.warn(f"{message}; leaving it in place")
    return None


def find_target_group(ctx: Context, aws: AwsSession, *, strict: bool) -> dict[str, Any] | None:
    return _find(ctx, aws, "TargetGroup", strict)


def find_balancer(ctx: Context, aws: AwsSession, *, strict: bool) -> dict[str, Any] | None:
    return _find(ctx, aws, "LoadBalancer", strict)


def listeners(aws: AwsSession, balancer_arn: str) -> list[dict[str, Any]]:
    elb = client(aws)
    found = read_or_none(
        f"listeners of {balancer_arn}",
        lambda: [
            listener
            for page in elb.get_paginator("describe_listeners").paginate(LoadBalancerArn=balancer_arn)
            for listener in page.get("Listeners") or []
        ],
    )
    return found or []


def rules(aws: AwsSession, listener_arn: str) -> list[dict[str, Any]]:
    elb = client(aws)
    found = read_or_none(f"rules of {listener_arn}", lambda: elb.describe_rules(ListenerArn=listener_arn))
    return list((found or {}).get("Rules") or [])


def forwards_to(actions: Iterable[dict[str, Any]] | None, group_arn: str) -> bool:
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        if action.get("TargetGroupArn") == group_arn:
            return True
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
        if any(g.get("TargetGroupArn") == group_arn for g in groups):
            return True
    return False


def uses(aws: AwsSession, group: dict[str, Any], app: Any) -> list[Use]:
    """Every listener and rule forwarding to ``group``, found from the load balancers
    the target group says it is attached to (no state needed). A rule is lw's
    (``owned``) only when it carries this stage's tags: forwarding to lw's target group
    is not enough, since a user may add a rule of their own (a weighted canary) for it."""
    arn = str(group["TargetGroupArn"])
    found: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for balancer_arn in dict.fromkeys(group.get("LoadBalancerArns") or []):
        for listener in listeners(aws, balancer_arn):
            if forwards_to(listener.get("DefaultActions"), arn):
                found.append((listener, None))
            for rule in rules(aws, str(listener["ListenerArn"])):
                if not rule.get("IsDefault") and forwards_to(rule.get("Actions"), arn):
                    found.append((listener, rule))
    rule_tags = tags(aws, [str(rule["RuleArn"]) for _, rule in found if rule is not None])
    return [
        Use(listener, rule, rule is not None and names.owns(rule_tags.get(str(rule["RuleArn"])), app))
        for listener, rule in found
    ]


def url_of(protocol: str, dns_name: str, port: int) -> str:
    default = 443 if protocol == "HTTPS" else 80
    return f"{protocol.lower()}://{dns_name}{'' if int(port) == default else f':{port}'}/"


def listener_url(aws: AwsSession, listener: dict[str, Any]) -> str | None:
    elb = client(aws)
    arn = str(listener["LoadBalancerArn"])
    found = read_or_none(f"load balancer {arn}", lambda: elb.describe_load_balancers(LoadBalancerArns=[arn]))
    balancers = (found or {}).get("LoadBalancers") or []
    if not balancers:
        return None
    return url_of(str(listener.get("Protocol") or "HTTP"), str(balancers[0]["DNSName"]), int(listener["Port"]))


def priorities(rules: list[dict[str, Any]]) -> list[int]:
    return [int(r["Priority"]) for r in rules if str(r.get("Priority", "")).isdigit()]


def next_priority(rules: list[dict[str, Any]]) -> int:
    """After the listener's own rules: lw's catch-all never shadows them."""
    return max(priorities(rules), default=0) + 1


def target_group_arn(known: str | None, outputs: Outputs) -> str:
    """``known``, or the ARN of the target group an earlier change of this plan made."""
    return known or str(outputs[OUT_TARGET_GROUP])
