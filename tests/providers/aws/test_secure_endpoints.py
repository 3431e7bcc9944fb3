"""Secure endpoints through the real CLI against moto: API keys with usage plans, IAM
auth, Lambda authorizers (same function or an ARN), Cognito and JWT authorizers.

moto keeps the REST API's paths but not the security schemes of an imported OpenAPI
document, so for REST the schemes are checked in the document lw sent (``sent_documents``)
and everything else (keys, plans, permissions, HTTP API authorizers) on moto itself.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_helpers import leftovers, lw_json, lw_run
from secure_helpers import NAME, configure, deploy_ok, project, project_template, sent_documents  # noqa: F401

from lw.runtime.aws import make_handler

ALIAS_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{NAME}:live"


def _any_methods(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [item["x-amazon-apigateway-any-method"] for item in document["paths"].values()]


def _rest_api() -> dict[str, Any]:
    [api] = boto3.client("apigateway").get_rest_apis()["items"]
    return api


def _alias_policy() -> dict[str, dict[str, Any]]:
    policy = boto3.client("lambda").get_policy(FunctionName=NAME, Qualifier="live")["Policy"]
    return {s["Sid"]: s for s in json.loads(policy)["Statement"]}


# --------------------------------------------------------------------------- API keys


def test_api_key_usage_plan_shown_once_idempotent_switch_off(project: Path, call_counter, sent_documents) -> None:
    configure(
        project,
        api_key_required=True,
        usage_plan={"throttle": {"rate": 10, "burst": 20}, "quota": {"limit": 1000, "period": "day"}},
    )
    first = deploy_ok(project)
    apigw = boto3.client("apigateway")
    [key] = apigw.get_api_keys(includeValues=True)["items"]
    assert key["name"] == NAME and key["enabled"] and key["tags"]["lw:stage"] == "dev"
    assert f"API key (shown only now, store it safely): {key['value']}" in first.stderr
    assert key["value"] not in first.stdout  # stdout stays the URL alone
    [plan] = apigw.get_usage_plans()["items"]
    api = _rest_api()
    assert plan["apiStages"] == [{"apiId": api["id"], "stage": "dev"}]
    assert plan["throttle"] == {"rateLimit": 10.0, "burstLimit": 20}
    assert plan["quota"]["limit"] == 1000 and plan["quota"]["period"] == "DAY"
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]] == [key["id"]]
    document = sent_documents.last
    assert document["x-amazon-apigateway-api-key-source"] == "HEADER"
    assert document["components"]["securitySchemes"]["lw_api_key"] == {
        "type": "apiKey",
        "name": "x-api-key",
        "in": "header",
    }
    assert all(m["security"] == [{"lw_api_key": []}] for m in _any_methods(document))

    call_counter.clear()
    again = deploy_ok(project)
    assert call_counter.mutating == []
    assert "API key" not in again.stderr  # never shown again
    assert lw_json(project, "deploy").get("api_key") is None
    status = lw_json(project, "status")
    assert status["api_key"] == f"{NAME} ({key['id']})" and key["value"] not in json.dumps(status)
    assert "rateLimit 10" in status["usage_plan"] and "period DAY" in status["usage_plan"]

    configure(project, api_key_required=True, usage_plan={"throttle": {"rate": 5, "burst": 20}})
    call_counter.clear()
    deploy_ok(project)
    assert call_counter.mutating == [("apigateway", "UpdateUsagePlan")]
    [plan] = apigw.get_usage_plans()["items"]
    assert plan["throttle"]["rateLimit"] == 5.0 and not plan.get("quota")

    configure(project)
    call_counter.clear()
    deploy_ok(project)
    assert apigw.get_api_keys()["items"] == [] and apigw.get_usage_plans()["items"] == []
    assert "components" not in sent_documents.last
    assert ("apigateway", "DeleteApiKey") in call_counter.mutating


def test_api_key_dry_run_writes_nothing_and_undeploy_removes_key_and_plan(project: Path, call_counter) -> None:
    configure(project, api_key_required=True)
    preview = lw_run(project, "deploy", "--dry-run")
    assert preview.exit_code == 0, preview.stderr
    assert call_counter.mutating == []
    assert "create API key flask-hello-dev" in preview.stdout and "create usage plan flask-hello-dev" in preview.stdout
    deploy_ok(project)
    removed = lw_run(project, "undeploy", "--yes")
    assert removed.exit_code == 0, removed.stderr
    apigw = boto3.client("apigateway")
    assert apigw.get_api_keys()["items"] == [] and apigw.get_usage_plans()["items"] == []
    assert leftovers(NAME, "flask-hello", "dev") == []


def test_switching_to_http_api_releases_the_key_first(project: Path, call_counter) -> None:
    configure(project, api_key_required=True)
    deploy_ok(project)
    configure(project, apigateway="http")
    call_counter.clear()
    deploy_ok(project)
    deletes = [op for _, op in call_counter.mutating if op.startswith("Delete")]
    assert deletes.index("DeleteUsagePlan") < deletes.index("DeleteRestApi")
    assert boto3.client("apigateway").get_usage_plans()["items"] == []


# --------------------------------------------------------------------------- IAM


def test_iam_authorization_on_rest_http_and_function_url(project: Path, call_counter, sent_documents) -> None:
    configure(project, iam_authorization=True, function_url=True)
    deploy_ok(project)
    scheme = sent_documents.last["components"]["securitySchemes"]["lw_sigv4"]
    assert scheme["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert all(m["security"] == [{"lw_sigv4": []}] for m in _any_methods(sent_documents.last))
    url = boto3.client("lambda").get_function_url_config(FunctionName=NAME, Qualifier="live")
    assert url["AuthType"] == "AWS_IAM"
    assert "lw-function-url" not in _alias_policy()  # no public statement

    configure(project, iam_authorization=True, apigateway="http")
    deploy_ok(project)
    v2 = boto3.client("apigatewayv2")
    [api] = v2.get_apis()["Items"]
    [route] = v2.get_routes(ApiId=api["ApiId"])["Items"]
    assert route["AuthorizationType"] == "AWS_IAM"
    call_counter.clear()
    deploy_ok(project)
    assert call_counter.mutating == []

    configure(project, apigateway="http")
    deploy_ok(project)
    [route] = v2.get_routes(ApiId=api["ApiId"])["Items"]
    assert route["AuthorizationType"] == "NONE"


# --------------------------------------------------------------------------- Lambda authorizers


def _settings_in_package(project: Path) -> dict[str, Any]:
    [artifact] = (project / ".lw" / "dist").glob("*.zip")
    with zipfile.ZipFile(artifact) as archive:
        return json.loads(archive.read("lw_settings.json"))


def test_rest_authorizer_served_by_the_same_function(project: Path, call_counter, sent_documents) -> None:
    configure(
        project,
        authorizer={"function": "app.check", "type": "TOKEN", "result_ttl": 60, "validation_expression": "^Bearer .+$"},
    )
    deploy_ok(project)
    api = _rest_api()
    scheme = sent_documents.last["components"]["securitySchemes"]["lw_authorizer"]
    assert scheme["x-amazon-apigateway-authtype"] == "custom"
    assert scheme["x-amazon-apigateway-authorizer"] == {
        "type": "token",
        "authorizerResultTtlInSeconds": 60,
        "authorizerUri": f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ALIAS_ARN}/invocations",
        "identitySource": "method.request.header.Authorization",
        "identityValidationExpression": "^Bearer .+$",
    }
    assert all(m["security"] == [{"lw_authorizer": []}] for m in _any_methods(sent_documents.last))
    statement = _alias_policy()["lw-apigateway-authorizer"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert (
        statement["Condition"]["ArnLike"]["AWS:SourceArn"]
        == f"arn:aws:execute-api:us-east-1:123456789012:{api['id']}/*"
    )
    assert _settings_in_package(project)["authorizer"] == "app.check"

    call_counter.clear()
    deploy_ok(project)
    assert call_counter.mutating == []

    configure(project)
    deploy_ok(project)
    assert "lw-apigateway-authorizer" not in _alias_policy()
    assert "components" not in sent_documents.last
    assert "authorizer" not in _settings_in_package(project)


def _external_function(name: str = "shared-authorizer") -> str:
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("auth.py", "def check(event, context):\n    return {}\n")
    created = boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Role=role, Handler="auth.check", Code={"ZipFile": buffer.getvalue()}
    )
    return created["FunctionArn"]


def test_rest_authorizer_by_arn_gets_a_stage_named_permission_removed_on_undeploy(
    project: Path, call_counter, sent_documents
) -> None:
    arn = _external_function()
    configure(
        project,
        authorizer={
            "arn": arn,
            "type": "REQUEST",
            "identity_source": ["method.request.header.X-Token", "method.request.querystring.tenant"],
            "result_ttl": 0,
        },
    )
    deploy_ok(project)
    spec = sent_documents.last["components"]["securitySchemes"]["lw_authorizer"]["x-amazon-apigateway-authorizer"]
    assert spec["type"] == "request" and spec["authorizerResultTtlInSeconds"] == 0
    assert spec["identitySource"] == "method.request.header.X-Token, method.request.querystring.tenant"
    assert arn in spec["authorizerUri"]
    policy = json.loads(boto3.client("lambda").get_policy(FunctionName=arn)["Policy"])
    [statement] = policy["Statement"]
    assert statement["Sid"] == "lw-flask-hello-dev-authorizer"
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(f":{_rest_api()['id']}/*")
    assert "lw-apigateway-authorizer" not in _alias_policy()
    assert "authorizer" not in _settings_in_package(project)

    call_counter.clear()
    deploy_ok(project)
    assert call_counter.mutating == []

    assert lw_run(project, "undeploy", "--yes").exit_code == 0
    lam = boto3.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):  # its only statement is gone
        lam.get_policy(FunctionName=arn)
    assert boto3.client("lambda").get_function(FunctionName=arn)  # the user's function stays


def test_cognito_user_pool_on_rest(project: Path, sent_documents) -> None:
    pool = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"
    configure(project, cognito_user_pool=pool, api_key_required=True)
    deploy_ok(project)
    schemes = sent_documents.last["components"]["securitySchemes"]
    assert schemes["lw_cognito"]["x-amazon-apigateway-authorizer"] == {
        "type": "cognito_user_pools",
        "providerARNs": [pool],
    }
    # a key AND a user: both in one requirement object
    assert all(m["security"] == [{"lw_api_key": [], "lw_cognito": []}] for m in _any_methods(sent_documents.last))


def test_http_api_jwt_authorizer_lifecycle(project: Path, call_counter) -> None:
    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
    configure(project, apigateway="http", jwt_authorizer={"issuer": issuer, "audience": "client-1"})
    deploy_ok(project)
    v2 = boto3.client("apigatewayv2")
    [api] = v2.get_apis()["Items"]
    [route] = v2.get_routes(ApiId=api["ApiId"])["Items"]
    assert route["AuthorizationType"] == "JWT"
    authorizer = v2.get_authorizer(ApiId=api["ApiId"], AuthorizerId=route["AuthorizerId"])
    assert authorizer["AuthorizerType"] == "JWT" and authorizer["Name"] == NAME
    assert authorizer["JwtConfiguration"] == {"Issuer": issuer, "Audience": ["client-1"]}
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]

    call_counter.clear()
    deploy_ok(project)
    assert call_counter.mutating == []

    configure(project, apigateway="http", jwt_authorizer={"issuer": issuer, "audience": ["client-1", "client-2"]})
    call_counter.clear()
    deploy_ok(project)
    assert call_counter.mutating == [("apigatewayv2", "UpdateAuthorizer")]

    configure(project, apigateway="http")
    call_counter.clear()
    deploy_ok(project)
    assert call_counter.mutating == [("apigatewayv2", "UpdateRoute"), ("apigatewayv2", "DeleteAuthorizer")]
    [route] = v2.get_routes(ApiId=api["ApiId"])["Items"]
    assert route["AuthorizationType"] == "NONE" and not route.get("AuthorizerId")


def test_http_api_lambda_authorizer_from_the_app(project: Path, call_counter) -> None:
    configure(project, apigateway="http", authorizer={"function": "app.check", "result_ttl": 30})
    deploy_ok(project)
    v2 = boto3.client("apigatewayv2")
    [api] = v2.get_apis()["Items"]
    [route] = v2.get_routes(ApiId=api["ApiId"])["Items"]
    assert route["AuthorizationType"] == "CUSTOM"
    authorizer = v2.get_authorizer(ApiId=api["ApiId"], AuthorizerId=route["AuthorizerId"])
    assert authorizer["AuthorizerType"] == "REQUEST" and ALIAS_ARN in authorizer["AuthorizerUri"]
    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0" and authorizer["AuthorizerResultTtlInSeconds"] == 30
    call_counter.clear()
    deploy_ok(project)
    assert call_counter.mutating == []
    assert lw_run(project, "undeploy", "--yes").exit_code == 0
    assert leftovers(NAME, "flask-hello", "dev") == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"jwt_authorizer": {"issuer": "https://x", "audience": "a"}}, "jwt_authorizer needs an HTTP API"),
        ({"apigateway": "http", "api_key_required": True}, "HTTP APIs have no API keys"),
        (
            {
                "apigateway": "http",
                "cognito_user_pool": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_p",
            },
            "cognito_user_pool needs a REST API",
        ),
        ({"iam_authorization": True, "authorizer": {"function": "app.check"}}, "cannot be combined"),
        (
            {"authorizer": {"function": "app.check", "arn": "arn:aws:lambda:us-east-1:123456789012:function:f"}},
            "exactly one of",
        ),
        ({"authorizer": {"function": "app.check", "type": "COOKIE"}}, "TOKEN or REQUEST"),
        ({"authorizer": {"function": "app.check", "ttl": 5}}, "unknown key(s) ttl"),
        ({"api_key_required": True, "usage_plan": {"quota": {"limit": 5}}}, "usage_plan.quota needs"),
        ({"apigateway": False, "function_url": True, "api_key_required": True}, "needs an API Gateway"),
    ],
)
def test_settings_the_front_door_cannot_enforce_fail_before_any_write(
    project: Path, call_counter, settings: dict[str, Any], message: str
) -> None:
    configure(project, **settings)
    result = lw_run(project, "deploy")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and "lw.yml" in result.stderr and "Traceback" not in result.stderr
    assert call_counter.mutating == []


# --------------------------------------------------------------------------- runtime


def _whoami(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json")])
    body = {"user": environ.get("REMOTE_USER"), "authorizer": environ.get("lw.authorizer")}
    return [json.dumps(body).encode()]


def test_runtime_answers_authorizer_events_with_the_configured_function() -> None:
    seen: list[dict[str, Any]] = []

    def check(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        if event.get("authorizationToken") == "deny":
            raise Exception("Unauthorized")
        return {"principalId": "alice", "policyDocument": {}, "context": {"tenant": "t1"}}

    handler = make_handler(_whoami, authorizer=check)
    token = {
        "type": "TOKEN",
        "authorizationToken": "Bearer x",
        "methodArn": "arn:aws:execute-api:us-east-1:1:api/dev/GET/",
    }
    assert handler(token)["principalId"] == "alice"
    # A REQUEST event carries httpMethod and requestContext: it must not be served as a request.
    request = {
        "type": "REQUEST",
        "methodArn": token["methodArn"],
        "httpMethod": "GET",
        "path": "/",
        "headers": {"X-Token": "t"},
        "requestContext": {"stage": "dev"},
    }
    assert handler(request)["context"] == {"tenant": "t1"}
    v2 = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:1:api/$default/GET/",
        "requestContext": {"http": {"method": "GET", "path": "/"}},
    }
    assert handler(v2)["principalId"] == "alice"
    assert [e["type"] for e in seen] == ["TOKEN", "REQUEST", "REQUEST"]
    with pytest.raises(Exception, match="Unauthorized"):
        handler({**token, "authorizationToken": "deny"})


def test_runtime_without_authorizer_serves_requests_as_before() -> None:
    handler = make_handler(_whoami)
    event = {
        "type": "REQUEST",
        "methodArn": "arn",
        "httpMethod": "GET",
        "path": "/",
        "headers": {},
        "requestContext": {"stage": "$default"},
    }
    assert handler(event)["statusCode"] == 200


def test_authorizer_principal_and_context_reach_the_wsgi_environ() -> None:
    handler = make_handler(_whoami)
    event = {
        "httpMethod": "GET",
        "path": "/",
        "headers": {"Host": "example.com"},
        "requestContext": {"stage": "dev", "authorizer": {"principalId": "alice", "tenant": "t1"}},
    }
    body = json.loads(handler(event)["body"])
    assert body == {"user": "alice", "authorizer": {"principalId": "alice", "tenant": "t1"}}
    cognito = {**event, "requestContext": {"stage": "dev", "authorizer": {"claims": {"sub": "u-1"}}}}
    assert json.loads(handler(cognito)["body"])["user"] is not None
