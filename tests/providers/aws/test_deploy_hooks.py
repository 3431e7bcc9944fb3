"""Deploy lifecycle through the provider hooks against moto server."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from aws_helpers import deploy, make_app, make_artifact, make_context, plan_deploy, undeploy

from lw.core.errors import ApplyError
from lw.core.plan import Plan, apply_plan
from lw.core.provider import RollbackTarget
from lw.providers.aws import function as function_module
from lw.providers.aws import plugin


def _alias_version(name: str = "demo-dev") -> str:
    return boto3.client("lambda").get_alias(FunctionName=name, Name="live")["FunctionVersion"]


def test_first_deploy_creates_role_function_alias_and_rest_api(aws_env: str, tmp_path: Path) -> None:
    ctx = make_context(make_app(tmp_path))
    plan, outputs = deploy(ctx, make_artifact(tmp_path / "a"))
    lam = boto3.client("lambda")
    config = lam.get_function(FunctionName="demo-dev")
    assert config["Configuration"]["Handler"] == "lw_handler.handler"
    assert config["Tags"]["lw:project"] == "demo" and config["Tags"]["lw:stage"] == "dev"
    assert _alias_version() == "1"
    role = boto3.client("iam").get_role(RoleName="demo-dev")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    policy = boto3.client("iam").get_role_policy(RoleName="demo-dev", PolicyName="lw-execution")["PolicyDocument"]
    resources = json.dumps(policy)
    assert "log-group:/aws/lambda/demo-dev" in resources and '"*"' not in resources
    apis = boto3.client("apigateway").get_rest_apis()["items"]
    assert [a["name"] for a in apis] == ["demo-dev"]
    assert outputs["urls"] == [f"https://{apis[0]['id']}.execute-api.us-east-1.amazonaws.com/dev/"]
    resources_api = boto3.client("apigateway").get_resources(restApiId=apis[0]["id"])["items"]
    assert sorted(r["path"] for r in resources_api) == ["/", "/{proxy+}"]
    statements = json.loads(lam.get_policy(FunctionName="demo-dev", Qualifier="live")["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["lw-apigateway-rest"]
    assert boto3.client("apigateway").get_stage(restApiId=apis[0]["id"], stageName="dev")


def test_unchanged_redeploy_makes_zero_mutating_calls(aws_env: str, tmp_path: Path, call_counter) -> None:
    ctx = make_context(make_app(tmp_path))
    artifact = make_artifact(tmp_path / "a")
    deploy(ctx, artifact)
    call_counter.clear()
    plan, _ = deploy(make_context(make_app(tmp_path)), artifact)
    assert plan.is_noop, plan.render()
    assert call_counter.mutating == []


def test_code_change_is_exactly_three_calls(aws_env: str, tmp_path: Path, call_counter) -> None:
    deploy(make_context(make_app(tmp_path)), make_artifact(tmp_path / "a"))
    call_counter.clear()
    deploy(make_context(make_app(tmp_path)), make_artifact(tmp_path / "b", "print('v2')\n"))
    assert call_counter.mutating == [
        ("lambda", "UpdateFunctionCode"),
        ("lambda", "PublishVersion"),
        ("lambda", "UpdateAlias"),
    ]
    assert _alias_version() == "2"


def test_config_change_updates_configuration_and_releases(aws_env: str, tmp_path: Path, call_counter) -> None:
    artifact = make_artifact(tmp_path / "a")
    deploy(make_context(make_app(tmp_path)), artifact)
    call_counter.clear()
    ctx = make_context(make_app(tmp_path, memory_size=1024, aws_environment_variables={"A": "1"}))
    plan, _ = deploy(ctx, artifact)
    assert call_counter.mutating == [
        ("lambda", "UpdateFunctionConfiguration"),
        ("lambda", "PublishVersion"),
        ("lambda", "UpdateAlias"),
    ]
    live = boto3.client("lambda").get_function_configuration(FunctionName="demo-dev", Qualifier="live")
    assert live["MemorySize"] == 1024 and live["Environment"]["Variables"] == {"A": "1"}
    assert "configuration changed: Environment, MemorySize" in plan.render()


def test_dry_run_plan_makes_no_mutating_calls(aws_env: str, tmp_path: Path, call_counter) -> None:
    plan = plan_deploy(make_context(make_app(tmp_path, function_url=True)), make_artifact(tmp_path / "a"))
    assert call_counter.mutating == []
    text = plan.render()
    for expected in (
        "create IAM role demo-dev",
        "create Lambda function demo-dev",
        "create REST API demo-dev",
        "create Lambda function URL",
    ):
        assert expected in " ".join(text.split()), text
    assert boto3.client("lambda").list_functions()["Functions"] == []


@pytest.mark.parametrize(
    "operation",
    [
        ("lambda", "UpdateFunctionCode"),
        ("lambda", "UpdateFunctionConfiguration"),
        ("lambda", "PublishVersion"),
        ("lambda", "UpdateAlias"),
        ("iam", "PutRolePolicy"),
    ],
)
def test_failure_at_each_step_keeps_alias_and_rerun_converges(
    aws_env: str, tmp_path: Path, fault, call_counter, operation: tuple[str, str]
) -> None:
    deploy(make_context(make_app(tmp_path)), make_artifact(tmp_path / "a"))
    new = make_artifact(tmp_path / "b", "print('v2')\n")
    settings = {
        "extra_permissions": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
        "memory_size": 1024,
    }
    fault.fail(*operation, "ServiceException", "boom", status=500)
    with pytest.raises(ApplyError) as info:
        deploy(make_context(make_app(tmp_path, **settings)), new)
    assert "boom" in str(info.value) and "\n" not in str(info.value)
    assert _alias_version() == "1"
    deploy(make_context(make_app(tmp_path, **settings)), new)
    assert _alias_version() == "2"
    sha = boto3.client("lambda").get_function_configuration(FunctionName="demo-dev", Qualifier="live")["CodeSha256"]
    assert sha == function_module.code_sha256(new.path)
    call_counter.clear()
    plan, _ = deploy(make_context(make_app(tmp_path, **settings)), new)
    assert call_counter.mutating == [], plan.render()


@pytest.mark.parametrize(
    "operation",
    [
        ("iam", "CreateRole"),
        ("iam", "PutRolePolicy"),
        ("lambda", "CreateFunction"),
        ("lambda", "CreateAlias"),
        ("apigateway", "CreateRestApi"),
        ("apigateway", "PutRestApi"),
        ("apigateway", "CreateDeployment"),
        ("lambda", "AddPermission"),
        ("events", "PutRule"),
        ("events", "PutTargets"),
    ],
)
def test_failure_during_first_deploy_converges(
    aws_env: str, tmp_path: Path, fault, call_counter, operation: tuple[str, str]
) -> None:
    artifact = make_artifact(tmp_path / "a")
    fault.fail(*operation, "ServiceException", "boom", status=500)
    with pytest.raises(ApplyError, match="boom"):
        deploy(make_context(make_app(tmp_path, keep_warm=True)), artifact)
    # half-made resources are found by name and tags and completed, never duplicated
    deploy(make_context(make_app(tmp_path, keep_warm=True)), artifact)
    apis = boto3.client("apigateway").get_rest_apis()["items"]
    assert len(apis) == 1
    assert boto3.client("apigateway").get_stage(restApiId=apis[0]["id"], stageName="dev")
    assert _alias_version() == "1"
    call_counter.clear()
    plan, _ = deploy(make_context(make_app(tmp_path, keep_warm=True)), artifact)
    assert call_counter.mutating == [], plan.render()


def test_iam_propagation_delay_is_retried(aws_env: str, tmp_path: Path, fault, monkeypatch) -> None:
    from lw.providers.aws import waits

    slept: list[float] = []
    monkeypatch.setattr(waits, "sleep", slept.append)
    fault.fail(
        "lambda",
        "CreateFunction",
        "InvalidParameterValueException",
        "The role defined for the function cannot be assumed by Lambda.",
        status=400,
        times=2,
    )
    deploy(make_context(make_app(tmp_path)), make_artifact(tmp_path / "a"))
    assert len(slept) == 2
    assert _alias_version() == "1"


def test_rollback_moves_alias(aws_env: str, tmp_path: Path) -> None:
    for n in (1, 2, 3):
        deploy(make_context(make_app(tmp_path)), make_artifact(tmp_path / str(n), f"print({n})\n"))
    assert _alias_version() == "3"
    ctx = make_context(make_app(tmp_path))
    apply_plan(Plan(changes=plugin.lw_rollback(ctx=ctx, target=RollbackTarget())))
    assert _alias_version() == "2"
    apply_plan(Plan(changes=plugin.lw_rollback(ctx=make_context(make_app(tmp_path)), target=RollbackTarget(steps=1))))
    assert _alias_version() == "1"
    apply_plan(
        Plan(changes=plugin.lw_rollback(ctx=make_context(make_app(tmp_path)), target=RollbackTarget(version="3")))
    )
    assert _alias_version() == "3"
    # deploying again after a rollback releases $LATEST, which is version 3's code
    plan, _ = deploy(make_context(make_app(tmp_path)), make_artifact(tmp_path / "3", "print(3)\n"))
    assert plan.is_noop


def test_http_api_and_function_url_replace_rest(aws_env: str, tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path / "a")
    deploy(make_context(make_app(tmp_path)), artifact)
    plan, outputs = deploy(make_context(make_app(tmp_path, apigateway="http", function_url=True)), artifact)
    assert boto3.client("apigateway").get_rest_apis()["items"] == []
    apis = boto3.client("apigatewayv2").get_apis()["Items"]
    assert [a["Name"] for a in apis] == ["demo-dev"]
    routes = boto3.client("apigatewayv2").get_routes(ApiId=apis[0]["ApiId"])["Items"]
    assert [r["RouteKey"] for r in routes] == ["$default"]
    stages = boto3.client("apigatewayv2").get_stages(ApiId=apis[0]["ApiId"])["Items"]
    assert stages[0]["StageName"] == "$default" and stages[0]["AutoDeploy"] is True
    assert any("lambda-url" in u for u in outputs["urls"])
    sids = {
        s["Sid"]
        for s in json.loads(boto3.client("lambda").get_policy(FunctionName="demo-dev", Qualifier="live")["Policy"])[
            "Statement"
        ]
    }
    assert sids == {"lw-apigateway-http", "lw-function-url", "lw-function-url-invoke"}
    plan, again = deploy(make_context(make_app(tmp_path, apigateway="http", function_url=True)), artifact)
    assert plan.is_noop, plan.render()
    assert sorted(again["urls"]) == sorted(outputs["urls"])
    plan, _ = deploy(make_context(make_app(tmp_path, apigateway=False)), artifact)
    assert boto3.client("apigatewayv2").get_apis()["Items"] == []
    lam = boto3.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="demo-dev", Qualifier="live")


def test_existing_role_is_used_untouched(aws_env: str, tmp_path: Path, call_counter) -> None:
    iam = boto3.client("iam")
    arn = iam.create_role(
        RoleName="mine", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    call_counter.clear()
    deploy(make_context(make_app(tmp_path, role_arn=arn)), make_artifact(tmp_path / "a"))
    assert not [c for c in call_counter.mutating if c[0] == "iam"]
    assert boto3.client("lambda").get_function_configuration(FunctionName="demo-dev")["Role"] == arn
    undeploy(make_context(make_app(tmp_path, role_arn=arn)))
    assert iam.get_role(RoleName="mine")


def test_large_package_goes_through_s3(aws_env: str, tmp_path: Path, monkeypatch) -> None:
    from lw.providers.aws import code_upload

    monkeypatch.setattr(code_upload, "DIRECT_UPLOAD_LIMIT", 1000)
    artifact = make_artifact(tmp_path / "a", size_padding=5000)
    deploy(make_context(make_app(tmp_path)), artifact)
    s3 = boto3.client("s3")
    bucket = "demo-dev-lw-123456789012"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("lw/demo-dev/")
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert tags["lw:stage"] == "dev"
    undeploy(make_context(make_app(tmp_path)))
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize(
    "operation",
    [
        ("apigatewayv2", "CreateApi"),
        ("apigatewayv2", "CreateIntegration"),
        ("apigatewayv2", "CreateRoute"),
        ("apigatewayv2", "CreateStage"),
        ("lambda", "CreateFunctionUrlConfig"),
    ],
)
def test_http_api_and_url_failures_converge(
    aws_env: str, tmp_path: Path, fault, call_counter, operation: tuple[str, str]
) -> None:
    artifact = make_artifact(tmp_path / "a")
    settings = {"apigateway": "http", "function_url": True}
    fault.fail(*operation, "ServiceException", "boom", status=500)
    with pytest.raises(ApplyError, match="boom"):
        deploy(make_context(make_app(tmp_path, **settings)), artifact)
    _, outputs = deploy(make_context(make_app(tmp_path, **settings)), artifact)
    apis = boto3.client("apigatewayv2").get_apis()["Items"]
    assert len(apis) == 1
    api_id = apis[0]["ApiId"]
    v2 = boto3.client("apigatewayv2")
    assert [r["RouteKey"] for r in v2.get_routes(ApiId=api_id)["Items"]] == ["$default"]
    assert [i["PayloadFormatVersion"] for i in v2.get_integrations(ApiId=api_id)["Items"]] == ["2.0"]
    assert [st["StageName"] for st in v2.get_stages(ApiId=api_id)["Items"]] == ["$default"]
    assert len(outputs["urls"]) == 2
    call_counter.clear()
    plan, _ = deploy(make_context(make_app(tmp_path, **settings)), artifact)
    assert call_counter.mutating == [], plan.render()


def test_old_versions_are_pruned_but_rollback_target_kept(aws_env: str, tmp_path: Path, call_counter) -> None:
    # moto numbers a new version after the count of existing ones, so a publish after a
    # prune would reuse a number (AWS never does): prune only on the last release here.
    for n in range(1, 4):
        deploy(make_context(make_app(tmp_path)), make_artifact(tmp_path / str(n), f"{n}\n"))
    deploy(make_context(make_app(tmp_path, num_retained_versions=2)), make_artifact(tmp_path / "4", "4\n"))
    versions = [
        v["Version"] for v in boto3.client("lambda").list_versions_by_function(FunctionName="demo-dev")["Versions"]
    ]
    assert versions == ["$LATEST", "3", "4"]
    call_counter.clear()
    plan, _ = deploy(make_context(make_app(tmp_path, num_retained_versions=2)), make_artifact(tmp_path / "4", "4\n"))
    assert call_counter.mutating == [], plan.render()
