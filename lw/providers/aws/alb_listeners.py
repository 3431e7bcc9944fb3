"""What sends traffic to lw's target group: lw's own load balancer and its listener, or
one rule on a listener the user already has (``alb.listener_arn``), and their removal.

A rule is placed after the listener's existing rules unless ``priority`` says
otherwise, so lw's catch-all never shadows them; the user's load balancer, listener and
other rules are never changed.
"""

from __future__ import annotations

from typing import Any, Iterable

from lw.core.context import Context
from lw.core.errors import ProviderError
from lw.core.plan import Change, Outputs
from lw.providers.aws import alb_reads as reads
from lw.providers.aws import names
from lw.providers.aws.alb_config import AlbConfig
from lw.providers.aws.errors import read_or_none
from lw.providers.aws.outputs import add_url
from lw.providers.aws.session import AwsSession

OUT_BALANCER = "alb:load_balancer_arn"


def forward(arn: str) -> list[dict[str, Any]]:
    return [{"Type": "forward", "TargetGroupArn": arn}]


def balancer_changes(
    ctx: Context,
    aws: AwsSession,
    config: AlbConfig,
    balancer: dict[str, Any] | None,
    group_arn: str | None,
    uses: list[reads.Use],
) -> list[Change]:
    elb = reads.client(aws)
    name = names.alb_name(ctx.app)
    scheme = "internal" if config.internal else "internet-facing"
    changes: list[Change] = []
    own_arn = str(balancer["LoadBalancerArn"]) if balancer else None
    # Rules a listener_arn configuration left on someone else's listener go first.
    for use in uses:
        if use.balancer_arn != own_arn and use.rule is not None and use.owned:
            changes.append(rule_removal(aws, use.rule, "alb now makes its own load balancer"))
    if balancer is not None and balancer.get("Scheme") != scheme:
        # The scheme of a load balancer is fixed: a new one (with a new DNS name) it is.
        changes += balancer_removal(aws, balancer, f"scheme {balancer.get('Scheme')} -> {scheme}")
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
            add_url(outputs, reads.url_of(config.protocol, made["DNSName"], config.listener_port))

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
    url = reads.url_of(config.protocol, str(balancer["DNSName"]), config.listener_port)
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
    listeners = reads.listeners(aws, arn)
    wanted = next((li for li in listeners if int(li.get("Port") or 0) == config.listener_port), None)
    listener_tags = reads.tags(aws, [str(li["ListenerArn"]) for li in listeners])
    for listener in listeners:
        owned = names.owns(listener_tags.get(str(listener["ListenerArn"])), ctx.app)
        if listener is wanted and not owned:
            raise ProviderError(
                f"listener {listener['ListenerArn']} on port {config.listener_port} of load balancer {name} "
                "was not made by lw; remove it or choose another alb.listener_port"
            )
        if listener is not wanted and owned:  # one the user added is theirs to keep
            changes.append(listener_removal(aws, listener, f"listener_port is {config.listener_port}"))
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
    if group_arn is None or not reads.forwards_to(listener.get("DefaultActions"), group_arn):
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
    elb = reads.client(aws)
    resource = f"listener {config.protocol}:{config.listener_port} of load balancer {names.alb_name(ctx.app)}"
    if listener is None:

        def create(outputs: Outputs) -> None:
            elb.create_listener(
                LoadBalancerArn=balancer_arn or outputs[OUT_BALANCER],
                DefaultActions=forward(reads.target_group_arn(group_arn, outputs)),
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
            DefaultActions=forward(reads.target_group_arn(group_arn, outputs)),
            **_listener_settings(config),
        )

    return Change("update", resource, ", ".join(differences), update, step="update listener")


