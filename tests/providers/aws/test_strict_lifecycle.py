"""The AWS lifecycle through the real CLI against moto behind the strict layer
(strict_aws.py): every transitional state and propagation delay AWS has, in
milliseconds. Each finding of issue #11 has a test here that failed before its fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_helpers import leftovers, lw_json, lw_run
from secure_helpers import NAME, configure, deploy_ok, moto_mock_integrations, project, project_template  # noqa: F401

pytestmark = pytest.mark.usefixtures("moto_mock_integrations")


def _alias_version() -> str:
    return boto3.client("lambda").get_alias(FunctionName=NAME, Name="live")["FunctionVersion"]


def _touch(project: Path, text: str) -> None:
    (project / "app.py").write_text((project / "app.py").read_text() + f"\n# {text}\n")


def test_lifecycle_first_deploy_noop_code_config_rollback_undeploy(project: Path, strict_aws: Any) -> None:
    deploy_ok(project)
    # the new role could not be used at once, and lw waited it out
    assert ("lambda", "CreateFunction", "InvalidParameterValueException") in strict_aws.errors()
    assert _alias_version() == "1"

    strict_aws.journal.clear()
    again = deploy_ok(project)
    assert "no changes" in again.stderr
    assert [e for e in strict_aws.journal if not e[1].startswith(("Get", "List"))] == []

    _touch(project, "code-only change")
    deploy_ok(project)
    assert _alias_version() == "2"

    configure(project, memory_size=512, aws_environment_variables={"GREETING": "hi"})
    deploy_ok(project)
    live = boto3.client("lambda").get_function_configuration(FunctionName=NAME, Qualifier="live")
    assert live["MemorySize"] == 512 and _alias_version() == "3"

    assert lw_run(project, "rollback").exit_code == 0
    assert _alias_version() == "2"
    removed = lw_run(project, "undeploy", "--yes")
    assert removed.exit_code == 0, removed.stderr
    strict_aws.settle()
    assert leftovers(NAME, "flask-hello", "dev") == []


def test_function_updates_wait_out_in_progress(project: Path, strict_aws: Any) -> None:
    """Code and configuration change in one deploy: the second update and the publish
    come while the first is InProgress unless lw waits."""
    deploy_ok(project)
    _touch(project, "v2")
    configure(project, memory_size=384)
    _touch(project, "v2")
    deploy_ok(project)
    assert not [e for e in strict_aws.errors() if e[2] == "ResourceConflictException"]
    live = boto3.client("lambda").get_function_configuration(FunctionName=NAME, Qualifier="live")
    assert live["MemorySize"] == 384


# --------------------------------------------------------------------------- finding 1


def test_rest_cors_preflight_with_binary_support_is_answered(project: Path, strict_aws: Any) -> None:
    configure(project, cors=True)  # binary_support defaults to true: */* is a binary media type
    deploy_ok(project)
    [api] = boto3.client("apigateway").get_rest_apis()["items"]
    status, headers = strict_aws.rest_preflight(api["id"], "/items/1")
    assert status == 200, "the mock integration could not transform the binary preflight request"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert strict_aws.rest_preflight(api["id"], "/")[0] == 200


# --------------------------------------------------------------------------- finding 2


@pytest.mark.parametrize("security", [
    {"jwt_authorizer": {"issuer": "https://issuer.example.com", "audience": ["app"]}},
    {"iam_authorization": True},
])
def test_http_api_cors_with_an_authorizer_lets_preflights_through(project: Path, strict_aws: Any,
                                                                  security: dict[str, Any]) -> None:
    configure(project, apigateway="http", cors=True, **security)
    deploy_ok(project)
    [api] = boto3.client("apigatewayv2").get_apis()["Items"]
    assert strict_aws.http_preflight(api["ApiId"], "/items/1")[0] == 204
    assert strict_aws.http_preflight(api["ApiId"], "/")[0] == 204
    routes = {r["RouteKey"]: r for r in boto3.client("apigatewayv2").get_routes(ApiId=api["ApiId"])["Items"]}
    assert routes["$default"]["AuthorizationType"] != "NONE"  # everything else still needs the authorizer

    configure(project, apigateway="http", **security)  # CORS off: the open OPTIONS routes go
    deploy_ok(project)
    keys = {r["RouteKey"] for r in boto3.client("apigatewayv2").get_routes(ApiId=api["ApiId"])["Items"]}
    assert keys == {"$default"}
