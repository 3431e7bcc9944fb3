"""An Application Load Balancer in front of the ``live`` alias (``alb:``).

What lw makes: a target group of type ``lambda`` named after the stage (with
``lambda.multi_value_headers.enabled`` as configured), the alias registered as its one
target, the resource-policy statement that lets ``elasticloadbalancing.amazonaws.com``
invoke the alias from that target group only, and either its own load balancer with
one listener, or one rule on a listener the user already has (``listener_arn``).

Nothing is recorded locally: the target group and load balancer are found by name and
checked against lw's tags; a rule is lw's when it forwards to lw's target group (and it
is tagged too). So a user's own load balancer and listener are never touched beyond
that one rule, and ``lw undeploy`` from a clean checkout removes everything else.

AWS refuses ``RegisterTargets`` for a Lambda target until the function's policy lets
Elastic Load Balancing invoke it from that target group, hence the order of the
changes: target group, permission, target, then the listener or rule that sends
traffic. The permission takes a moment to be seen, so the registration waits it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from lw.core.context import Context
from lw.core.errors import ProviderError
from lw.core.plan import Change, Outputs
from lw.providers.aws import names
from lw.providers.aws.alb_config import AlbConfig, read_config
from lw.providers.aws.backoff import retrying
from lw.providers.aws.errors import aws_call, aws_message, error_code, read_or_none
from lw.providers.aws.outputs import add_url
from lw.providers.aws.permissions import grant_change, revoke_change
from lw.providers.aws.propagation import reporter_progress
from lw.providers.aws.session import AwsSession

SERVICE = "elbv2"
PRINCIPAL = "elasticloadbalancing.amazonaws.com"
MULTI_VALUE_ATTRIBUTE = "lambda.multi_value_headers.enabled"
OUT_TARGET_GROUP = "alb:target_group_arn"
OUT_BALANCER = "alb:load_balancer_arn"
TAGS_PER_CALL = 20  # DescribeTags takes at most 20 ARNs
# The permission written just before is usually visible within seconds.
REGISTER_DELAYS: tuple[float, ...] = (1, 2, 4, 8, 15, 30)
# A listener or rule deleted just before may still hold the target group for a moment.
DELETE_DELAYS: tuple[float, ...] = (1, 2, 4, 8, 15)


@dataclass(frozen=True)
class Use:
    """A listener (default action) or rule that forwards to the target group."""

    listener: dict[str, Any]
    rule: dict[str, Any] | None  # None: the listener's default action

    @property
    def balancer_arn(self) -> str:
        return str(self.listener["LoadBalancerArn"])


# ---------------------------------------------------------------------------- reads


def _client(aws: AwsSession) -> Any:
    return aws.client(SERVICE)


def _tags(aws: AwsSession, arns: list[str]) -> dict[str, dict[str, str]]:
    elb = _client(aws)
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
    describe = getattr(_client(aws), f"describe_{'target_groups' if kind == 'TargetGroup' else 'load_balancers'}")
    found = read_or_none(what, lambda: describe(Names=[name]))
    items = (found or {}).get(f"{kind}s") or []
    if not items:
        return None
    arn = str(items[0][f"{kind}Arn"])
    if names.owns(_tags(aws, [arn]).get(arn), ctx.app):
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


def _listeners(aws: AwsSession, balancer_arn: str) -> list[dict[str, Any]]:
    elb = _client(aws)
    found = read_or_none(
        f"listeners of {balancer_arn}",
        lambda: [
            listener
            for page in elb.get_paginator("describe_listeners").paginate(LoadBalancerArn=balancer_arn)
            for listener in page.get("Listeners") or []
        ],
    )
    return found or []


def _rules(aws: AwsSession, listener_arn: str) -> list[dict[str, Any]]:
    elb = _client(aws)
    found = read_or_none(f"rules of {listener_arn}", lambda: elb.describe_rules(ListenerArn=listener_arn))
    return list((found or {}).get("Rules") or [])


def _forwards_to(actions: Iterable[dict[str, Any]] | None, group_arn: str) -> bool:
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        if action.get("TargetGroupArn") == group_arn:
            return True
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
        if any(g.get("TargetGroupArn") == group_arn for g in groups):
            return True
    return False


def _uses(aws: AwsSession, group: dict[str, Any]) -> list[Use]:
    """Every listener and rule forwarding to ``group``, found from the load balancers
    the target group says it is attached to (no state needed)."""
    arn = str(group["TargetGroupArn"])
    uses: list[Use] = []
    for balancer_arn in dict.fromkeys(group.get("LoadBalancerArns") or []):
        for listener in _listeners(aws, balancer_arn):
            if _forwards_to(listener.get("DefaultActions"), arn):
                uses.append(Use(listener, None))
            for rule in _rules(aws, str(listener["ListenerArn"])):
                if not rule.get("IsDefault") and _forwards_to(rule.get("Actions"), arn):
                    uses.append(Use(listener, rule))
    return uses


def url_of(protocol: str, dns_name: str, port: int) -> str:
    default = 443 if protocol == "HTTPS" else 80
    return f"{protocol.lower()}://{dns_name}{'' if int(port) == default else f':{port}'}/"


# ---------------------------------------------------------------------------- deploy


def plan(ctx: Context, aws: AwsSession, function: str, statements: dict[str, dict[str, Any]]) -> list[Change]:
    """Everything ``alb:`` asks for; removes what an earlier shape of it made."""
    config = read_config(ctx)
    assert config is not None  # routes calls this only for a stage with alb:
    group = find_target_group(ctx, aws, strict=True)
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
    uses = _uses(aws, group) if group else []
    if config.own_balancer:
        balancer = find_balancer(ctx, aws, strict=True)
        changes += _balancer_changes(ctx, aws, config, balancer, group_arn, uses)
    else:
        balancer = find_balancer(ctx, aws, strict=False)
        if balancer is not None:  # the stage had its own load balancer before
            changes += _balancer_removal(aws, balancer, "alb now adds a rule to listener_arn")
        changes += _rule_changes(ctx, aws, config, group_arn, uses, balancer)
    return changes


def _group_arn(group_arn: str | None, outputs: Outputs) -> str:
    return group_arn or str(outputs[OUT_TARGET_GROUP])


def _target_group_changes(
    ctx: Context, aws: AwsSession, config: AlbConfig, group: dict[str, Any] | None
) -> list[Change]:
    elb = _client(aws)
    name = names.alb_name(ctx.app)
    value = "true" if config.multi_value_headers else "false"
    attribute = [{"Key": MULTI_VALUE_ATTRIBUTE, "Value": value}]
    resource = f"target group {name}"
    if group is None:

        def create(outputs: Outputs) -> None:
            made = elb.create_target_group(Name=name, TargetType="lambda", Tags=names.tag_list(ctx.app))
            arn = made["TargetGroups"][0]["TargetGroupArn"]
            outputs[OUT_TARGET_GROUP] = arn
            outputs[f"source_arn:{names.SID_ALB}"] = arn  # what the permission is scoped to
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
    elb = _client(aws)
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
        arn = _group_arn(group_arn, outputs)
        if stale:  # a Lambda target group holds one function
            elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": t} for t in stale])
        retrying(
            lambda: elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": alias_arn}]),
            _register_refused,
            REGISTER_DELAYS,
            progress,
            "register the alias with the target group",
        )

    reason = f"replacing {', '.join(stale)}" if stale else "the live alias answers the load balancer"
    return [Change("create", resource, reason, register, step="register target")]


def _forward(arn: str) -> list[dict[str, Any]]:
    return [{"Type": "forward", "TargetGroupArn": arn}]


def _balancer_changes(
    ctx: Context,
    aws: AwsSession,
    config: AlbConfig,
    balancer: dict[str, Any] | None,
    group_arn: str | None,
    uses: list[Use],
) -> list[Change]:
    elb = _client(aws)
    name = names.alb_name(ctx.app)
    scheme = "internal" if config.internal else "internet-facing"
    changes: list[Change] = []
    own_arn = str(balancer["LoadBalancerArn"]) if balancer else None
    # Rules a listener_arn configuration left on someone else's listener go first.
    for use in uses:
        if use.balancer_arn != own_arn and use.rule is not None:
            changes.append(_rule_removal(aws, use.rule, "alb now makes its own load balancer"))
    if balancer is not None and balancer.get("Scheme") != scheme:
        # The scheme of a load balancer is fixed: a new one (with a new DNS name) it is.
        changes += _balancer_removal(aws, balancer, f"scheme {balancer.get('Scheme')} -> {scheme}")
        balancer = None
    if balancer is None:

        def create(outputs: Outputs) -> None:
            extra: dict[str, Any] = {"SecurityGroups": list(config.security_groups)} if config.security_groups else {}
            made = elb.create_load_balancer(
                Name=name,
                Subnets=list(config.subnets),
                Scheme=scheme,
                Type="application",
                IpAddressType="ipv4",
                Tags=names.tag_list(ctx.app),
                **extra,
            )["LoadBalancers"][0]
            outputs[OUT_BALANCER] = made["LoadBalancerArn"]
            add_url(outputs, url_of(config.protocol, made["DNSName"], config.listener_port))

        changes.append(
            Change(
                "create",
                f"load balancer {name}",
                f"{scheme}, subnets {', '.join(config.subnets)}",
                create,
                step="create load balancer",
            )
        )
        changes.append(_listener_change(ctx, aws, config, None, group_arn))
        return changes
    arn = str(balancer["LoadBalancerArn"])
    url = url_of(config.protocol, str(balancer["DNSName"]), config.listener_port)
    changes.append(Change("noop", f"load balancer {name}", str(balancer["DNSName"]), outputs={"urls": [url]}))
    updates = (
        (
            "subnets",
            sorted(str(z["SubnetId"]) for z in balancer.get("AvailabilityZones") or []),
            config.subnets,
            lambda o: elb.set_subnets(LoadBalancerArn=arn, Subnets=list(config.subnets)),
        ),
        (
            "security groups",
            sorted(balancer.get("SecurityGroups") or []),
            config.security_groups,  # none given: whatever AWS chose stays
            lambda o: elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=list(config.security_groups)),
        ),
    )
    for label, now, wanted_values, apply in updates:
        if wanted_values and now != sorted(wanted_values):
            changes.append(
                Change(
                    "update",
                    f"load balancer {name}",
                    f"{label} {', '.join(now)} -> {', '.join(wanted_values)}",
                    apply,
                    step=f"update load balancer {label}",
                )
            )
    listeners = _listeners(aws, arn)
    wanted = next((li for li in listeners if int(li.get("Port") or 0) == config.listener_port), None)
    for listener in listeners:
        if listener is not wanted:
            changes.append(_listener_removal(aws, listener, f"listener_port is {config.listener_port}"))
    changes.append(_listener_change(ctx, aws, config, wanted, group_arn, balancer_arn=arn))
    return changes


def _listener_settings(config: AlbConfig) -> dict[str, Any]:
    settings: dict[str, Any] = {"Protocol": config.protocol, "Port": config.listener_port}
    if config.certificate_arn:
        settings["Certificates"] = [{"CertificateArn": config.certificate_arn}]
        settings["SslPolicy"] = config.ssl_policy
    return settings


def _listener_differences(config: AlbConfig, listener: dict[str, Any], group_arn: str | None) -> list[str]:
    found: list[str] = []
    if listener.get("Protocol") != config.protocol:
        found.append(f"protocol {listener.get('Protocol')} -> {config.protocol}")
    if config.certificate_arn:
        certificates = [c.get("CertificateArn") for c in listener.get("Certificates") or []]
        if certificates[:1] != [config.certificate_arn]:
            found.append("certificate")
        if listener.get("SslPolicy") != config.ssl_policy:
            found.append(f"ssl policy {listener.get('SslPolicy')} -> {config.ssl_policy}")
    if group_arn is None or not _forwards_to(listener.get("DefaultActions"), group_arn):
        found.append("forward to the target group")
    return found


def _listener_change(
    ctx: Context,
    aws: AwsSession,
    config: AlbConfig,
    listener: dict[str, Any] | None,
    group_arn: str | None,
    *,
    balancer_arn: str | None = None,
) -> Change:
    elb = _client(aws)
    resource = f"listener {config.protocol}:{config.listener_port} of load balancer {names.alb_name(ctx.app)}"
    if listener is None:

        def create(outputs: Outputs) -> None:
            elb.create_listener(
                LoadBalancerArn=balancer_arn or outputs[OUT_BALANCER],
                DefaultActions=_forward(_group_arn(group_arn, outputs)),
                Tags=names.tag_list(ctx.app),
                **_listener_settings(config),
            )

        return Change("create", resource, "forward to the target group", create, step="create listener")
    differences = _listener_differences(config, listener, group_arn)
    if not differences:
        return Change("noop", resource, "forwards to the target group")
    listener_arn = str(listener["ListenerArn"])

    def update(outputs: Outputs) -> None:
        elb.modify_listener(
            ListenerArn=listener_arn,
            DefaultActions=_forward(_group_arn(group_arn, outputs)),
            **_listener_settings(config),
        )

    return Change("update", resource, ", ".join(differences), update, step="update listener")


def _rule_changes(
    ctx: Context,
    aws: AwsSession,
    config: AlbConfig,
    group_arn: str | None,
    uses: list[Use],
    own_balancer: dict[str, Any] | None,
) -> list[Change]:
    elb = _client(aws)
    listener_arn = str(config.listener_arn)
    found = read_or_none(f"listener {listener_arn}", lambda: elb.describe_listeners(ListenerArns=[listener_arn]))
    listeners = (found or {}).get("Listeners") or []
    if not listeners:
        raise ProviderError(f"alb.listener_arn: listener {listener_arn} not found in {aws.region}")
    listener = listeners[0]
    changes: list[Change] = []
    mine = [u.rule for u in uses if u.rule is not None and u.listener["ListenerArn"] == listener_arn]
    own_arn = str(own_balancer["LoadBalancerArn"]) if own_balancer else None
    for use in uses:
        if use.rule is not None and use.listener["ListenerArn"] != listener_arn and use.balancer_arn != own_arn:
            changes.append(_rule_removal(aws, use.rule, "alb.listener_arn changed"))
        elif use.rule is None and use.balancer_arn != own_arn:
            ctx.reporter.warn(
                f"listener {use.listener['ListenerArn']} forwards to lw's target group by default; lw leaves it as is"
            )
    for extra in mine[1:]:
        changes.append(_rule_removal(aws, extra, "a duplicate of lw's rule"))
    rule = mine[0] if mine else None
    wanted_conditions = config.conditions()
    resource = f"rule on listener {listener_arn}"
    if rule is None:
        existing = _rules(aws, listener_arn)
        if config.priority is not None and config.priority in _priorities(existing):
            raise ProviderError(
                f"alb.priority: listener {listener_arn} already has a rule with priority {config.priority}"
            )
        priority = config.priority or _next_priority(existing)

        def create(outputs: Outputs) -> None:
            elb.create_rule(
                ListenerArn=listener_arn,
                Priority=priority,
                Conditions=wanted_conditions,
                Actions=_forward(_group_arn(group_arn, outputs)),
                Tags=names.tag_list(ctx.app),
            )

        changes.append(
            Change(
                "create", resource, f"priority {priority}, {_describe(wanted_conditions)}", create, step="create rule"
            )
        )
    else:
        rule_arn = str(rule["RuleArn"])
        before = len(changes)
        if _normal(rule.get("Conditions")) != _normal(wanted_conditions):
            changes.append(
                Change(
                    "update",
                    resource,
                    _describe(wanted_conditions),
                    lambda o: elb.modify_rule(RuleArn=rule_arn, Conditions=wanted_conditions),
                    step="update rule",
                )
            )
        if config.priority is not None and str(rule.get("Priority")) != str(config.priority):
            changes.append(
                Change(
                    "update",
                    resource,
                    f"priority {rule.get('Priority')} -> {config.priority}",
                    lambda o: elb.set_rule_priorities(
                        RulePriorities=[{"RuleArn": rule_arn, "Priority": config.priority}]
                    ),
                    step="update rule priority",
                )
            )
        if len(changes) == before:
            changes.append(Change("noop", resource, f"priority {rule.get('Priority')}"))
    url = _listener_url(aws, listener)
    if url and changes:
        changes[-1].outputs = {**changes[-1].outputs, "urls": [url]}
    return changes


def _priorities(rules: list[dict[str, Any]]) -> list[int]:
    return [int(r["Priority"]) for r in rules if str(r.get("Priority", "")).isdigit()]


def _next_priority(rules: list[dict[str, Any]]) -> int:
    """After the listener's own rules: lw's catch-all never shadows them."""
    return max(_priorities(rules), default=0) + 1


def rule_priority(ctx: Context, aws: AwsSession, config: AlbConfig) -> int:
    """The priority of lw's rule: configured, the one it has, or the next free one."""
    if config.priority is not None:
        return config.priority
    rules = _rules(aws, str(config.listener_arn))
    group = find_target_group(ctx, aws, strict=False)
    if group is not None:
        for rule in rules:
            if not rule.get("IsDefault") and _forwards_to(rule.get("Actions"), str(group["TargetGroupArn"])):
                return int(rule["Priority"])
    return _next_priority(rules)