def rule_changes(
    ctx: Context,
    aws: AwsSession,
    config: AlbConfig,
    group_arn: str | None,
    uses: list[reads.Use],
    own_balancer: dict[str, Any] | None,
) -> list[Change]:
    elb = reads.client(aws)
    listener_arn = str(config.listener_arn)
    found = read_or_none(f"listener {listener_arn}", lambda: elb.describe_listeners(ListenerArns=[listener_arn]))
    listeners = (found or {}).get("Listeners") or []
    if not listeners:
        raise ProviderError(f"alb.listener_arn: listener {listener_arn} not found in {aws.region}")
    listener = listeners[0]
    changes: list[Change] = []
    mine = [u.rule for u in uses if u.rule is not None and u.owned and u.listener["ListenerArn"] == listener_arn]
    own_arn = str(own_balancer["LoadBalancerArn"]) if own_balancer else None
    for use in uses:
        if use.rule is not None and not use.owned:
            continue  # the user's own rule for lw's target group: theirs to keep
        if use.rule is not None and use.listener["ListenerArn"] != listener_arn and use.balancer_arn != own_arn:
            changes.append(rule_removal(aws, use.rule, "alb.listener_arn changed"))
        elif use.rule is None and use.balancer_arn != own_arn:
            ctx.reporter.warn(
                f"listener {use.listener['ListenerArn']} forwards to lw's target group by default; lw leaves it as is"
            )
    for extra in mine[1:]:
        changes.append(rule_removal(aws, extra, "a duplicate of lw's rule"))
    rule = mine[0] if mine else None
    wanted_conditions = config.conditions()
    resource = f"rule on listener {listener_arn}"
    if rule is None:
        existing = reads.rules(aws, listener_arn)
        if config.priority is not None and config.priority in reads.priorities(existing):
            raise ProviderError(
                f"alb.priority: listener {listener_arn} already has a rule with priority {config.priority}"
            )
        priority = config.priority or reads.next_priority(existing)

        def create(outputs: Outputs) -> None:
            elb.create_rule(
                ListenerArn=listener_arn,
                Priority=priority,
                Conditions=wanted_conditions,
                Actions=forward(reads.target_group_arn(group_arn, outputs)),
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
    url = reads.listener_url(aws, listener)
    if url and changes:
        changes[-1].outputs = {**changes[-1].outputs, "urls": [url]}
    return changes


def rule_priority(ctx: Context, aws: AwsSession, config: AlbConfig) -> int:
    """The priority of lw's rule: configured, the one it has, or the next free one."""
    if config.priority is not None:
        return config.priority
    rules = reads.rules(aws, str(config.listener_arn))
    group = reads.find_target_group(ctx, aws, strict=False)
    if group is not None:
        for use in reads.uses(aws, group, ctx.app):
            if use.owned and use.rule is not None and use.listener["ListenerArn"] == config.listener_arn:
                return int(use.rule["Priority"])
    return reads.next_priority(rules)


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


def rule_removal(aws: AwsSession, rule: dict[str, Any], reason: str) -> Change:
    elb = reads.client(aws)
    arn = str(rule["RuleArn"])
    return Change("delete", f"listener rule {arn}", reason, lambda o: elb.delete_rule(RuleArn=arn), step="delete rule")


def listener_removal(aws: AwsSession, listener: dict[str, Any], reason: str) -> Change:
    elb = reads.client(aws)
    arn = str(listener["ListenerArn"])
    return Change(
        "delete",
        f"listener {listener.get('Protocol')}:{listener.get('Port')} ({arn})",
        reason,
        lambda o: elb.delete_listener(ListenerArn=arn),
        step="delete listener",
    )


def balancer_removal(aws: AwsSession, balancer: dict[str, Any], reason: str) -> list[Change]:
    """lw's own load balancer: its listeners first (so the target group is free at
    once, whatever the balancer's own deletion takes), then the balancer."""
    elb = reads.client(aws)
    arn = str(balancer["LoadBalancerArn"])
    changes = [listener_removal(aws, listener, reason) for listener in reads.listeners(aws, arn)]
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
