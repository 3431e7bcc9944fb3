"""The stage's HTTP front door: REST API, HTTP API and/or Function URL.

The REST API carries the exact OpenAPI document deploy publishes
(``http_rest.stage_definition``: routes, authorizers, CORS preflights), the HTTP API
the same integration, CORS and route authorization, the Function URL the same auth
type and CORS, so the exported front door behaves exactly like the deployed one.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.providers.aws import cors, http_rest, http_v2, names
from lw.providers.aws.function_url import auth_type
from lw.providers.aws.routes import gateway_kind
from lw.providers.aws.session import AwsSession
from lw.providers.aws.template.function import FUNCTION_ID
from lw.providers.aws.template.ids import short_hash
from lw.providers.aws.template.resources import TemplateParts, tag_map
from lw.providers.aws.template.security import (
    add_http_security,
    add_rest_security,
    execute_api_arn,
)

REST_ID = "RestApi"
HTTP_ID = "HttpApi"
URL_ID = "FunctionUrl"  # also the id SAM gives the URL it makes for FunctionUrlConfig


def add_front_doors(
    ctx: Context,
    aws: AwsSession,
    parts: TemplateParts,
    function: str,
    alias_arn: str,
    sam_function: dict[str, Any] | None,
) -> None:
    kind = gateway_kind(ctx)
    if kind == "rest":
        _rest(ctx, aws, parts, function, alias_arn)
    elif kind == "http":
        _http(ctx, aws, parts, function, alias_arn)
    if ctx.app.setting("function_url", False):
        _function_url(ctx, parts, alias_arn, sam_function)


def _rest(ctx: Context, aws: AwsSession, parts: TemplateParts, function: str, alias_arn: str) -> None:
    app = ctx.app
    name = names.api_name(app)
    document = http_rest.stage_definition(ctx, aws, function, alias_arn)
    marker = http_rest.definition_marker(document)
    binary = ["*/*"] if app.binary_support else []
    if parts.sam:
        properties: dict[str, Any] = {
            "Name": name,
            "Description": marker,
            "StageName": app.stage,
            "OpenApiVersion": "3.0.1",
            "DefinitionBody": document,
            "EndpointConfiguration": {"Type": "REGIONAL"},
            "Tags": tag_map(app.tags),
        }
        if binary:
            properties["BinaryMediaTypes"] = binary
        parts.add(REST_ID, "AWS::Serverless::Api", properties)
        stage_dependency = None
    else:
        properties = {
            "Name": name,
            "Description": marker,
            "Body": document,
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "Tags": names.tag_list(app),
        }
        if binary:
            properties["BinaryMediaTypes"] = binary
        parts.add(REST_ID, "AWS::ApiGateway::RestApi", properties)
        # A deployment is immutable: naming it after the definition redeploys on change.
        stage_dependency = f"RestApiDeployment{short_hash(marker)}"
        parts.add(
            stage_dependency,
            "AWS::ApiGateway::Deployment",
            {"RestApiId": {"Ref": REST_ID}, "StageName": app.stage, "Description": "lw deploy"},
        )
    parts.permission(
        "RestApiPermission",
        alias_arn,
        principal="apigateway.amazonaws.com",
        source_arn=execute_api_arn(REST_ID, "/*/*"),
    )
    add_rest_security(ctx, parts, REST_ID, stage_dependency, alias_arn)
    parts.output(
        "Url",
        {"Fn::Sub": f"https://${{{REST_ID}}}.execute-api.{aws.region}.amazonaws.com/{app.stage}/"},
        "The REST API's URL",
    )


def _http(ctx: Context, aws: AwsSession, parts: TemplateParts, function: str, alias_arn: str) -> None:
    app = ctx.app
    name = names.api_name(app)
    api: dict[str, Any] = {"Name": name, "ProtocolType": "HTTP", "Description": f"lw {name}", "Tags": tag_map(app.tags)}
    cors_config = cors.native_config(cors.rules(ctx))
    if cors_config:
        api["CorsConfiguration"] = cors_config
    parts.add(HTTP_ID, "AWS::ApiGatewayV2::Api", api)
    parts.add(
        "HttpApiIntegration",
        "AWS::ApiGatewayV2::Integration",
        {"ApiId": {"Ref": HTTP_ID}, **http_v2.integration_params(alias_arn)},
    )
    route: dict[str, Any] = {
        "ApiId": {"Ref": HTTP_ID},
        "RouteKey": http_v2.ROUTE,
        "Target": {"Fn::Sub": "integrations/${HttpApiIntegration}"},
    }
    add_http_security(ctx, aws, parts, HTTP_ID, route, function)
    parts.add("HttpApiRoute", "AWS::ApiGatewayV2::Route", route)
    if cors.needs_preflight_routes(ctx, str(route.get("AuthorizationType") or "NONE")):
        for index, key in enumerate(cors.PREFLIGHT_ROUTE_KEYS):
            parts.add(
                f"HttpApiPreflightRoute{index}",
                "AWS::ApiGatewayV2::Route",
                {
                    "ApiId": {"Ref": HTTP_ID},
                    "RouteKey": key,
                    "AuthorizationType": "NONE",
                    "Target": {"Fn::Sub": "integrations/${HttpApiIntegration}"},
                },
            )
    parts.add(
        "HttpApiStage",
        "AWS::ApiGatewayV2::Stage",
        {"ApiId": {"Ref": HTTP_ID}, "StageName": http_v2.STAGE, "AutoDeploy": True, "Tags": tag_map(app.tags)},
    )
    parts.permission(
        "HttpApiPermission", alias_arn, principal="apigateway.amazonaws.com", source_arn=execute_api_arn(HTTP_ID, "/*")
    )
    parts.output("Url", {"Fn::GetAtt": [HTTP_ID, "ApiEndpoint"]}, "The HTTP API's URL")


def _function_url(ctx: Context, parts: TemplateParts, alias_arn: str, sam_function: dict[str, Any] | None) -> None:
    auth = auth_type(ctx)
    config: dict[str, Any] = {"AuthType": auth}
    cors_config = cors.native_config(cors.rules(ctx), function_url=True)
    if cors_config:
        config["Cors"] = cors_config
    if sam_function is not None:
        # SAM makes the URL on the alias, and for NONE the InvokeFunctionUrl grant too.
        sam_function["FunctionUrlConfig"] = config
    else:
        parts.add(
            URL_ID,
            "AWS::Lambda::Url",
            {"TargetFunctionArn": {"Ref": FUNCTION_ID}, "Qualifier": names.ALIAS, **config},
            [parts.alias_id],
        )
        if auth == "NONE":
            parts.permission(
                "FunctionUrlPermission",
                alias_arn,
                principal="*",
                action="lambda:InvokeFunctionUrl",
                extra={"FunctionUrlAuthType": "NONE"},
            )
    if auth == "NONE":
        parts.permission("FunctionUrlInvokePermission", alias_arn, principal="*", extra={"InvokedViaFunctionUrl": True})
    parts.output("FunctionUrl", {"Fn::GetAtt": [URL_ID, "FunctionUrl"]}, "The function URL")
