"""Regression tests for the AWS provider review findings (ownership, policies, names)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import boto3
import pytest
from cli_helpers import lw_run

NAME = "plain-dev"
APP = """def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]
"""


@pytest.fixture
def plain_project(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A dependency-free WSGI app, so packaging needs no network."""
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CI", "1")
    project = tmp_path / "plain"
    project.mkdir()
    (project / "app.py").write_text(APP)
    (project / "lw.yml").write_text("dev:\n  project_name: plain\n  app_function: app.app\n  runtime: python3.11\n")
    return project


def _foreign_function(name: str) -> str:
    """A function with the stage's name that somebody else made (no lw tags)."""
    iam = boto3.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="someone-else", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    lam = boto3.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": buffer.getvalue()},
        Tags={"owner": "someone-else"},
    )
    return lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"]


def test_deploy_refuses_a_function_lw_did_not_make(plain_project: Path, call_counter) -> None:
    sha = _foreign_function(NAME)
    call_counter.clear()
    result = lw_run(plain_project, "deploy")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert (
        f"Lambda function {NAME} exists but is not tagged lw:project=plain, lw:stage=dev; "
        "lw will not change a function it did not make"
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert call_counter.mutating == []
    assert boto3.client("lambda").get_function(FunctionName=NAME)["Configuration"]["CodeSha256"] == sha


def test_undeploy_leaves_a_function_lw_did_not_make(plain_project: Path, call_counter) -> None:
    sha = _foreign_function(NAME)
    call_counter.clear()
    result = lw_run(plain_project, "undeploy", "--yes")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "will not change a function it did not make" in result.stderr
    assert ("lambda", "DeleteFunction") not in call_counter.mutating
    assert boto3.client("lambda").get_function(FunctionName=NAME)["Configuration"]["CodeSha256"] == sha


def test_auto_policy_can_create_the_log_group(aws_env: str, tmp_path: Path) -> None:
    from aws_helpers import make_app, make_context

    from lw.providers.aws import iam
    from lw.providers.aws.session import AwsSession

    (tmp_path / "app.py").write_text(APP)
    ctx = make_context(make_app(tmp_path, iam_policy="auto"))
    fixed = iam.execution_policy(make_context(make_app(tmp_path)), AwsSession(), "demo-dev")["Statement"][0]
    auto = iam.execution_policy(ctx, AwsSession(), "demo-dev")
    logs = next(s for s in auto["Statement"] if s["Sid"] == "Logs")
    assert "logs:CreateLogGroup" in logs["Action"]
    assert "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/demo-dev" in logs["Resource"]
    assert logs == fixed  # one statement, built in one place


def test_recreated_rest_api_gets_a_permission_naming_it(aws_env: str, tmp_path: Path) -> None:
    from aws_helpers import deploy, make_app, make_artifact, make_context

    artifact = make_artifact(tmp_path / "a")
    deploy(make_context(make_app(tmp_path)), artifact)
    gateway = boto3.client("apigateway")
    old_id = gateway.get_rest_apis()["items"][0]["id"]
    gateway.delete_rest_api(restApiId=old_id)

    deploy(make_context(make_app(tmp_path)), artifact)
    new_id = gateway.get_rest_apis()["items"][0]["id"]
    assert new_id != old_id
    policy = boto3.client("lambda").get_policy(FunctionName="demo-dev", Qualifier="live")["Policy"]
    statement = next(s for s in json.loads(policy)["Statement"] if s["Sid"] == "lw-apigateway-rest")
    source = json.dumps(statement["Condition"])
    assert f":{new_id}/" in source and old_id not in source


def test_unchanged_big_package_redeploy_does_not_reupload(
    aws_env: str, tmp_path: Path, monkeypatch, call_counter
) -> None:
    from aws_helpers import deploy, make_app, make_artifact, make_context

    from lw.providers.aws import code_upload

    monkeypatch.setattr(code_upload, "DIRECT_UPLOAD_LIMIT", 1000)
    artifact = make_artifact(tmp_path / "a", size_padding=5000)
    deploy(make_context(make_app(tmp_path)), artifact)
    s3 = boto3.client("s3")
    bucket = "demo-dev-lw-123456789012"
    for item in s3.list_objects_v2(Bucket=bucket)["Contents"]:
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    call_counter.clear()
    plan, _ = deploy(make_context(make_app(tmp_path)), artifact)
    assert plan.is_noop, plan.render()
    assert call_counter.mutating == []


def test_default_bucket_keeps_the_account_id_when_shortened() -> None:
    from lw.providers.aws.names import default_bucket

    assert default_bucket("demo-dev", "123456789012", None) == "demo-dev-lw-123456789012"
    long = default_bucket("a" * 70 + "-dev", "123456789012", "eu-west-1")
    assert len(long) == 63 and long.endswith("-lw-123456789012-eu-west-1") and long.startswith("aaaa")
    assert default_bucket("My_Shop-dev", "123456789012", None) == "my-shop-dev-lw-123456789012"


@pytest.mark.parametrize("name", ["ab", "Upper-case", "under_score", "-leading", "trailing.", "a..b", "x" * 64])
def test_invalid_bucket_names_are_config_errors(tmp_path: Path, name: str) -> None:
    from aws_helpers import make_app

    from lw.core.errors import ConfigError
    from lw.providers.aws.names import artifact_bucket

    app = make_app(tmp_path, s3_bucket=name)
    with pytest.raises(ConfigError, match="s3_bucket: .* is not a valid S3 bucket name"):
        artifact_bucket(app, None)  # type: ignore[arg-type]  # never reached for a configured name


def test_package_bucket_calls_name_the_expected_owner(aws_env: str, tmp_path: Path, monkeypatch) -> None:
    from aws_helpers import deploy, make_app, make_artifact, make_context, undeploy
    from botocore.client import BaseClient

    from lw.providers.aws import code_upload

    seen: list[tuple[str, object]] = []
    original = BaseClient._make_api_call

    def spy(self, operation: str, params: dict) -> object:
        if self.meta.service_model.service_name == "s3" and operation != "CreateBucket":
            seen.append((operation, params.get("ExpectedBucketOwner")))
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", spy)
    monkeypatch.setattr(code_upload, "DIRECT_UPLOAD_LIMIT", 1000)
    deploy(make_context(make_app(tmp_path)), make_artifact(tmp_path / "a", size_padding=5000))
    undeploy(make_context(make_app(tmp_path)))
    operations = {op for op, _ in seen}
    assert {"HeadBucket", "PutObject", "ListObjectsV2", "DeleteObjects", "DeleteBucket"} <= operations
    assert all(owner == "123456789012" for _, owner in seen), seen


def test_regional_domain_seen_by_both_apis_is_removed_once(tmp_path: Path, monkeypatch) -> None:
    """Both API Gateway APIs report one regional domain and its mappings; moto keeps
    them apart, so the two reads are made to agree here as AWS's do."""
    from aws_helpers import make_app, make_context

    from lw.core.plan import Change
    from lw.providers.aws import dns, domain

    app = make_app(tmp_path, domain="api.example.com")
    remote = domain.RemoteDomain(
        name="api.example.com",
        kind="rest",
        certificate_arn="arn:cert",
        target="d-1.execute-api.us-east-1.amazonaws.com",
        target_zone_id="Z1",
        tags=dict(app.tags),
    )
    mapping = domain.Mapping(key="", api_id="abc123", stage="dev")
    monkeypatch.setattr(domain, "read_domain", lambda aws, name, kind: remote)
    monkeypatch.setattr(domain, "read_mappings", lambda aws, name, kind, apis=frozenset(): [mapping])
    monkeypatch.setattr(domain, "find_api_id", lambda ctx, aws, kind: "abc123")
    monkeypatch.setattr(dns, "find_zone", lambda aws, name: "Z-zone")
    monkeypatch.setattr(
        dns,
        "delete_alias_changes",
        lambda aws, zone, name, target, why: [
            Change("delete", f"alias record {name}", why, lambda o: None, step="delete alias record")
        ],
    )
    changes = domain.removal_changes(make_context(app), None)  # type: ignore[arg-type]
    steps = [c.step for c in changes]
    assert steps == ["delete domain mapping", "delete alias record", "delete custom domain"]


def test_environment_echoed_by_lambda_is_redacted() -> None:
    from botocore.exceptions import ClientError

    from lw.core.errors import ProviderError
    from lw.providers.aws.errors import aws_call, readable_changes, to_provider_error

    echoed = (
        "Lambda was unable to configure your environment variables because the environment variables you "
        'have provided exceeded the 4KB limit. String measured: {"DB_PASSWORD":"hunter2","A":"b"}'
    )
    exc = ClientError({"Error": {"Code": "InvalidParameterValueException", "Message": echoed}}, "UpdateFunction")
    message = str(to_provider_error("update", "Lambda function f", exc))
    assert "hunter2" not in message and "String measured: [redacted]" in message and "4KB limit" in message

    def fail() -> None:
        raise exc

    with pytest.raises(ProviderError) as raised:
        aws_call("update", "Lambda function f", fail)
    assert "hunter2" not in str(raised.value)
    from lw.core.plan import Change

    [change] = readable_changes([Change("update", "Lambda function f", "x", lambda o: fail())])
    with pytest.raises(ProviderError) as applied:
        change.apply({})  # type: ignore[misc]
    assert "hunter2" not in str(applied.value) and "[redacted]" in str(applied.value)


def test_wildcard_feature_grants_are_warned_about(aws_env: str, tmp_path: Path) -> None:
    from aws_helpers import make_app

    from lw.core.context import Context, Reporter
    from lw.providers.aws import iam
    from lw.providers.aws.session import AwsSession

    stream = io.StringIO()
    vpc = {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}
    app = make_app(tmp_path, xray_tracing=True, vpc_config=vpc)
    ctx = Context(app=app, reporter=Reporter(stream=stream), options={})
    iam.execution_policy(ctx, AwsSession(), "demo-dev")
    warnings = stream.getvalue().splitlines()
    assert any(w.startswith("warning: xray_tracing:") and "'*'" in w for w in warnings), warnings
    assert any(w.startswith("warning: vpc_config:") and "'*'" in w for w in warnings), warnings

    quiet = io.StringIO()
    iam.execution_policy(
        Context(app=make_app(tmp_path), reporter=Reporter(stream=quiet), options={}), AwsSession(), "demo-dev"
    )
    assert quiet.getvalue() == ""


def test_published_versions_reads_every_page_and_skips_latest() -> None:
    from lw.providers.aws.versions import published_versions, version_numbers

    pages = [
        {"Versions": [{"Version": "$LATEST"}, *({"Version": str(n)} for n in range(1, 51))]},
        {"Versions": [{"Version": "51"}, {"Version": "52"}]},
    ]

    class Paginator:
        def paginate(self, FunctionName: str) -> list[dict]:  # noqa: N803 - botocore's spelling
            assert FunctionName == "f"
            return pages

    class Lambda:
        def get_paginator(self, operation: str) -> Paginator:
            assert operation == "list_versions_by_function"
            return Paginator()

    class Session:
        def client(self, service: str) -> Lambda:
            return Lambda()

    assert len(published_versions(Session(), "f")) == 52  # type: ignore[arg-type]
    assert version_numbers(Session(), "f")[-3:] == [50, 51, 52]  # type: ignore[arg-type]
