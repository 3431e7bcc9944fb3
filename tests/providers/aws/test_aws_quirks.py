"""AWS behaviour moto does not have, modeled at botocore's call boundary (issue #11,
findings 8, 9, 11 and 12): each test fails without the fix it names.

Faults come from the ``fault`` fixture (a modeled ``ClientError`` raised before the
call reaches moto) or from ``answer``, which replaces an operation's response the
way AWS would answer it (partial failures, account settings moto lacks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import boto3
import pytest

from lw.core.errors import ProviderError
from lw.providers.aws import backoff
from lw.providers.aws.session import AwsSession


# --------------------------------------------------------------------------- finding 11: retries


def test_clients_use_standard_retry_mode_unless_the_user_chose_one(
    aws_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert AwsSession().client("lambda").meta.config.retries["mode"] == "standard"
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    assert AwsSession().client("lambda").meta.config.retries["mode"] == "adaptive"


def test_api_gateway_quota_is_waited_out_beyond_botocores_attempts(aws_env: str, fault, no_sleep) -> None:
    aws = AwsSession()
    progress: list[str] = []
    aws.progress = progress.append
    apigw = aws.client("apigateway")
    api = apigw.create_rest_api(name="x")["id"]
    fault.fail("apigateway", "DeleteRestApi", "TooManyRequestsException", "Too Many Requests", status=429, times=3)
    fault.fail(
        "apigateway",
        "DeleteRestApi",
        "ConflictException",
        "Unable to complete operation due to concurrent modification. Please try again later.",
        status=409,
    )
    apigw.delete_rest_api(restApiId=api)
    assert boto3.client("apigateway").get_rest_apis()["items"] == []
    assert no_sleep == list(backoff.API_GATEWAY_DELAYS[:4])
    assert progress[0] == (
        "API Gateway DeleteRestApi: API Gateway's control-plane rate limit (TooManyRequestsException); "
        "retrying in 2s (2s of 187s)"
    )


def test_a_real_api_gateway_conflict_is_not_retried(aws_env: str, fault, no_sleep) -> None:
    apigw = AwsSession().client("apigatewayv2")
    fault.fail("apigatewayv2", "CreateDomainName", "ConflictException", "The domain name already exists", status=409)
    with pytest.raises(apigw.exceptions.ConflictException):
        apigw.create_domain_name(DomainName="api.example.com")
    assert no_sleep == []


def test_api_gateway_quota_gives_up_after_its_budget(aws_env: str, fault, no_sleep) -> None:
    apigw = AwsSession().client("apigateway")
    fault.fail("apigateway", "CreateDomainName", "TooManyRequestsException", "slow down", status=429, times=99)
    with pytest.raises(apigw.exceptions.TooManyRequestsException):
        apigw.create_domain_name(domainName="api.example.com")
    assert sum(no_sleep) >= 180


def test_rest_apis_are_listed_500_at_a_time(aws_env: str, tmp_path: Path, answer) -> None:
    from aws_helpers import make_app

    from lw.providers.aws import names

    seen: list[dict[str, Any]] = []
    answer("apigateway", "GetRestApis", lambda params, real: seen.append(dict(params)) or real())
    assert names.find_owned_apigateway_item(AwsSession(), make_app(tmp_path), "get_rest_apis", "REST APIs") is None
    assert seen == [{"limit": 500}]


def test_ecdsa_certificates_are_found(aws_env: str, answer) -> None:
    """AWS's ListCertificates leaves out every key type but RSA_1024/RSA_2048 unless
    ``Includes.keyTypes`` names them; moto ignores the filter, so it is modeled here."""
    from lw.providers.aws import certificates

    acm = boto3.client("acm")
    arn = acm.request_certificate(DomainName="api.example.com", KeyAlgorithm="EC_prime256v1")["CertificateArn"]

    def aws_filter(params: dict[str, Any], real: Callable[[], Any]) -> Any:
        response = real()
        wanted = (params.get("Includes") or {}).get("keyTypes") or ["RSA_1024", "RSA_2048"]
        for summary in response["CertificateSummaryList"]:
            summary["KeyAlgorithm"] = "EC_prime256v1" if summary["CertificateArn"] == arn else "RSA_2048"
        response["CertificateSummaryList"] = [
            s for s in response["CertificateSummaryList"] if s["KeyAlgorithm"] in wanted
        ]
        return response

    answer("acm", "ListCertificates", aws_filter)
    found = certificates.find(AwsSession().client("acm"), "api.example.com")
    assert found is not None and found["CertificateArn"] == arn


# --------------------------------------------------------------------------- finding 11: EventBridge


def _failed(code: str) -> Callable[..., Any]:
    return lambda params, real: {
        "FailedEntryCount": 1,
        "FailedEntries": [{"TargetId": "lw", "ErrorCode": code, "ErrorMessage": f"{code} for lw"}],
    }


def test_put_targets_partial_failure_is_an_error(aws_env: str, answer) -> None:
    from lw.providers.aws.events import schedules

    events = AwsSession().client("events")
    events.put_rule(Name="r", ScheduleExpression="rate(5 minutes)")
    answer("events", "PutTargets", _failed("AccessDeniedException"))
    with pytest.raises(ProviderError, match="eventbridge rule r: cannot set target lw: AccessDeniedException"):
        schedules.put_targets(events, "r", [{"Id": "lw", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:f"}])


def test_transient_target_failures_are_resent(aws_env: str, answer, no_sleep) -> None:
    from lw.providers.aws.events import schedules

    events = AwsSession().client("events")
    events.put_rule(Name="r", ScheduleExpression="rate(5 minutes)")
    events.put_targets(Rule="r", Targets=[{"Id": "lw", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:f"}])
    answers = iter([_failed("ConcurrentModificationException")])
    answer("events", "RemoveTargets", lambda params, real: next(answers, lambda p, r: r())(params, real))
    schedules.remove_targets(events, "r", ["lw"])
    assert boto3.client("events").list_targets_by_rule(Rule="r")["Targets"] == []
    assert no_sleep == [1]


# --------------------------------------------------------------------------- finding 12: status, URLs


@pytest.fixture
def deployed(aws_env: str, tmp_path: Path) -> Any:
    """A REST stage deployed through the provider's hooks (no CLI, no packaging)."""
    from aws_helpers import deploy, make_app, make_artifact, make_context

    ctx = make_context(make_app(tmp_path))
    deploy(ctx, make_artifact(tmp_path / "build"))
    return make_context(make_app(tmp_path))