def _normal(conditions: Iterable[dict[str, Any]] | None) -> list[tuple[str, tuple[str, ...]]]:
    """Conditions reduced to (field, sorted values), whichever form AWS answered in."""
    found = []
    for condition in conditions or []:
        field = str(condition.get("Field"))
        config = condition.get("PathPatternConfig") or condition.get("HostHeaderConfig") or {}
        values = config.get("Values") or condition.get("Values") or []
        found.append((field, tuple(sorted(values))))
    return sorted(found)


def _describe(conditions: list[dict[str, Any]]) -> str:
    return "; ".join(f"{field} {' '.join(values)}" for field, values in _normal(conditions))


def _listener_url(aws: AwsSession, listener: dict[str, Any]) -> str | None:
    elb = _client(aws)
    arn = str(listener["LoadBalancerArn"])
    found = read_or_none(f"load balancer {arn}", lambda: elb.describe_load_balancers(LoadBalancerArns=[arn]))
    balancers = (found or {}).get("LoadBalancers") or []
    if not balancers:
        return None
    return url_of(str(listener.get("Protocol") or "HTTP"), str(balancers[0]["DNSName"]), int(listener["Port"]))


# ---------------------------------------------------------------------------- removal


def _rule_removal(aws: AwsSession, rule: dict[str, Any], reason: str) -> Change:
    elb = _client(aws)
    arn = str(rule["RuleArn"])
    return Change("delete", f"listener rule {arn}", reason, lambda o: elb.delete_rule(RuleArn=arn), step="delete rule")


