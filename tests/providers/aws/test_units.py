"""The pure parts of the AWS provider: diffs, policies, names, errors, log filters."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest
from aws_helpers import deploy, make_app, make_artifact, make_context
from botocore.exceptions import ClientError, EndpointConnectionError

from lw.core.errors import ConfigError, ProviderError, UsageError
from lw.core.provider import LogQuery, RollbackTarget
from lw.providers.aws import concurrency, function, iam, logs, names, plugin, routes
from lw.providers.aws.errors import to_provider_error
from lw.providers.aws.rollback import _choose
from lw.providers.aws.session import AwsSession

ROLE = "arn:aws:iam::123456789012:role/r"


def test_aws_omissions_compare_equal_to_defaults(tmp_path: Path) -> None:
    wanted = function.desired_configuration(make_context(make_app(tmp_path)), ROLE, "lw_handler.handler")
    live = {
        "Runtime": "python3.11",
        "Role": ROLE,
        "Handler": "lw_handler.handler",
        "MemorySize": 512,
        "Timeout": 30,
        "Description": "lw demo dev",
        "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": [], "VpcId": ""},
    }
    assert function.configuration_diff(live, wanted) == {}


def test_turning_features_off_sends_explicit_empty_values(tmp_path: Path) -> None:
    wanted = function.desired_configuration(make_context(make_app(tmp_path)), ROLE, "h")
    live = {
        **wanted,
        "VpcConfig": {"SubnetIds": ["s"], "SecurityGroupIds": ["g"]},
        "DeadLetterConfig": {"TargetArn": "arn:aws:sqs:us-east-1:1:q"},
        "Layers": [{"Arn": "arn:aws:lambda:us-east-1:1:layer:x:1", "CodeSize": 3}],
    }
    diff = function.configuration_diff(live, wanted)
    assert diff == {
        "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": []},
        "DeadLetterConfig": {"TargetArn": ""},
        "Layers": [],
    }


def test_layers_compare_by_arn(tmp_path: Path) -> None:
    layer = "arn:aws:lambda:us-east-1:1:layer:x:1"
    wanted = function.desired_configuration(make_context(make_app(tmp_path, layers=[layer])), ROLE, "h")
    assert function.configuration_diff({**wanted, "Layers": [{"Arn": layer, "CodeSize": 1}]}, wanted) == {}


@pytest.mark.parametrize("value", [100, 20000, True, {"Size": 1}])
def test_ephemeral_storage_is_validated(tmp_path: Path, value: object) -> None:
    with pytest.raises(ConfigError, match="ephemeral_storage"):
        function.desired_configuration(make_context(make_app(tmp_path, ephemeral_storage=value)), ROLE, "h")


def test_every_lambda_setting_reaches_the_configuration(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        ephemeral_storage=1024,
        xray_tracing=True,
        layers=["arn:l"],
        vpc_config={"SubnetIds": ["b", "a"], "SecurityGroupIds": ["g"]},
        dead_letter_arn="arn:aws:sqs:us-east-1:1:dlq",
        aws_environment_variables={"K": 1},
        lambda_description="shop",
    )
    config = function.desired_configuration(make_context(app), ROLE, "h")
    assert config["EphemeralStorage"] == {"Size": 1024}
    assert config["TracingConfig"] == {"Mode": "Active"}
    assert config["VpcConfig"] == {"SubnetIds": ["a", "b"], "SecurityGroupIds": ["g"]}
    assert config["DeadLetterConfig"] == {"TargetArn": "arn:aws:sqs:us-east-1:1:dlq"}
    assert config["Environment"] == {"Variables": {"K": "1"}}
    assert config["Description"] == "shop" and config["Layers"] == ["arn:l"]
    snap = function.desired_configuration(make_context(make_app(tmp_path, snap_start=True)), ROLE, "h")
    assert snap["SnapStart"] == {"ApplyOn": "PublishedVersions"}


def test_reserved_concurrency_accepts_zappa_name(tmp_path: Path) -> None:
    assert concurrency.reserved(make_context(make_app(tmp_path, lambda_concurrency=5))) == 5
    assert concurrency.reserved(make_context(make_app(tmp_path, reserved_concurrency=3))) == 3
    with pytest.raises(ConfigError, match="reserved_concurrency"):
        concurrency.reserved(make_context(make_app(tmp_path, reserved_concurrency=-1)))


def test_reserved_concurrency_is_set_and_removed(aws_env: str, tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path / "a")
    deploy(make_context(make_app(tmp_path, reserved_concurrency=7)), artifact)
    lam = boto3.client("lambda")
    assert lam.get_function_concurrency(FunctionName="demo-dev")["ReservedConcurrentExecutions"] == 7
    plan, _ = deploy(make_context(make_app(tmp_path, reserved_concurrency=7)), artifact)
    assert plan.is_noop
    deploy(make_context(make_app(tmp_path)), artifact)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="demo-dev")


class _FakeProvisioned:
    def __init__(self, current: int | None) -> None:
        self.current = current
        self.calls: list[tuple[str, dict]] = []

    def get_provisioned_concurrency_config(self, **params: object) -> dict:
        if self.current is None:
            raise ClientError(
                {"Error": {"Code": "ProvisionedConcurrencyConfigNotFoundException", "Message": "none"}},
                "GetProvisionedConcurrencyConfig",
            )
        return {"RequestedProvisionedConcurrentExecutions": self.current}

    def put_provisioned_concurrency_config(self, **params: object) -> dict:
        self.calls.append(("put", params))
        return {}

    def get_alias(self, **params: object) -> dict:
        return {"FunctionVersion": "1"}  # settled: no routing weights

    def delete_provisioned_concurrency_config(self, **params: object) -> None:
        self.calls.append(("delete", params))


@pytest.mark.parametrize(
    "current, wanted, expected",
    [(None, 2, [("put", 2)]), (2, 2, []), (2, None, [("delete", None)]), (None, None, []), (1, 3, [("put", 3)])],
)
def test_provisioned_concurrency_follows_the_alias(tmp_path: Path, current, wanted, expected) -> None:
    from lw.core.plan import Plan, apply_plan

    fake = _FakeProvisioned(current)
    settings = {"provisioned_concurrency": wanted} if wanted is not None else {}
    changes = concurrency.plan_provisioned(
        make_context(make_app(tmp_path, **settings)), _FakeSession(fake), "demo-dev", alias_exists=True
    )
    assert all(c.phase == "release" for c in changes)
    apply_plan(Plan(changes=changes))
    assert [(kind, p.get("ProvisionedConcurrentExecutions")) for kind, p in fake.calls] == expected
    assert all(p["Qualifier"] == "live" for _, p in fake.calls)


def test_policy_is_least_privilege_plus_extras(aws_env: str, tmp_path: Path) -> None:
    extra = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    app = make_app(tmp_path, extra_permissions=[extra], dead_letter_arn="arn:aws:sns:us-east-1:1:t")
    policy = iam.execution_policy(make_context(app), AwsSession(), "demo-dev")
    logs_statement = policy["Statement"][0]
    assert logs_statement["Resource"] == [
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/demo-dev",
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/demo-dev:*",
    ]
    assert {
        "Sid": "DeadLetter",
        "Effect": "Allow",
        "Action": "sns:Publish",
        "Resource": "arn:aws:sns:us-east-1:1:t",
    } in policy["Statement"]
    assert policy["Statement"][-1] == extra


def test_bad_extra_permissions_and_iam_policy_file(aws_env: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="extra_permissions"):
        iam.execution_policy(make_context(make_app(tmp_path, extra_permissions=["s3:*"])), AwsSession(), "f")
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}
    (tmp_path / "policy.json").write_text(json.dumps(document))
    ctx = make_context(make_app(tmp_path, iam_policy="policy.json"))
    assert iam.execution_policy(ctx, AwsSession(), "f") == document
    with pytest.raises(ConfigError, match="cannot read"):
        iam.execution_policy(make_context(make_app(tmp_path, iam_policy="missing.json")), AwsSession(), "f")


def test_policy_change_is_one_put(aws_env: str, tmp_path: Path, call_counter) -> None:
    artifact = make_artifact(tmp_path / "a")
    deploy(make_context(make_app(tmp_path)), artifact)
    call_counter.clear()
    deploy(make_context(make_app(tmp_path, xray_tracing=True)), artifact)
    assert ("iam", "PutRolePolicy") in call_counter.mutating
    statements = boto3.client("iam").get_role_policy(RoleName="demo-dev", PolicyName="lw-execution")["PolicyDocument"][
        "Statement"
    ]
    assert any(s.get("Sid") == "XRay" for s in statements)


def test_manage_roles_false_needs_an_existing_role(aws_env: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="role_name"):
        iam.plan_role(make_context(make_app(tmp_path, manage_roles=False)), AwsSession(), "f")
    with pytest.raises(ConfigError, match="does not exist"):
        iam.plan_role(make_context(make_app(tmp_path, manage_roles=False, role_name="ghost")), AwsSession(), "f")
    boto3.client("iam").create_role(RoleName="given", AssumeRolePolicyDocument="{}")
    planned = iam.plan_role(make_context(make_app(tmp_path, manage_roles=False, role_name="given")), AwsSession(), "f")
    assert planned.changes == [] and planned.arn.endswith(":role/given")


def test_names_are_deterministic_and_bounded(tmp_path: Path) -> None:
    assert names.function_name(make_app(tmp_path)) == "demo-dev"
    with pytest.raises(ConfigError, match="longer than 64"):
        names.function_name(make_app(tmp_path, project="x" * 70))


def test_gateway_kinds(tmp_path: Path) -> None:
    def kind(value: object) -> str | None:
        return routes.gateway_kind(make_context(make_app(tmp_path, apigateway=value)))

    assert [kind(True), kind("rest"), kind("http"), kind("v2"), kind(False)] == ["rest", "rest", "http", "http", None]
    with pytest.raises(ConfigError, match="apigateway"):
        kind("websocket")


def test_errors_are_one_line_and_name_the_resource() -> None:
    denied = ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "not allowed\nsecond line"}}, "CreateFunction"
    )
    message = str(to_provider_error("create", "Lambda function demo-dev", denied))
    assert message == "create Lambda function demo-dev: access denied (AccessDeniedException: not allowed)"
    offline = to_provider_error("read", "IAM role demo-dev", EndpointConnectionError(endpoint_url="https://x"))
    assert "cannot reach AWS" in str(offline) and isinstance(offline, ProviderError)


def test_request_lines_are_recognised() -> None:
    line = '10.0.0.1 - - [26/Nov/2026:10:00:00 +0000] "POST /echo HTTP/1.1" 200 42 "-" "curl/8"'
    assert logs.is_request_line(line) and logs.is_request_line("[INFO] " + line)
    assert not logs.is_request_line("GET /echo happened")
    assert logs.wanted(line, True) and not logs.wanted(line, False) and logs.wanted(line, None)


def test_tail_polls_and_never_repeats_lines(aws_env: str, tmp_path: Path, monkeypatch) -> None:
    client = boto3.client("logs")
    client.create_log_group(logGroupName="/aws/lambda/demo-dev")
    client.create_log_stream(logGroupName="/aws/lambda/demo-dev", logStreamName="s")
    now = int(time.time() * 1000)
    client.put_log_events(
        logGroupName="/aws/lambda/demo-dev", logStreamName="s", logEvents=[{"timestamp": now - 10, "message": "first"}]
    )

    def more(seconds: float) -> None:
        client.put_log_events(
            logGroupName="/aws/lambda/demo-dev", logStreamName="s", logEvents=[{"timestamp": now, "message": "second"}]
        )

    monkeypatch.setattr(logs, "sleep", more)
    ctx = make_context(make_app(tmp_path))
    lines = list(logs.read_logs(ctx, AwsSession(), LogQuery(tail=True), polls=2))
    assert [line.split(" ", 2)[2] for line in lines] == ["first", "second"]


def test_logs_of_a_function_that_never_ran_are_empty(aws_env: str, tmp_path: Path) -> None:
    assert list(plugin.lw_logs(ctx=make_context(make_app(tmp_path)), query=LogQuery())) == []


def test_rollback_choices() -> None:
    assert _choose([1, 2, 3], "3", RollbackTarget(), "f") == "2"
    assert _choose([1, 2, 3], "3", RollbackTarget(steps=2), "f") == "1"
    assert _choose([1, 2, 3], "1", RollbackTarget(version="3"), "f") == "3"
    with pytest.raises(UsageError, match="only 0 earlier"):
        _choose([1, 2, 3], "1", RollbackTarget(), "f")
    with pytest.raises(UsageError, match="does not exist"):
        _choose([1, 2], "2", RollbackTarget(version="9"), "f")


def test_rollback_and_status_of_a_stage_never_deployed(aws_env: str, tmp_path: Path) -> None:
    ctx = make_context(make_app(tmp_path))
    with pytest.raises(ProviderError, match="not deployed"):
        plugin.lw_rollback(ctx=ctx, target=RollbackTarget())
    assert plugin.lw_status(ctx=ctx).deployed is False
    assert plugin.lw_undeploy(ctx=ctx, keep_logs=False) == []


def test_region_and_profile_precedence(aws_env: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert AwsSession.from_context(make_context(make_app(tmp_path))).region == "eu-west-1"
    assert AwsSession.from_context(make_context(make_app(tmp_path, aws_region="eu-north-1"))).region == "eu-north-1"
    ctx = make_context(make_app(tmp_path, aws_region="eu-north-1"), region="ap-south-1")
    assert AwsSession.from_context(ctx).region == "ap-south-1"
    with pytest.raises(ProviderError, match="profile 'ghost'"):
        AwsSession.from_context(make_context(make_app(tmp_path, profile_name="ghost")))


class _FakeLambda:
    def __init__(self, response: dict) -> None:
        self.response = response
        self.sent: dict = {}

    def invoke(self, **params: object) -> dict:
        self.sent = params
        return self.response


class _FakeSession:
    def __init__(self, client: _FakeLambda) -> None:
        self._client = client

    def client(self, name: str) -> _FakeLambda:
        return self._client


def test_invoke_reports_function_errors_and_log_tail(tmp_path: Path) -> None:
    import base64
    import io

    from lw.core.provider import InvokeRequest
    from lw.providers.aws.invoke import invoke

    fake = _FakeLambda(
        {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "LogResult": base64.b64encode(b"START\nboom\nEND").decode(),
            "Payload": io.BytesIO(b'{"errorType": "KeyError", "errorMessage": "\'x\'"}'),
        }
    )
    result = invoke(make_context(make_app(tmp_path)), _FakeSession(fake), InvokeRequest(manage="migrate"))
    assert result.error == "KeyError: 'x'" and "boom" in result.logs
    assert fake.sent["Qualifier"] == "live" and fake.sent["LogType"] == "Tail"
    assert json.loads(fake.sent["Payload"]) == {"lw_command": {"manage": "migrate"}}
    with pytest.raises(UsageError, match="allow_raw_invoke"):
        invoke(make_context(make_app(tmp_path)), _FakeSession(fake), InvokeRequest(raw="print(1)"))


def test_runtime_reads_and_auto_policy(aws_env: str, tmp_path: Path) -> None:
    app = make_app(tmp_path, environment_variables={"DB": "${ssm:/shop/db}"}, remote_env="s3://cfg/env.json")
    statements = iam.execution_policy(make_context(app), AwsSession(), "demo-dev")["Statement"]
    assert {
        "Sid": "LwSsmReferences",
        "Effect": "Allow",
        "Action": ["ssm:GetParameter"],
        "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/shop/db",
    } in statements
    assert any(s.get("Resource") == "arn:aws:s3:::cfg/env.json" for s in statements)

    (tmp_path / "app.py").write_text("import boto3\nboto3.client('dynamodb').get_item(TableName='orders', Key={})\n")
    auto = iam.execution_policy(make_context(make_app(tmp_path, iam_policy="auto")), AwsSession(), "demo-dev")
    assert "arn:aws:dynamodb:us-east-1:123456789012:table/orders" in json.dumps(auto)


def test_profile_from_option_setting_or_environment(aws_env: str, tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "config"
    config.write_text("[profile dev]\nregion = eu-west-3\n[profile ops]\nregion = ca-central-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert AwsSession.from_context(make_context(make_app(tmp_path), profile="dev")).region == "eu-west-3"
    assert AwsSession.from_context(make_context(make_app(tmp_path, profile_name="ops"))).region == "ca-central-1"
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert AwsSession.from_context(make_context(make_app(tmp_path))).region == "eu-west-3"


def test_aws_only_keys_load_from_lw_yml(tmp_path: Path) -> None:
    from lw.core import workflow

    (tmp_path / "lw.yml").write_text(
        "dev:\n  project_name: demo\n  app_function: app.app\n  num_retained_versions: 3\n"
        "  aws:\n    function_url_auth: AWS_IAM\n    lambda_concurrency: 4\n"
    )
    session = workflow.open_stage(tmp_path / "lw.yml", stage="dev", provider="aws")
    from lw.providers.aws import function_url, versions

    assert versions.retained(session.ctx) == 3
    assert function_url.auth_type(session.ctx) == "AWS_IAM"
    assert concurrency.reserved(session.ctx) == 4
    with pytest.raises(ConfigError, match="at least 2"):
        versions.retained(make_context(make_app(tmp_path, num_retained_versions=1)))


def test_a_role_lw_did_not_make_is_never_changed(aws_env: str, tmp_path: Path) -> None:
    boto3.client("iam").create_role(RoleName="demo-dev", AssumeRolePolicyDocument="{}")
    with pytest.raises(ProviderError, match="not tagged lw:project=demo"):
        iam.plan_role(make_context(make_app(tmp_path)), AwsSession(), "demo-dev")