def test_status_degrades_per_section(deployed: Any, fault) -> None:
    from lw.providers.aws.status import describe

    fault.fail(
        "cloudwatch",
        "GetMetricStatistics",
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudwatch:GetMetricStatistics",
        status=403,
    )
    status = describe(deployed, AwsSession())
    assert status.deployed and status.facts["alias_version"] == "1"
    assert status.facts["urls"] and status.sections["versions"]
    assert "invocations_24h" not in status.facts
    assert "access denied" in status.facts["metrics_unavailable"]


def test_urls_are_marked_when_an_endpoint_replaces_aws(deployed: Any) -> None:
    from lw.providers.aws.status import describe

    facts = describe(deployed, AwsSession()).facts
    assert facts["urls"][0].endswith(".amazonaws.com/dev/")
    assert "AWS_ENDPOINT_URL is set (http://127.0.0.1:" in facts["urls_note"]


def test_deploy_says_the_printed_urls_are_awss(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli_helpers import lw_run

    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    deployed = lw_run(_project(tmp_path), "deploy")
    assert deployed.exit_code == 0, deployed.stderr
    assert deployed.stdout.strip().endswith(".amazonaws.com/dev/")  # stdout: the URLs alone
    assert "warning: AWS_ENDPOINT_URL is set (http://127.0.0.1:" in deployed.stderr


# --------------------------------------------------------------------------- finding 12: one API Gateway only


APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
"""


def _project(root: Path, **settings: str) -> Path:
    import json

    project = root / "svc"
    project.mkdir(parents=True, exist_ok=True)
    (project / "app.py").write_text(APP)
    lines = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in settings.items())
    (project / "lw.yml").write_text("dev:\n  project_name: svc\n  app_function: app.app\n  keep_warm: false\n" + lines)
    return project


@pytest.fixture
def rest_only_policy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A deployer whose IAM policy allows REST APIs (apigateway:*) but not HTTP APIs:
    every apigatewayv2 call is refused as AWS refuses it. Returns the refused calls;
    appending ``"off"`` lifts the policy (for the test's own checks)."""
    from botocore.client import BaseClient
    from botocore.exceptions import ClientError

    refused: list[str] = []
    original = BaseClient._make_api_call

    def guarded(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "apigatewayv2" and "off" not in refused:
            refused.append(operation)
            raise ClientError(
                {
                    "Error": {
                        "Code": "AccessDeniedException",
                        "Message": "User: arn:aws:iam::"
                        "123456789012:user/deployer is not authorized to perform: apigateway:GET",
                    },
                    "ResponseMetadata": {"HTTPStatusCode": 403},
                },
                operation,
            )
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", guarded)
    return refused


def test_a_rest_only_stage_never_calls_the_http_api_service(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rest_only_policy: list[str]
) -> None:
    from cli_helpers import leftovers, lw_run

    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    project = _project(tmp_path)
    for args in (
        ("deploy", "--dry-run"),
        ("deploy",),
        ("deploy", "--dry-run"),
        ("deploy",),
        ("status",),
        ("undeploy", "--yes"),
    ):
        result = lw_run(project, *args)
        assert result.exit_code == 0, (args, result.stderr)
    assert rest_only_policy == []
    rest_only_policy.append("off")
    assert leftovers("svc-dev", "svc", "dev") == []


def test_switching_from_http_to_rest_still_removes_the_http_api(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli_helpers import lw_run

    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    project = _project(tmp_path, apigateway="http")
    assert lw_run(project, "deploy").exit_code == 0
    tags = boto3.client("lambda").list_tags(Resource="arn:aws:lambda:us-east-1:123456789012:function:svc-dev")
    assert tags["Tags"]["lw:apigateway"] == "v2"
    (project / "lw.yml").write_text(
        (project / "lw.yml").read_text().replace('apigateway: "http"', 'apigateway: "rest"')
    )
    assert lw_run(project, "deploy").exit_code == 0
    assert boto3.client("apigatewayv2").get_apis()["Items"] == []
    tags = boto3.client("lambda").list_tags(Resource="arn:aws:lambda:us-east-1:123456789012:function:svc-dev")
    assert tags["Tags"]["lw:apigateway"] == "v1"


def test_a_function_from_before_the_tag_has_both_apis_read(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli_helpers import lw_run

    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    project = _project(tmp_path, apigateway="http")
    assert lw_run(project, "deploy").exit_code == 0
    arn = "arn:aws:lambda:us-east-1:123456789012:function:svc-dev"
    boto3.client("lambda").untag_resource(Resource=arn, TagKeys=["lw:apigateway"])  # as an older lw left it
    (project / "lw.yml").write_text(
        (project / "lw.yml").read_text().replace('apigateway: "http"', 'apigateway: "rest"')
    )
    assert lw_run(project, "deploy").exit_code == 0
    assert boto3.client("apigatewayv2").get_apis()["Items"] == []


# --------------------------------------------------------------------------- finding 11: request size


def test_a_zip_just_under_50_mib_goes_through_s3(aws_env: str, tmp_path: Path) -> None:
    """50 MiB of zip is 69,905,068 bytes of base64: over the request limit on its own."""
    import dataclasses

    from aws_helpers import make_app, make_artifact, make_context

    from lw.providers.aws import code_upload
    from lw.providers.aws.function import code_sha256

    small = make_artifact(tmp_path / "build")
    ctx = make_context(make_app(tmp_path))
    aws = AwsSession()
    assert code_upload.plan_code_source(ctx, aws, small, code_sha256(small.path)).zip_path == small.path
    near_limit = dataclasses.replace(small, size=50 * 1024 * 1024 - 4096)
    source = code_upload.plan_code_source(ctx, aws, near_limit, code_sha256(small.path))
    assert source.zip_path is None and source.bucket
    assert "over Lambda's request limit once base64-encoded" in source.changes[0].reason
    assert code_upload.request_size(49 * 1024 * 1024) < code_upload.REQUEST_LIMIT


# --------------------------------------------------------------------------- findings 11, 12: the function


def _recording(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[dict[str, Any]]]:
    from botocore.client import BaseClient

    sent: dict[str, list[dict[str, Any]]] = {}
    original = BaseClient._make_api_call

    def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
        sent.setdefault(operation, []).append(dict(params))
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return sent


def test_snap_start_is_sent_only_when_on_or_turned_off(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_helpers import deploy, make_app, make_artifact, make_context

    from lw.providers.aws import function

    sent = _recording(monkeypatch)
    deploy(make_context(make_app(tmp_path, apigateway=False)), make_artifact(tmp_path / "a"))
    assert "SnapStart" not in sent["CreateFunction"][0]
    wanted = function.desired_configuration(make_context(make_app(tmp_path)), "arn:aws:iam::1:role/r", "h")
    assert "SnapStart" not in wanted
    was_on = {**wanted, "SnapStart": {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}}
    assert function.configuration_diff(was_on, wanted) == {"SnapStart": {"ApplyOn": "None"}}
    assert function.configuration_diff({**wanted, "SnapStart": {"ApplyOn": "None"}}, wanted) == {}


def test_a_failed_update_shows_lambdas_reason(aws_env: str, tmp_path: Path, answer) -> None:
    from aws_helpers import deploy, make_app, make_artifact, make_context

    from lw.core.errors import LwError

    deploy(make_context(make_app(tmp_path, apigateway=False)), make_artifact(tmp_path / "a"))
    updated: list[bool] = []
    answer("lambda", "UpdateFunctionCode", lambda params, real: updated.append(True) or real())

    def failed_after_update(params: dict[str, Any], real: Callable[[], Any]) -> Any:
        response = real()
        if updated:
            response["Configuration"].update(
                LastUpdateStatus="Failed",
                LastUpdateStatusReasonCode="SubnetOutOfIPAddresses",
                LastUpdateStatusReason="Lambda was unable to configure access to your VPC: no free IP in subnet-1",
            )
        return response

    answer("lambda", "GetFunction", failed_after_update)
    with pytest.raises(LwError) as info:
        deploy(make_context(make_app(tmp_path, apigateway=False)), make_artifact(tmp_path / "b", "print('v2')\n"))
    assert "the update failed: SubnetOutOfIPAddresses: Lambda was unable to configure access to your VPC" in str(
        info.value
    )
    assert "matched expected path" not in str(info.value)


def test_publish_refuses_code_another_deploy_uploaded(aws_env: str, tmp_path: Path, answer) -> None:
    from aws_helpers import deploy, make_app, make_artifact, make_context

    from lw.core.errors import LwError

    deploy(make_context(make_app(tmp_path, apigateway=False)), make_artifact(tmp_path / "a"))
    other = make_artifact(tmp_path / "other", "print('the other CI run')\n").path.read_bytes()
    raced: list[bool] = []

    def concurrent_deploy(params: dict[str, Any], real: Callable[[], Any]) -> Any:
        response = real()
        if not raced:  # the other run's upload lands between this run's update and publish
            raced.append(True)
            boto3.client("lambda").update_function_code(FunctionName=params["FunctionName"], ZipFile=other)
        return response

    answer("lambda", "UpdateFunctionCode", concurrent_deploy)
    with pytest.raises(LwError, match="another deploy changed its code while this one ran"):
        deploy(make_context(make_app(tmp_path, apigateway=False)), make_artifact(tmp_path / "b", "print('v2')\n"))
    alias = boto3.client("lambda").get_alias(FunctionName="demo-dev", Name="live")
    assert alias["FunctionVersion"] == "1"  # nothing released


# --------------------------------------------------------------------------- finding 11: plan-time limits


def test_a_role_policy_over_iams_inline_limit_is_refused_while_planning(aws_env: str, tmp_path: Path) -> None:
    from aws_helpers import make_app, make_context

    from lw.core.errors import ConfigError
    from lw.providers.aws import iam

    statements = [
        {
            "Sid": f"S{n}",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::bucket-with-a-long-name-{n:04d}/*",
        }
        for n in range(200)
    ]
    ctx = make_context(make_app(tmp_path, iam_policy={"Version": "2012-10-17", "Statement": statements}))
    with pytest.raises(ConfigError, match=r"policy would be [\d,]+ characters, over IAM's 10,240"):
        iam.plan_role(ctx, AwsSession(), "demo-dev")
    small = make_context(make_app(tmp_path, iam_policy={"Version": "2012-10-17", "Statement": statements[:5]}))
    assert iam.plan_role(small, AwsSession(), "demo-dev").changes


def test_reserved_concurrency_below_the_unreserved_minimum_is_refused(aws_env: str, tmp_path: Path, answer) -> None:
    """moto has no GetAccountSettings: AWS's answer for a 1,000-execution account
    where other functions already hold 850 is modeled."""
    from aws_helpers import deploy, make_app, make_artifact, make_context

    from lw.core.errors import ConfigError

    answer(
        "lambda",
        "GetAccountSettings",
        lambda params, real: {"AccountLimit": {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 150}},
    )
    with pytest.raises(ConfigError, match="would leave 50 unreserved executions .* below AWS's minimum of 100"):
        deploy(
            make_context(make_app(tmp_path, apigateway=False, reserved_concurrency=100)), make_artifact(tmp_path / "a")
        )
    deploy(make_context(make_app(tmp_path, apigateway=False, reserved_concurrency=50)), make_artifact(tmp_path / "a"))
    assert (
        boto3.client("lambda").get_function_concurrency(FunctionName="demo-dev")["ReservedConcurrentExecutions"] == 50
    )


# --------------------------------------------------------------------------- finding 11: undeploy of a VPC function


def test_undeploy_keeps_the_role_until_lambda_released_its_network_interfaces(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call_counter
) -> None:
    """moto creates no Lambda interfaces and deletes nothing later: one is made the
    way Lambda names it and removed by "Lambda" on the second wait."""
    from aws_helpers import deploy, make_app, make_artifact, make_context, undeploy

    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]
    settings = {"apigateway": False, "vpc_config": {"SubnetIds": [subnet], "SecurityGroupIds": [group]}}
    deploy(make_context(make_app(tmp_path, **settings)), make_artifact(tmp_path / "a"))
    eni = ec2.create_network_interface(
        SubnetId=subnet, Groups=[group], Description="AWS Lambda VPC ENI-demo-dev-0f1e2d3c"
    )["NetworkInterface"]
    waits: list[float] = []

    def lambda_releases_later(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])

    monkeypatch.setattr("lw.providers.aws.waits.sleep", lambda_releases_later)
    call_counter.clear()
    undeploy(make_context(make_app(tmp_path, **settings)))
    calls = call_counter.calls
    assert waits == [15.0, 15.0]
    last_describe = max(i for i, c in enumerate(calls) if c == ("ec2", "DescribeNetworkInterfaces"))
    assert calls.index(("iam", "DeleteRole")) > last_describe > calls.index(("lambda", "DeleteFunction"))


def test_undeploy_stops_before_the_role_when_interfaces_outlast_the_wait(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_helpers import deploy, make_app, make_artifact, make_context, undeploy

    from lw.core.errors import LwError
    from lw.providers.aws import vpc_release

    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    settings = {"apigateway": False, "vpc_config": {"SubnetIds": [subnet], "SecurityGroupIds": []}}
    deploy(make_context(make_app(tmp_path, **settings)), make_artifact(tmp_path / "a"))
    ec2.create_network_interface(SubnetId=subnet, Description="AWS Lambda VPC ENI-demo-dev-stuck")
    now = [0.0]
    monkeypatch.setattr(vpc_release, "clock", lambda: now[0])
    monkeypatch.setattr("lw.providers.aws.waits.sleep", lambda s: now.__setitem__(0, now[0] + s))
    with pytest.raises(LwError, match="still held by Lambda after 40 minutes; the execution role is kept"):
        undeploy(make_context(make_app(tmp_path, **settings)))
    assert boto3.client("iam").get_role(RoleName="demo-dev")
