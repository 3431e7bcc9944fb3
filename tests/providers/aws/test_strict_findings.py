"""Issue #11, findings 8, 9, 11 and 12, through the real CLI against moto behind the
strict layer (tests/providers/aws/strict_aws/limits.py, s3.py): the layer refuses what
AWS refuses, so each test fails with lw's behaviour before the fix it names (a lenient
double, plain moto, let that behaviour through)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_helpers import leftovers, lw_run
from secure_helpers import NAME, configure, deploy_ok, moto_mock_integrations, project, project_template  # noqa: F401

pytestmark = pytest.mark.usefixtures("moto_mock_integrations")


def _writes(strict_aws: Any) -> list[tuple[str, str, str]]:
    return [e for e in strict_aws.journal if not e[1].startswith(("Get", "List", "Describe", "Head"))]


# --------------------------------------------------------------------------- the layer's own rules


def test_the_layer_refuses_what_aws_refuses(aws_env: str, strict_aws: Any) -> None:
    """Each rule, called directly: what lw did before its fix fails here."""
    from botocore.exceptions import ClientError

    apigw = boto3.client("apigateway")
    with strict_aws.paused():
        api = apigw.create_rest_api(name="x")["id"]
    with pytest.raises(ClientError, match="Base path must not contain '/'"):  # finding 8: v1 for api/v1
        apigw.create_base_path_mapping(domainName="api.example.com", restApiId=api, basePath="api/v1")
    for n in range(30):
        with strict_aws.paused():
            apigw.create_rest_api(name=f"api-{n}")
    assert len(apigw.get_rest_apis()["items"]) == 25  # finding 11: AWS's default page
    assert len(apigw.get_rest_apis(limit=500)["items"]) == 31

    iam = boto3.client("iam")
    with strict_aws.paused():
        iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    big = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "x" * 10300}]}
    with pytest.raises(ClientError, match="Maximum policy size of 10240 bytes"):
        iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=json.dumps(big))

    acm = boto3.client("acm")
    ecdsa = acm.request_certificate(DomainName="a.example.com", KeyAlgorithm="EC_prime256v1")["CertificateArn"]
    assert acm.list_certificates()["CertificateSummaryList"] == []  # RSA only unless asked
    listed = acm.list_certificates(Includes={"keyTypes": ["EC_prime256v1"]})["CertificateSummaryList"]
    assert [c["CertificateArn"] for c in listed] == [ecdsa]
    from lw.providers.aws import certificates
    from lw.providers.aws.session import AwsSession

    found = certificates.find(AwsSession().client("acm"), "a.example.com")  # lw asks for ECDSA too
    assert found is not None and found["CertificateArn"] == ecdsa

    strict_aws.deny("cloudwatch")
    with pytest.raises(ClientError) as denied:
        boto3.client("cloudwatch").list_metrics()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


# --------------------------------------------------------------------------- finding 12


def test_snap_start_is_not_sent_for_a_runtime_without_it(project: Path, strict_aws: Any) -> None:
    """The layer refuses SnapStart (ApplyOn=None included) on python3.11, as some
    endpoints do: lw used to send ApplyOn=None on every CreateFunction."""
    configure(project, runtime="python3.11")
    deploy_ok(project)


def test_a_rest_only_stage_works_for_a_deployer_without_http_api_rights(project: Path, strict_aws: Any) -> None:
    strict_aws.deny("apigatewayv2")
    for args in (("deploy", "--dry-run"), ("deploy",), ("deploy",), ("status",), ("undeploy", "--yes")):
        result = lw_run(project, *args)
        assert result.exit_code == 0, (args, result.stderr)
    assert not [e for e in strict_aws.journal if e[0] == "apigatewayv2"]


def test_status_degrades_when_metrics_are_denied(project: Path, strict_aws: Any) -> None:
    deploy_ok(project)
    strict_aws.deny("cloudwatch")
    status = lw_run(project, "status", "--json")
    assert status.exit_code == 0, status.stderr
    facts = json.loads(status.stdout)
    assert facts["alias_version"] == "1" and "access denied" in facts["metrics_unavailable"]


# --------------------------------------------------------------------------- finding 11: plan-time limits


def test_limits_aws_enforces_at_apply_time_are_refused_while_planning(project: Path, strict_aws: Any) -> None:
    """Each would otherwise fail half way through the apply (the layer refuses the
    write as AWS does); refused at plan time, nothing is written."""
    statements = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::bucket-with-a-long-name-{n:04d}/*"}
        for n in range(200)
    ]
    configure(project, iam_policy={"Version": "2012-10-17", "Statement": statements})
    refused = lw_run(project, "deploy")
    assert refused.exit_code == 2 and "over IAM's 10,240" in refused.stderr, refused.stderr

    strict_aws.reserve("someone-elses-function", 850)
    configure(project, reserved_concurrency=100)
    refused = lw_run(project, "deploy")
    assert refused.exit_code == 2 and "below AWS's minimum of 100" in refused.stderr, refused.stderr
    assert _writes(strict_aws) == []

    with strict_aws.paused():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "20"})["QueueUrl"]
        queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    (project / "app.py").write_text(
        (project / "app.py").read_text() + "\n\ndef on_job(event, context):\n    return None\n"
    )
    configure(project, timeout_seconds=60, events=[{"function": "app.on_job", "event_source": {"arn": queue}}])
    refused = lw_run(project, "deploy")
    assert refused.exit_code == 2 and "visibility timeout of 20s" in refused.stderr, refused.stderr
    assert _writes(strict_aws) == []


def test_a_failed_update_says_why(project: Path, strict_aws: Any) -> None:
    deploy_ok(project)
    strict_aws.fail_update(NAME, "SubnetOutOfIPAddresses", "Lambda was unable to configure access to your VPC")
    (project / "app.py").write_text((project / "app.py").read_text() + "\n# v2\n")
    failed = lw_run(project, "deploy")
    assert failed.exit_code == 1
    assert "SubnetOutOfIPAddresses: Lambda was unable to configure access to your VPC" in failed.stderr
    assert "Traceback" not in failed.stderr and "matched expected path" not in failed.stderr
    assert boto3.client("lambda").get_alias(FunctionName=NAME, Name="live")["FunctionVersion"] == "1"


def test_eventbridge_partial_failures_fail_the_deploy_or_are_resent(project: Path, strict_aws: Any) -> None:
    (project / "app.py").write_text(
        (project / "app.py").read_text() + "\n\ndef tick(event, context):\n    return None\n"
    )
    configure(project, events=[{"function": "app.tick", "expression": "rate(1 hour)"}])
    strict_aws.failed_entries("PutTargets", "ConcurrentModificationException")  # passes: resent
    deploy_ok(project)
    [rule] = boto3.client("events").list_rules()["Rules"]
    assert len(boto3.client("events").list_targets_by_rule(Rule=rule["Name"])["Targets"]) == 1

    strict_aws.failed_entries("RemoveTargets", "AccessDeniedException")  # does not pass
    configure(project)
    failed = lw_run(project, "deploy")
    assert failed.exit_code == 1 and "AccessDeniedException" in failed.stderr, failed.stderr


# --------------------------------------------------------------------------- finding 9


def test_a_stale_foreign_s3_entry_is_named_and_not_waited_for(project: Path, strict_aws: Any) -> None:
    stale = "arn:aws:lambda:us-east-1:123456789012:function:deleted-long-ago"
    with strict_aws.paused():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="shared-uploads")
        s3.put_bucket_notification_configuration(
            Bucket="shared-uploads",
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    {"Id": "old-thumbnailer", "LambdaFunctionArn": stale, "Events": ["s3:ObjectCreated:*"]}
                ]
            },
        )
    (project / "app.py").write_text(
        (project / "app.py").read_text() + "\n\ndef on_upload(event, context):\n    return None\n"
    )
    configure(
        project,
        events=[
            {
                "function": "app.on_upload",
                "event_source": {"arn": "arn:aws:s3:::shared-uploads", "events": ["s3:ObjectCreated:*"]},
            }
        ],
    )
    failed = lw_run(project, "deploy")
    assert failed.exit_code == 1
    assert "S3 cannot validate the entry 'old-thumbnailer'" in failed.stderr and stale in failed.stderr
    refusals = [e for e in strict_aws.errors() if e[1] == "PutBucketNotificationConfiguration"]
    assert len(refusals) == 1  # named at once, not waited for
    assert "Traceback" not in failed.stderr
    assert leftovers(NAME, "flask-hello", "dev")  # the function stays deployed: nothing lost


# --------------------------------------------------------------------------- finding 11: VPC interfaces


def test_undeploy_of_a_vpc_function_leaves_no_interface_behind(project: Path, strict_aws: Any) -> None:
    """Lambda releases a deleted function's interfaces later, with the role: deleting the
    role at once (lw before the fix) strands them, in use, for good."""
    with strict_aws.paused():
        ec2 = boto3.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]
    configure(project, vpc_config={"SubnetIds": [subnet], "SecurityGroupIds": [group]})
    deploy_ok(project)
    mine = {"Name": "description", "Values": [f"AWS Lambda VPC ENI-{NAME}-*"]}
    assert len(ec2.describe_network_interfaces(Filters=[mine])["NetworkInterfaces"]) == 1
    removed = lw_run(project, "undeploy", "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert strict_aws.stranded_interfaces() == []  # lw waited for them before deleting the role
    assert ec2.describe_network_interfaces(Filters=[mine])["NetworkInterfaces"] == []
    assert leftovers(NAME, "flask-hello", "dev") == []
