"""The ``alb:`` front door as CloudFormation: the same target group, grant, listener or
rule ``lw deploy`` makes (see ``lw.providers.aws.alb``).

CloudFormation registers a target group's ``Targets`` when it creates the group, and
AWS refuses a Lambda target before the invoke permission exists; the permission can
therefore not name the group's ARN (that would be a cycle). It names every target
group of the stage's name instead (``targetgroup/<name>/*``): as narrow as a template
can be, and the group depends on it.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.providers.aws import names
from lw.providers.aws.alb import MULTI_VALUE_ATTRIBUTE, PRINCIPAL
from lw.providers.aws.alb_config import AlbConfig, read_config
from lw.providers.aws.alb_listeners import rule_priority
from lw.providers.aws.session import AwsSession
from lw.providers.aws.template.resources import TemplateParts

TARGET_GROUP_ID = "AlbTargetGroup"
PERMISSION_ID = "AlbPermission"
BALANCER_ID = "AlbLoadBalancer"
LISTENER_ID = "AlbListener"
RULE_ID = "AlbListenerRule"


def add_alb(ctx: Context, aws: AwsSession, parts: TemplateParts, alias_arn: str) -> None:
    config = read_config(ctx)
    if config is None:
        return
    name = names.alb_name(ctx.app)
    parts.permission(
        PERMISSION_ID,
        alias_arn,
        principal=PRINCIPAL,
        source_arn={
            "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:"
            f"targetgroup/{name}/*"
        },
    )
    parts.add(
        TARGET_GROUP_ID,
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "Name": name,
            "TargetType": "lambda",
            "Targets": [{"Id": alias_arn}],
            "TargetGroupAttributes": [
                {"Key": MULTI_VALUE_ATTRIBUTE, "Value": "true" if config.multi_value_headers else "false"}
            ],
            "Tags": names.tag_list(ctx.app),
        },
        [PERMISSION_ID],
    )
    forward = [{"Type": "forward", "TargetGroupArn": {"Ref": TARGET_GROUP_ID}}]
    if config.own_balancer:
        _own_balancer(ctx, parts, config, name, forward)
    else:
        parts.add(
            RULE_ID,
            "AWS::ElasticLoadBalancingV2::ListenerRule",
            {
                "ListenerArn": config.listener_arn,
                "Priority": rule_priority(ctx, aws, config),
                "Conditions": config.conditions(),
                "Actions": forward,
            },
        )


def _own_balancer(
    ctx: Context, parts: TemplateParts, config: AlbConfig, name: str, forward: list[dict[str, Any]]
) -> None:
    balancer: dict[str, Any] = {
        "Name": name,
        "Type": "application",
        "Scheme": "internal" if config.internal else "internet-facing",
        "IpAddressType": "ipv4",
        "Subnets": list(config.subnets),
        "Tags": names.tag_list(ctx.app),
    }
    if config.security_groups:
        balancer["SecurityGroups"] = list(config.security_groups)
    parts.add(BALANCER_ID, "AWS::ElasticLoadBalancingV2::LoadBalancer", balancer)
    listener: dict[str, Any] = {
        "LoadBalancerArn": {"Ref": BALANCER_ID},
        "Protocol": config.protocol,
        "Port": config.listener_port,
        "DefaultActions": forward,
    }
    if config.certificate_arn:
        listener["Certificates"] = [{"CertificateArn": config.certificate_arn}]
        listener["SslPolicy"] = config.ssl_policy
    parts.add(LISTENER_ID, "AWS::ElasticLoadBalancingV2::Listener", listener)
    parts.output("AlbDnsName", {"Fn::GetAtt": [BALANCER_ID, "DNSName"]}, "The load balancer's DNS name")
    default_port = 443 if config.protocol == "HTTPS" else 80
    port = "" if config.listener_port == default_port else f":{config.listener_port}"
    parts.output(
        "AlbUrl",
        {"Fn::Sub": f"{config.protocol.lower()}://${{{BALANCER_ID}.DNSName}}{port}/"},
        "The load balancer's URL",
    )
