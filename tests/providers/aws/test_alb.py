"""``alb:``: an Application Load Balancer front door, through the real CLI against moto
behind the strict layer (which refuses registering a Lambda target before Elastic Load
Balancing may invoke it, as AWS does)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_helpers import make_app, make_context
from cli_helpers import leftovers, lw_json, lw_run
from secure_helpers import NAME, configure, deploy_ok, project, project_template  # noqa: F401

from lw.core.errors import ConfigError
from lw.providers.aws import names
from lw.providers.aws.alb_config import read_config


@pytest.fixture
def network(aws_env: str) -> dict[str, Any]:
    """A VPC with two subnets in two zones and a security group (made before the
    strict layer is in place, as a user's network would be)."""
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in ((1, "a"), (2, "b"), (3, "c"))
    ]
    group = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnets": subnets, "security_groups": [group]}


def _elb() -> Any:
    return boto3.client("elbv2")


def _policy() -> list[dict[str, Any]]:
    found = boto3.client("lambda").get_policy(FunctionName=NAME, Qualifier="live")
    return list(json.loads(found["Policy"])["Statement"])


def _writes(journal: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [e for e in journal if not e[1].startswith(("Get", "List", "Describe", "Head"))]


def test_own_load_balancer_lifecycle(project: Path, network: dict[str, Any], strict_aws: Any) -> None:
    alb = {"subnets": network["subnets"][:2], "security_groups": network["security_groups"]}
    configure(project, apigateway=False, alb=alb)
    preview = lw_run(project, "deploy", "--dry-run")
    assert preview.exit_code == 0, preview.stderr
    assert "create target group flask-hello-dev" in preview.stdout
    assert "create load balancer flask-hello-dev" in preview.stdout
    assert "create Lambda permission flask-hello-dev:live/lw-alb" in preview.stdout
    assert _elb().describe_load_balancers()["LoadBalancers"] == []

    first = deploy_ok(project)
    # the permission is written first, then seen late: lw waited the registration out
    assert ("elbv2", "RegisterTargets", "AccessDenied") in strict_aws.errors()
    balancer = _elb().describe_load_balancers(Names=["flask-hello-dev"])["LoadBalancers"][0]
    assert balancer["Scheme"] == "internet-facing" and balancer["Type"] == "application"
    assert first.stdout.strip() == f"http://{balancer['DNSName']}/"
    group = _elb().describe_target_groups(Names=["flask-hello-dev"])["TargetGroups"][0]
    assert group["TargetType"] == "lambda"
    attributes = _elb().describe_target_group_attributes(TargetGroupArn=group["TargetGroupArn"])["Attributes"]
    assert {"Key": "lambda.multi_value_headers.enabled", "Value": "true"} in attributes
    targets = _elb().describe_target_health(TargetGroupArn=group["TargetGroupArn"])["TargetHealthDescriptions"]
    alias = f"arn:aws:lambda:us-east-1:123456789012:function:{NAME}:live"
    assert [t["Target"]["Id"] for t in targets] == [alias]
    (listener,) = _elb().describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    assert (listener["Protocol"], listener["Port"]) == ("HTTP", 80)
    assert listener["DefaultActions"][0]["TargetGroupArn"] == group["TargetGroupArn"]
    (statement,) = [s for s in _policy() if s["Sid"] == "lw-alb"]
    assert statement["Principal"] == {"Service": "elasticloadbalancing.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == alias
    assert statement["Condition"]["ArnLike"] == {"AWS:SourceArn": group["TargetGroupArn"]}
    assert statement["Condition"]["StringEquals"] == {"AWS:SourceAccount": "123456789012"}
    tags = _elb().describe_tags(
        ResourceArns=[balancer["LoadBalancerArn"], group["TargetGroupArn"], listener["ListenerArn"]]
    )["TagDescriptions"]
    for item in tags:
        assert {"Key": "lw:project", "Value": "flask-hello"} in item["Tags"], item
        assert {"Key": "lw:stage", "Value": "dev"} in item["Tags"], item

    strict_aws.journal.clear()
    again = deploy_ok(project)
    assert "no changes" in again.stderr
    assert _writes(strict_aws.journal) == []
    assert again.stdout == first.stdout

    configure(project, apigateway=False, alb={**alb, "subnets": network["subnets"], "listener_port": 8080})
    strict_aws.journal.clear()
    deploy_ok(project)
    assert [e[1] for e in _writes(strict_aws.journal)] == ["SetSubnets", "DeleteListener", "CreateListener"]
    (moved,) = _elb().describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    assert moved["Port"] == 8080

    status = lw_json(project, "status")
    assert status["alb_dns_name"] == balancer["DNSName"]
    assert status["urls"] == [f"http://{balancer['DNSName']}:8080/"]

    removed = lw_run(project, "undeploy", "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert _elb().describe_load_balancers()["LoadBalancers"] == []
    assert _elb().describe_target_groups()["TargetGroups"] == []
    assert leftovers(NAME, "flask-hello", "dev") == []


def _users_listener(strict_aws: Any, network: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A load balancer, listener and target group of the user's own (made as the user
    would, outside lw and outside the strict layer's journal)."""
    elb = _elb()
    with strict_aws.paused():
        theirs = elb.create_load_balancer(Name="shared", Subnets=network["subnets"])["LoadBalancers"][0]
        other = elb.create_target_group(Name="their-app", Protocol="HTTP", Port=80, VpcId=network["vpc"])
        their_group = other["TargetGroups"][0]["TargetGroupArn"]
        listener = elb.create_listener(
            LoadBalancerArn=theirs["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": their_group}],
        )["Listeners"][0]
    return theirs, listener, their_group


def test_rule_on_existing_listener_leaves_users_balancer(
    project: Path, network: dict[str, Any], strict_aws: Any
) -> None:
    elb = _elb()
    theirs, listener, their_group = _users_listener(strict_aws, network)
    with strict_aws.paused():
        elb.create_rule(
            ListenerArn=listener["ListenerArn"],
            Priority=7,
            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/theirs/*"]}}],
            Actions=[{"Type": "forward", "TargetGroupArn": their_group}],
        )
    configure(
        project,
        apigateway=False,
        alb={"listener_arn": listener["ListenerArn"], "path_patterns": ["/api/*"], "multi_value_headers": False},
    )
    first = deploy_ok(project)
    assert first.stdout.strip() == f"http://{theirs['DNSName']}/"
    rules = [r for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if not r["IsDefault"]]
    ours = [r for r in rules if r["Priority"] == "8"]
    assert len(rules) == 2 and len(ours) == 1  # after the user's own rule, never before it
    assert ours[0]["Conditions"][0]["PathPatternConfig"]["Values"] == ["/api/*"]
    group = elb.describe_target_groups(Names=["flask-hello-dev"])["TargetGroups"][0]
    attributes = elb.describe_target_group_attributes(TargetGroupArn=group["TargetGroupArn"])["Attributes"]
    assert {"Key": "lambda.multi_value_headers.enabled", "Value": "false"} in attributes
    assert [b["LoadBalancerName"] for b in elb.describe_load_balancers()["LoadBalancers"]] == ["shared"]

    strict_aws.journal.clear()
    deploy_ok(project)
    assert _writes(strict_aws.journal) == []

    configure(
        project,
        apigateway=False,
        alb={"listener_arn": listener["ListenerArn"], "host_headers": ["api.example.com"], "priority": 3},
    )
    strict_aws.journal.clear()
    deploy_ok(project)
    assert [e[1] for e in _writes(strict_aws.journal)] == [
        "ModifyTargetGroupAttributes",
        "ModifyRule",
        "SetRulePriorities",
    ]

    removed = lw_run(project, "undeploy", "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert [b["LoadBalancerName"] for b in elb.describe_load_balancers()["LoadBalancers"]] == ["shared"]
    assert (
        elb.describe_listeners(LoadBalancerArn=theirs["LoadBalancerArn"])["Listeners"][0]["ListenerArn"]
        == (listener["ListenerArn"])
    )
    left = [r["Priority"] for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]]
    assert sorted(left) == ["7", "default"]
    assert [g["TargetGroupName"] for g in elb.describe_target_groups()["TargetGroups"]] == ["their-app"]
    assert leftovers(NAME, "flask-hello", "dev") == []


def test_a_rule_the_user_made_for_lws_target_group_is_never_changed_or_deleted(
    project: Path, network: dict[str, Any], strict_aws: Any
) -> None:
    """The user adds their own rule (a weighted canary to lw's target group and theirs),
    after lw's: a redeploy must not take it for lw's rule (and rewrite or delete it),
    and undeploy must not delete it; it stops, naming the rule, since the target group
    cannot go while the rule uses it."""
    elb = _elb()
    theirs, listener, their_group = _users_listener(strict_aws, network)
    configure(project, apigateway=False, alb={"listener_arn": listener["ListenerArn"], "path_patterns": ["/api/*"]})
    deploy_ok(project)
    (group,) = elb.describe_target_groups(Names=["flask-hello-dev"])["TargetGroups"]
    canary = [{"Field": "host-header", "HostHeaderConfig": {"Values": ["canary.example.com"]}}]
    weighted = {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"TargetGroupArn": group["TargetGroupArn"], "Weight": 10},
                {"TargetGroupArn": their_group, "Weight": 90},
            ]
        },
    }
    with strict_aws.paused():
        users = elb.create_rule(ListenerArn=listener["ListenerArn"], Priority=20, Conditions=canary, Actions=[weighted])
    users_arn = users["Rules"][0]["RuleArn"]

    def users_rule() -> dict[str, Any]:
        (found,) = [
            r for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if r["RuleArn"] == users_arn
        ]
        return found

    strict_aws.journal.clear()
    deploy_ok(project)
    assert _writes(strict_aws.journal) == []
    assert users_rule()["Conditions"][0]["HostHeaderConfig"]["Values"] == ["canary.example.com"]

    removed = lw_run(project, "undeploy", "--yes")
    assert removed.exit_code == 1
    assert users_arn in removed.stderr and "Traceback" not in removed.stderr
    assert users_rule()["Priority"] == "20"


def test_a_listener_the_user_added_to_lws_balancer_survives_a_redeploy(
    project: Path, network: dict[str, Any], strict_aws: Any
) -> None:
    """Only lw's own (tagged) listeners are replaced when ``listener_port`` differs: one
    the user added (say on 8080, to their own target group) is left as it is."""
    elb = _elb()
    configure(project, apigateway=False, alb={"subnets": network["subnets"][:2]})
    deploy_ok(project)
    balancer = elb.describe_load_balancers(Names=["flask-hello-dev"])["LoadBalancers"][0]
    with strict_aws.paused():
        other = elb.create_target_group(Name="their-app", Protocol="HTTP", Port=80, VpcId=network["vpc"])
        theirs = elb.create_listener(
            LoadBalancerArn=balancer["LoadBalancerArn"],
            Protocol="HTTP",
            Port=8080,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": other["TargetGroups"][0]["TargetGroupArn"]}],
        )["Listeners"][0]
    strict_aws.journal.clear()
    deploy_ok(project)
    assert _writes(strict_aws.journal) == []
    ports = sorted(
        li["Port"] for li in elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    )
    assert ports == [80, 8080]
    assert theirs["ListenerArn"] in [
        li["ListenerArn"] for li in elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    ]


def test_switching_between_own_balancer_and_a_users_listener(
    project: Path, network: dict[str, Any], strict_aws: Any
) -> None:
    """Own load balancer -> rule on the user's listener -> own load balancer again: each
    switch removes exactly what lw no longer needs, keeps the target group (and so the
    alias registration and its grant), never touches the user's listener, and the
    redeploy after each switch writes nothing."""
    elb = _elb()
    theirs, listener, their_group = _users_listener(strict_aws, network)
    own = {"subnets": network["subnets"][:2]}
    configure(project, apigateway=False, alb=own)
    deploy_ok(project)
    (group,) = elb.describe_target_groups(Names=["flask-hello-dev"])["TargetGroups"]
    first_balancer = elb.describe_load_balancers(Names=["flask-hello-dev"])["LoadBalancers"][0]

    configure(project, apigateway=False, alb={"listener_arn": listener["ListenerArn"], "priority": 5})
    strict_aws.journal.clear()
    switched = deploy_ok(project)
    assert [e[1] for e in _writes(strict_aws.journal)] == ["DeleteListener", "DeleteLoadBalancer", "CreateRule"]
    assert switched.stdout.strip() == f"http://{theirs['DNSName']}/"
    assert [b["LoadBalancerName"] for b in elb.describe_load_balancers()["LoadBalancers"]] == ["shared"]
    (kept,) = elb.describe_target_groups(Names=["flask-hello-dev"])["TargetGroups"]
    assert kept["TargetGroupArn"] == group["TargetGroupArn"]
    (after,) = elb.describe_listeners(LoadBalancerArn=theirs["LoadBalancerArn"])["Listeners"]
    assert after["ListenerArn"] == listener["ListenerArn"] and after["DefaultActions"] == listener["DefaultActions"]
    (rule,) = [r for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if not r["IsDefault"]]
    assert rule["Priority"] == "5" and rule["Actions"][0]["TargetGroupArn"] == group["TargetGroupArn"]
    assert lw_json(project, "status")["alb_dns_name"] == theirs["DNSName"]
    strict_aws.journal.clear()
    assert "no changes" in deploy_ok(project).stderr
    assert _writes(strict_aws.journal) == []

    configure(project, apigateway=False, alb=own)
    strict_aws.journal.clear()
    back = deploy_ok(project)
    assert [e[1] for e in _writes(strict_aws.journal)] == ["DeleteRule", "CreateLoadBalancer", "CreateListener"]
    (balancer,) = elb.describe_load_balancers(Names=["flask-hello-dev"])["LoadBalancers"]
    assert balancer["LoadBalancerArn"] != first_balancer["LoadBalancerArn"]
    assert back.stdout.strip() == f"http://{balancer['DNSName']}/"
    assert [r["Priority"] for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]] == ["default"]
    (mine,) = elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    assert mine["DefaultActions"][0]["TargetGroupArn"] == group["TargetGroupArn"]
    strict_aws.journal.clear()
    assert "no changes" in deploy_ok(project).stderr
    assert _writes(strict_aws.journal) == []

    removed = lw_run(project, "undeploy", "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert [b["LoadBalancerName"] for b in elb.describe_load_balancers()["LoadBalancers"]] == ["shared"]
    (still,) = elb.describe_listeners(LoadBalancerArn=theirs["LoadBalancerArn"])["Listeners"]
    assert still["ListenerArn"] == listener["ListenerArn"]
    assert still["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": their_group}]
    assert [g["TargetGroupName"] for g in elb.describe_target_groups()["TargetGroups"]] == ["their-app"]
    assert leftovers(NAME, "flask-hello", "dev") == []


def test_turning_alb_off_removes_it_and_the_permission(project: Path, network: dict[str, Any], strict_aws: Any) -> None:
    cert = boto3.client("acm").request_certificate(DomainName="api.example.com")["CertificateArn"]
    configure(project, alb={"subnets": network["subnets"], "certificate_arn": cert})
    first = deploy_ok(project)
    balancer = _elb().describe_load_balancers(Names=["flask-hello-dev"])["LoadBalancers"][0]
    (listener,) = _elb().describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    assert (listener["Protocol"], listener["Port"], listener["Certificates"][0]["CertificateArn"]) == (
        "HTTPS",
        443,
        cert,
    )
    assert f"https://{balancer['DNSName']}/" in first.stdout.split()

    # AWS cannot change a load balancer's scheme: a new one replaces it
    configure(project, alb={"subnets": network["subnets"], "certificate_arn": cert, "internal": True})
    strict_aws.journal.clear()
    deploy_ok(project)
    assert [e[1] for e in _writes(strict_aws.journal)] == [
        "DeleteListener",
        "DeleteLoadBalancer",
        "CreateLoadBalancer",
        "CreateListener",
    ]
    (replaced,) = _elb().describe_load_balancers()["LoadBalancers"]
    assert replaced["Scheme"] == "internal" and replaced["LoadBalancerArn"] != balancer["LoadBalancerArn"]

    configure(project)
    deploy_ok(project)
    assert _elb().describe_load_balancers()["LoadBalancers"] == []
    assert _elb().describe_target_groups()["TargetGroups"] == []
    assert [s["Sid"] for s in _policy() if s["Sid"] == "lw-alb"] == []
    strict_aws.journal.clear()
    deploy_ok(project)
    assert not any(e[0] == "elbv2" for e in strict_aws.journal)  # the footprint says: nothing to read there


def test_bad_alb_setting_is_one_line_exit_2(project: Path, aws_env: str) -> None:
    configure(project, alb={"subnets": ["subnet-0123abcd"]})
    result = lw_run(project, "deploy", "--dry-run")
    assert result.exit_code == 2, result.stderr + result.stdout
    assert "lw.yml: stage 'dev': alb.subnets: an Application Load Balancer needs at least two subnets" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


TWO = ["subnet-0123abcd", "subnet-4567abcd"]
LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/1/2"


@pytest.mark.parametrize(
    ("alb", "message"),
    [
        (True, "alb: expected a mapping with subnets"),
        ({"subnets": TWO, "prioriti": 3}, "alb.prioriti: unknown key"),
        ({"listener_arn": "nope"}, "alb.listener_arn: expected an Application Load Balancer listener ARN"),
        ({"listener_arn": LISTENER, "subnets": TWO}, "alb.subnets: not used with listener_arn"),
        ({"listener_arn": LISTENER, "priority": 0}, "alb.priority: expected an integer from 1 to 50000"),
        ({"subnets": TWO, "priority": 4}, "alb.priority: only used with listener_arn"),
        ({"subnets": TWO, "certificate_arn": "cert"}, "alb.certificate_arn: expected an ACM certificate ARN"),
        ({"subnets": TWO, "listener_port": True}, "alb.listener_port: expected a port"),
        ({"subnets": TWO, "ssl_policy": "ELBSecurityPolicy-2016-08"}, "alb.ssl_policy: only used with"),
        ({"subnets": TWO, "internal": "yes"}, "alb.internal: expected true or false"),
        ({"subnets": TWO, "regions": ["us-east-1", "eu-west-1"]}, "alb: not available with regions"),
        ({"subnets": ["subnet-1", "subnet-2"]}, "alb.subnets: 'subnet-1' is not a subnet id"),
        ({"subnets": TWO, "security_groups": ["default"]}, "alb.security_groups: 'default' is not a security group id"),
    ],
)
def test_bad_alb_settings_name_the_key(tmp_path: Path, alb: Any, message: str) -> None:
    regions = alb.pop("regions", None) if isinstance(alb, dict) else None
    ctx = make_context(make_app(tmp_path, alb=alb, regions=regions))
    with pytest.raises(ConfigError) as raised:
        read_config(ctx)
    assert message in str(raised.value)


def test_alb_defaults_follow_the_certificate(tmp_path: Path) -> None:
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    plain = read_config(make_context(make_app(tmp_path, alb={"subnets": TWO})))
    secure = read_config(make_context(make_app(tmp_path, alb={"subnets": TWO, "certificate_arn": cert})))
    assert plain is not None and secure is not None
    assert (plain.protocol, plain.listener_port, plain.multi_value_headers) == ("HTTP", 80, True)
    assert (secure.protocol, secure.listener_port) == ("HTTPS", 443)
    rule = read_config(make_context(make_app(tmp_path, alb={"listener_arn": LISTENER})))
    assert rule is not None and rule.conditions() == [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}
    ]
    assert read_config(make_context(make_app(tmp_path))) is None


def test_alb_names_fit_elastic_load_balancing(tmp_path: Path) -> None:
    assert names.alb_name(make_app(tmp_path, project="shop", stage="prod")) == "shop-prod"
    long_one = names.alb_name(make_app(tmp_path, project="a-very-long-project-name", stage="production"))
    other = names.alb_name(make_app(tmp_path, project="a-very-long-project-name", stage="production2"))
    assert len(long_one) <= 32 and len(other) <= 32 and long_one != other
    assert long_one.startswith("a-very-long-project-nam") and not long_one.endswith("-")
    assert not names.alb_name(make_app(tmp_path, project="internal-tools", stage="dev")).startswith("internal-")
