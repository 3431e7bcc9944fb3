"""CORS with zero effort, through the real CLI against moto: REST ``OPTIONS`` mock
methods, the HTTP API's and the Function URL's native configurations, and the
runtime header on proxied responses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_helpers import lw_run
from secure_helpers import (  # noqa: F401
    NAME,
    configure,
    deploy_ok,
    moto_mock_integrations,
    project,
    project_template,
    sent_documents,
)

from lw.runtime.aws import make_handler
from lw.runtime.cors import CorsRules

ORIGINS = ["https://app.example.com", "https://admin.example.com"]
pytestmark = pytest.mark.usefixtures("moto_mock_integrations")


def _rest_methods() -> dict[str, dict[str, Any]]:
    apigw = boto3.client("apigateway")
    [api] = apigw.get_rest_apis()["items"]
    resources = apigw.get_resources(restApiId=api["id"], embed=["methods"])["items"]
    return {
        r["path"]: {"api": api["id"], "id": r["id"], "methods": sorted(r.get("resourceMethods") or {})}
        for r in resources
    }


def test_rest_preflight_is_a_mock_method_redeploy_is_free_and_off_removes_it(
    project: Path, call_counter, sent_documents
) -> None:
    configure(project, cors=True)
    deploy_ok(project)
    found = _rest_methods()
    # (moto names the imported ANY method after its OpenAPI extension)
    assert found["/"]["methods"] == found["/{proxy+}"]["methods"] == ["OPTIONS", "X-AMAZON-APIGATEWAY-ANY-METHOD"]
    apigw = boto3.client("apigateway")
    proxy = found["/{proxy+}"]
    integration = apigw.get_integration(restApiId=proxy["api"], resourceId=proxy["id"], httpMethod="OPTIONS")
    assert integration["type"].upper() == "MOCK"
    response = apigw.get_integration_response(
        restApiId=proxy["api"], resourceId=proxy["id"], httpMethod="OPTIONS", statusCode="200"
    )
    assert response["responseParameters"]["method.response.header.Access-Control-Allow-Origin"] == "'*'"
    assert "Authorization" in response["responseParameters"]["method.response.header.Access-Control-Allow-Headers"]
    options = sent_documents.last["paths"]["/{proxy+}"]["options"]
    assert options["security"] == []  # a preflight never needs a key or a token
    assert options["parameters"][0]["name"] == "proxy"
    assert sent_documents.last["x-amazon-apigateway-gateway-responses"]["DEFAULT_4XX"] == {
        "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}
    }

    call_counter.clear()
    deploy_ok(project)
    assert call_counter.mutating == []

    configure(project)
    deploy_ok(project)
    assert _rest_methods()["/"]["methods"] == ["X-AMAZON-APIGATEWAY-ANY-METHOD"]


def test_rest_several_origins_echo_the_allowed_one(project: Path, sent_documents) -> None:
    configure(
        project,
        cors={
            "allowed_origin": ORIGINS,
            "allow_credentials": True,
            "max_age": 600,
            "allowed_methods": ["get", "post"],
            "allowed_headers": "Content-Type, X-Token",
        },
        api_key_required=True,
    )
    deploy_ok(project)
    options = sent_documents.last["paths"]["/"]["options"]
    response = options["x-amazon-apigateway-integration"]["responses"]["default"]
    assert response["responseParameters"] == {
        "method.response.header.Access-Control-Allow-Origin": f"'{ORIGINS[0]}'",
        "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Token'",
        "method.response.header.Access-Control-Allow-Methods": "'GET,POST'",
        "method.response.header.Vary": "'Origin'",
        "method.response.header.Access-Control-Allow-Credentials": "'true'",
        "method.response.header.Access-Control-Max-Age": "'600'",
    }
    template = response["responseTemplates"]["application/json"]
    assert json.dumps(ORIGINS[1]) in template and "responseOverride.header.Access-Control-Allow-Origin" in template
    assert options["security"] == [] and sent_documents.last["paths"]["/"]["x-amazon-apigateway-any-method"][
        "security"
    ] == [{"lw_api_key": []}]
    assert "x-amazon-apigateway-gateway-responses" not in sent_documents.last


def test_http_api_native_cors_update_and_removal(project: Path, call_counter) -> None:
    configure(
        project, apigateway="http", cors={"allowed_origin": ORIGINS, "expose_headers": ["X-Request-Id"], "max_age": 300}
    )
    deploy_ok(project)
    v2 = boto3.client("apigatewayv2")
    [api] = v2.get_apis()["Items"]
    config = api["CorsConfiguration"]
    assert sorted(config["AllowOrigins"]) == sorted(ORIGINS) and config["MaxAge"] == 300
    assert config["ExposeHeaders"] == ["X-Request-Id"] and "OPTIONS" in config["AllowMethods"]

    call_counter.clear()
    deploy_ok(project)
    assert call_counter.mutating == []

    configure(project, apigateway="http", cors=True)
    call_counter.clear()
    deploy_ok(project)
    # the function is republished too: its package carries the policy (lw_settings.json)
    assert [c for c in call_counter.mutating if c[0] != "lambda"] == [("apigatewayv2", "UpdateApi")]
    assert v2.get_api(ApiId=api["ApiId"])["CorsConfiguration"]["AllowOrigins"] == ["*"]

    configure(project, apigateway="http")
    call_counter.clear()
    deploy_ok(project)
    assert [c for c in call_counter.mutating if c[0] != "lambda"] == [("apigatewayv2", "DeleteCorsConfiguration")]
    assert not v2.get_api(ApiId=api["ApiId"]).get("CorsConfiguration")


def test_function_url_cors(project: Path, call_counter) -> None:
    configure(project, apigateway=False, function_url=True, cors={"allowed_origin": ORIGINS[0], "max_age": 60})
    deploy_ok(project)
    lam = boto3.client("lambda")
    config = lam.get_function_url_config(FunctionName=NAME, Qualifier="live")["Cors"]
    assert config["AllowOrigins"] == [ORIGINS[0]] and config["MaxAge"] == 60
    # OPTIONS is left out: the URL answers preflights itself and takes six methods at most
    assert config["AllowMethods"] == ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"]

    call_counter.clear()
    deploy_ok(project)
    assert call_counter.mutating == []

    configure(
        project, apigateway=False, function_url=True, cors={"allowed_origin": ORIGINS, "allowed_methods": ["GET"]}
    )
    call_counter.clear()
    deploy_ok(project)
    assert ("lambda", "UpdateFunctionUrlConfig") in call_counter.mutating
    config = lam.get_function_url_config(FunctionName=NAME, Qualifier="live")["Cors"]
    assert config["AllowMethods"] == ["GET"] and sorted(config["AllowOrigins"]) == sorted(ORIGINS)


def test_cors_reaches_the_package_settings(project: Path) -> None:
    import zipfile

    configure(project, cors={"allowed_origin": ORIGINS})
    result = lw_run(project, "package")
    assert result.exit_code == 0, result.stderr
    [artifact] = (project / ".lw" / "dist").glob("*.zip")
    with zipfile.ZipFile(artifact) as archive:
        assert json.loads(archive.read("lw_settings.json"))["cors"] == {"allowed_origin": ORIGINS}


@pytest.mark.parametrize(
    ("cors", "message"),
    [
        ({"allowed_origin": "*", "allow_credentials": True}, "allow_credentials needs explicit allowed_origin"),
        ({"allowed_origin": ORIGINS, "max_age": 100000}, "cors.max_age must be at most 86400"),
        ({"origins": ORIGINS}, "origins"),
    ],
)
def test_bad_cors_settings_fail_before_any_write(
    project: Path, call_counter, cors: dict[str, Any], message: str
) -> None:
    configure(project, cors=cors)
    result = lw_run(project, "deploy")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert call_counter.mutating == []


# --------------------------------------------------------------------------- runtime


def _app(headers: list[tuple[str, str]]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), *headers])
        return [b"ok"]

    return app


def _rest_event(origin: str | None) -> dict[str, Any]:
    headers = {"Host": "example.com", **({"Origin": origin} if origin else {})}
    return {"httpMethod": "GET", "path": "/", "headers": headers, "requestContext": {"stage": "dev"}}


def _headers(response: dict[str, Any]) -> dict[str, list[str]]:
    return response["multiValueHeaders"]


def test_runtime_adds_allow_origin_to_proxied_responses() -> None:
    handler = make_handler(_app([]), cors=True)
    headers = _headers(handler(_rest_event("https://anywhere.example")))
    assert headers["Access-Control-Allow-Origin"] == ["*"] and "Vary" not in headers


def test_runtime_echoes_only_allowed_origins_with_credentials() -> None:
    handler = make_handler(
        _app([]), cors={"allowed_origin": ORIGINS, "allow_credentials": True, "expose_headers": "X-Request-Id"}
    )
    allowed = _headers(handler(_rest_event(ORIGINS[1])))
    assert allowed["Access-Control-Allow-Origin"] == [ORIGINS[1]] and allowed["Vary"] == ["Origin"]
    assert allowed["Access-Control-Allow-Credentials"] == ["true"]
    assert allowed["Access-Control-Expose-Headers"] == ["X-Request-Id"]
    refused = _headers(handler(_rest_event("https://evil.example")))
    assert "Access-Control-Allow-Origin" not in refused and refused["Vary"] == ["Origin"]


def test_runtime_leaves_an_apps_own_cors_headers_alone() -> None:
    handler = make_handler(_app([("Access-Control-Allow-Origin", "https://mine.example")]), cors=True)
    assert _headers(handler(_rest_event("https://x.example")))["Access-Control-Allow-Origin"] == [
        "https://mine.example"
    ]


def test_runtime_without_cors_adds_nothing_and_bad_setting_never_crashes() -> None:
    plain = _headers(make_handler(_app([]))(_rest_event("https://x.example")))
    assert "Access-Control-Allow-Origin" not in plain
    broken = make_handler(_app([]), cors={"allowed_origin": 5})
    assert broken(_rest_event("https://x.example"))["statusCode"] == 200


def test_cors_rules_parse() -> None:
    assert CorsRules.from_setting(False) is None and CorsRules.from_setting(None) is None
    rules = CorsRules.from_setting({"allowed_origin": "https://a, https://b", "allowed_methods": ["get"]})
    assert rules is not None and rules.origins == ("https://a", "https://b") and rules.methods == ("GET",)
    assert CorsRules.from_setting(True).origins == ("*",)
    with pytest.raises(ValueError, match="max_age"):
        CorsRules.from_setting({"max_age": -1})