def _listener_removal(aws: AwsSession, listener: dict[str, Any], reason: str) -> Change:
    elb = _client(aws)
    arn = str(listener["ListenerArn"])
    return Change(
        "delete",
        f"listener {listener.get('Protocol')}:{listener.get('Port')} ({arn})",
        reason,
        lambda o: elb.delete_listener(ListenerArn=arn),
        step="delete listener",
    )


def _balancer_removal(aws: AwsSession, balancer: dict[str, Any], reason: str) -> list[Change]:
    """lw's own load balancer: its listeners first (so the target group is free at
    once, whatever the balancer's own deletion takes), then the balancer."""
    elb = _client(aws)
    arn = str(balancer["LoadBalancerArn"])
    changes = [_listener_removal(aws, listener, reason) for listener in _listeners(aws, arn)]
    changes.append(
        Change(
            "delete",
            f"load balancer {balancer['LoadBalancerName']}",
            reason,
            lambda o: elb.delete_load_balancer(LoadBalancerArn=arn),
            step="delete load balancer",
        )
    )
    return changes


def _still_in_use(exc: BaseException) -> str | None:
    return "the listener or rule deleted just before to let go" if error_code(exc) == "ResourceInUse" else None


def removal(
    ctx: Context, aws: AwsSession, function: str, statements: dict[str, dict[str, Any]], *, reason: str
) -> list[Change]:
    """Everything lw made for ``alb:``; a user's load balancer keeps all but lw's rule."""
    elb = _client(aws)
    group = find_target_group(ctx, aws, strict=False)
    balancer = find_balancer(ctx, aws, strict=False)
    own_arn = str(balancer["LoadBalancerArn"]) if balancer else None
    changes: list[Change] = []
    if group is not None:
        for use in _uses(aws, group):
            if use.balancer_arn == own_arn:
                continue  # goes with lw's balancer
            if use.rule is not None:
                changes.append(_rule_removal(aws, use.rule, reason))
            else:
                raise ProviderError(
                    f"listener {use.listener['ListenerArn']} (not lw's) forwards to target group "
                    f"{group['TargetGroupName']} by default; point it elsewhere first"
                )
    if balancer is not None:
        changes += _balancer_removal(aws, balancer, reason)
    if group is not None:
        arn = str(group["TargetGroupArn"])
        progress = reporter_progress(ctx)
        changes.append(
            Change(
                "delete",
                f"target group {group['TargetGroupName']}",
                reason,
                lambda o: retrying(
                    lambda: elb.delete_target_group(TargetGroupArn=arn),
                    _still_in_use,
                    DELETE_DELAYS,
                    progress,
                    "delete the target group",
                ),
                step="delete target group",
            )
        )
    changes += revoke_change(aws, function, names.SID_ALB, statements, "the load balancer")
    return changes


# ---------------------------------------------------------------------------- status


def describe(ctx: Context, aws: AwsSession) -> dict[str, Any]:
    """``alb_dns_name`` and ``alb_url`` of the stage's front door, when it has one."""
    group = find_target_group(ctx, aws, strict=False)
    if group is None:
        return {}
    balancer = find_balancer(ctx, aws, strict=False)
    uses = _uses(aws, group)
    use = next((u for u in uses if balancer and u.balancer_arn == balancer["LoadBalancerArn"]), None)
    use = use or next(iter(uses), None)
    if use is None:
        return {"alb_target_group": group["TargetGroupArn"]}
    url = _listener_url(aws, use.listener)
    dns = url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0] if url else None
    return {"alb_dns_name": dns, "alb_url": url, "alb_target_group": group["TargetGroupArn"]}
