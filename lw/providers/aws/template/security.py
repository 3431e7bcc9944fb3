"""Who may call the exported API: the same authorizers, API key and usage plan as
deploy, so an exported stage is never more open than the deployed one.

The REST API's security schemes are already in its OpenAPI document
(``http_rest.stage_definition``); what remains are the resources around it: invoke
grants for a Lambda authorizer, the API key and its usage plan, and on an HTTP API
the route's authorizer.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.providers.aws import api_keys, authorizers, names
from lw.providers.aws.session import AwsSession
from lw.providers.aws.template.resources import TemplateParts

_AUTHORIZER_PRINCIPAL = "apigateway.amazonaws.com"


def execute_api_arn(api_id: str, suffix: str) -> dict[str, str]:
    """The API's own ARN is only known once it exists; pseudo parameters keep the
    rest of it right in whichever account and region the stack lands."""
    return {
        "Fn::Sub": f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api_id}}}{suffix}"
    }


def add_rest_security(
    ctx: Context, parts: TemplateParts, api_id: str, stage_dependency: str | None, alias_arn: str
) -> None:
    app = ctx.app
    found = authorizers.security(app)
    if found.authorizer is not None:
        # The proxy grant covers <api>/*/*/* method ARNs, not <api>/authorizers/*.
        target = found.authorizer.arn or alias_arn
        parts.permission(
            "RestApiAuthorizerPermission",
            target,
            principal=_AUTHORIZER_PRINCIPAL,
            source_arn=execute_api_arn(api_id, "/*"),
        )
    if not found.api_key:
        return
    throttle, quota = api_keys.limits(app)
    parts.add(
        "ApiKey",
        "AWS::ApiGateway::ApiKey",
        {"Name": app.name, "Enabled": True, "Tags": names.tag_list(app)},
        [stage_dependency] if stage_dependency else None,
    )
    stage: Any = {"Ref": f"{api_id}.Stage"} if parts.sam else app.stage  # SAM: its generated stage
    plan: dict[str, Any] = {
        "UsagePlanName": app.name,
        "ApiStages": [{"ApiId": {"Ref": api_id}, "Stage": stage}],
        "Tags": names.tag_list(app),
    }
    if throttle:
        plan["Throttle"] = {_upper_first(k): v for k, v in throttle.items()}
    if quota:
        plan["Quota"] = {_upper_first(k): v for k, v in quota.items()}
    parts.add("UsagePlan", "AWS::ApiGateway::UsagePlan", plan, [stage_dependency] if stage_dependency else None)
    parts.add(
        "UsagePlanKey",
        "AWS::ApiGateway::UsagePlanKey",
        {"KeyId": {"Ref": "ApiKey"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "UsagePlan"}},
    )
    parts.output(
        "ApiKeyId",
        {"Ref": "ApiKey"},
        "The API key's id (its value: aws apigateway get-api-key --include-value --api-key <id>)",
    )


def add_http_security(
    ctx: Context, aws: AwsSession, parts: TemplateParts, api_id: str, route: dict[str, Any], function: str
) -> None:
    """The route's authorization, and its authorizer when there is one."""
    route_type, params = authorizers.http_route_auth(ctx, aws, function)
    if route_type == "NONE":
        return
    route["AuthorizationType"] = route_type
    if params is not None:
        parts.add("HttpApiAuthorizer", "AWS::ApiGatewayV2::Authorizer", {"ApiId": {"Ref": api_id}, **params})
        route["AuthorizerId"] = {"Ref": "HttpApiAuthorizer"}
    found = authorizers.security(ctx.app).authorizer
    if found is not None and found.arn:
        parts.permission(
            "HttpApiAuthorizerPermission",
            found.arn,
            principal=_AUTHORIZER_PRINCIPAL,
            source_arn=execute_api_arn(api_id, "/*"),
        )


def _upper_first(key: str) -> str:
    return key[:1].upper() + key[1:]
