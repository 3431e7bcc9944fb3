"""API Gateway HTTP API (v2): one ``$default`` route, payload 2.0, auto-deployed stage.

Each piece (integration, route, stage) is checked and fixed on its own, so a deploy
that stopped half way is completed by the next run rather than duplicated.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.core.plan import Change, Outputs
from lw.providers.aws import authorizers, cors, names
from lw.providers.aws.errors import aws_call
from lw.providers.aws.outputs import add_url
from lw.providers.aws.permissions import grant_change, revoke_change
from lw.providers.aws.session import AwsSession

KIND = "HTTP API"
ROUTE = "$default"
STAGE = "$default"


def find(ctx: Context, aws: AwsSession) -> dict[str, Any] | None:
    client = aws.client("apigatewayv2")
    name = names.api_name(ctx.app)
    pages = aws_call("list", "HTTP APIs", lambda: list(client.get_paginator("get_apis").paginate()))
    for page in pages:
        for item in page.get("Items") or []:
            if (
                item.get("Name") == name
                and item.get("ProtocolType") == "HTTP"
                and names.owns(item.get("Tags"), ctx.app)
            ):
                return dict(item)
    return None


def integration_params(alias_arn: str) -> dict[str, Any]:
    return {
        "IntegrationType": "AWS_PROXY",
        "IntegrationUri": alias_arn,
        "PayloadFormatVersion": "2.0",
        "IntegrationMethod": "POST",
    }


def plan(
    ctx: Context, aws: AwsSession, function: str, alias_arn: str, statements: dict[str, dict[str, Any]]
) -> list[Change]:
    app = ctx.app
    client = aws.client("apigatewayv2")
    name = names.api_name(app)
    resource = f"{KIND} {name}"
    sid = names.SID_HTTP
    existing = find(ctx, aws)

    if existing is None:
        cors_config = cors.native_config(cors.rules(ctx))
        cors_kwargs = {"CorsConfiguration": cors_config} if cors_config else {}

        def create(outputs: Outputs) -> None:
            api = client.create_api(
                Name=name, ProtocolType="HTTP", Tags=app.tags, Description=f"lw {name}", **cors_kwargs
            )
            api_id = api["ApiId"]
            integration = client.create_integration(ApiId=api_id, **integration_params(alias_arn))
            route = client.create_route(
                ApiId=api_id, RouteKey=ROUTE, Target=f"integrations/{integration['IntegrationId']}"
            )
            outputs["http_api_id"], outputs["http_route_id"] = api_id, route["RouteId"]
            outputs["http_integration"] = integration["IntegrationId"]
            client.create_stage(ApiId=api_id, StageName=STAGE, AutoDeploy=True, Tags=app.tags)
            outputs["source_arn:" + sid] = names.execute_api_arn(aws, api_id)
            add_url(outputs, api["ApiEndpoint"].rstrip("/") + "/")

        return [
            Change(
                "create", resource, "new API with $default route and auto-deploy stage", create, step="create HTTP API"
            ),
            *authorizers.plan_http_route(ctx, aws, function, None, None, resource),
            *cors.plan_http_preflight_routes(ctx, client, None, [], None, authorizers.http_route_type(ctx), resource),
            grant_change(
                aws,
                function,
                sid,
                statements,
                principal="apigateway.amazonaws.com",
                source_pending=True,
                what="the HTTP API",
            ),
        ]

    api_id = existing["ApiId"]
    endpoint = str(existing.get("ApiEndpoint") or "").rstrip("/") + "/"
    changes: list[Change] = []
    integrations = aws_call("read", f"{resource} integrations", lambda: client.get_integrations(ApiId=api_id))
    ours = [i for i in integrations.get("Items") or [] if i.get("IntegrationUri") == alias_arn]
    wanted = integration_params(alias_arn)
    integration = ours[0] if ours else None
    routes = aws_call("read", f"{resource} routes", lambda: client.get_routes(ApiId=api_id)).get("Items") or []
    route = next((r for r in routes if r.get("RouteKey") == ROUTE), None)
    stages = aws_call("read", f"{resource} stages", lambda: client.get_stages(ApiId=api_id)).get("Items") or []
    stage = next((s for s in stages if s.get("StageName") == STAGE), None)

    if integration is None or integration.get("PayloadFormatVersion") != "2.0":

        def fix_integration(outputs: Outputs) -> None:
            if integration is None:
                created = client.create_integration(ApiId=api_id, **wanted)
                outputs["http_integration"] = created["IntegrationId"]
            else:
                client.update_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"], **wanted)
                outputs["http_integration"] = integration["IntegrationId"]

        changes.append(
            Change(
                "create" if integration is None else "update",
                f"{resource} integration",
                "must proxy to the live alias with payload 2.0",
                fix_integration,
                step="set HTTP API integration",
            )
        )
    target = f"integrations/{integration['IntegrationId']}" if integration else None
    if route is None or (target and route.get("Target") != target) or integration is None:

        def fix_route(outputs: Outputs) -> None:
            route_target = target or f"integrations/{outputs['http_integration']}"
            if route is None:
                created = client.create_route(ApiId=api_id, RouteKey=ROUTE, Target=route_target)
                outputs["http_route_id"] = created["RouteId"]
            else:
                client.update_route(ApiId=api_id, RouteId=route["RouteId"], Target=route_target)

        changes.append(
            Change(
                "create" if route is None else "update",
                f"{resource} route {ROUTE}",
                "must target the lw integration",
                fix_route,
                step="set HTTP API route",
            )
        )
    if stage is None or not stage.get("AutoDeploy"):

        def fix_stage(outputs: Outputs) -> None:
            if stage is not None:  # UpdateStage is not universally supported; recreate instead
                client.delete_stage(ApiId=api_id, StageName=STAGE)
            client.create_stage(ApiId=api_id, StageName=STAGE, AutoDeploy=True, Tags=app.tags)

        changes.append(
            Change(
                "create" if stage is None else "update",
                f"{resource} stage {STAGE}",
                "auto-deploy stage missing",
                fix_stage,
                step="set HTTP API stage",
            )
        )
    changes += cors.plan_http_api(ctx, client, existing, resource)
    changes += authorizers.plan_http_route(ctx, aws, function, api_id, route, resource)
    changes += cors.plan_http_preflight_routes(
        ctx,
        client,
        api_id,
        routes,
        integration["IntegrationId"] if integration else None,
        authorizers.http_route_type(ctx),
        resource,
    )
    if not changes:
        changes.append(Change("noop", resource, endpoint))
    changes[-1].outputs = {"urls": [endpoint]}
    changes.append(
        grant_change(
            aws,
            function,
            sid,
            statements,
            principal="apigateway.amazonaws.com",
            source_arn=names.execute_api_arn(aws, api_id),
            what="the HTTP API",
        )
    )
    return changes


def removal(
    ctx: Context,
    aws: AwsSession,
    function: str,
    statements: dict[str, dict[str, Any]],
    *,
    reason: str = "not configured for this stage",
) -> list[Change]:
    existing = find(ctx, aws)
    changes = revoke_change(aws, function, names.SID_HTTP, statements, "the HTTP API")
    if existing is not None:
        client = aws.client("apigatewayv2")
        api_id = existing["ApiId"]
        changes.append(
            Change(
                "delete",
                f"{KIND} {existing['Name']} ({api_id})",
                reason,
                lambda o: client.delete_api(ApiId=api_id),
                step="delete HTTP API",
            )
        )
    return changes


def current_url(ctx: Context, aws: AwsSession) -> str | None:
    existing = find(ctx, aws)
    return str(existing.get("ApiEndpoint") or "").rstrip("/") + "/" if existing else None
