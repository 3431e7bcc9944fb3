"""API Gateway REST API (v1): ``/`` and ``/{proxy+}``, ANY, proxied to the alias.

The whole API is one OpenAPI 3 document written with a single ``PutRestApi``
(overwrite) call instead of a dozen resource/method/integration calls; that is faster,
atomic, and avoids the per-method update calls some emulators lack. The document's
hash is kept in the API's description, so an unchanged API is recognised with one
read and left alone.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from lw.core.context import Context
from lw.core.plan import Change, Outputs
from lw.providers.aws import authorizers, cors, names
from lw.providers.aws.errors import read_or_none
from lw.providers.aws.outputs import add_url
from lw.providers.aws.permissions import grant_change, revoke_change
from lw.providers.aws.session import AwsSession

KIND = "REST API"
PENDING = "lw definition pending"


def definition(aws: AwsSession, app_name: str, alias_arn: str, binary: bool) -> dict[str, Any]:
    uri = f"arn:{aws.partition}:apigateway:{aws.region}:lambda:path/2015-03-31/functions/{alias_arn}/invocations"
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": uri, "passthroughBehavior": "when_no_match"}
    proxy_parameter = {"name": "proxy", "in": "path", "required": True, "schema": {"type": "string"}}
    document: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": app_name, "version": "lw"},
        "paths": {
            "/": {"x-amazon-apigateway-any-method": {"responses": {}, "x-amazon-apigateway-integration": integration}},
            "/{proxy+}": {
                "x-amazon-apigateway-any-method": {
                    "parameters": [proxy_parameter],
                    "responses": {},
                    "x-amazon-apigateway-integration": integration,
                }
            },
        },
    }
    if binary:
        document["x-amazon-apigateway-binary-media-types"] = ["*/*"]
    return document


def stage_definition(ctx: Context, aws: AwsSession, function: str, alias_arn: str) -> dict[str, Any]:
    """The stage's complete document (authorizers, CORS preflights included): the one
    deploy publishes and ``lw template`` exports."""
    document = definition(aws, names.api_name(ctx.app), alias_arn, bool(ctx.app.binary_support))
    authorizers.secure_rest_document(document, ctx, aws, function)
    cors.add_rest_preflight(document, cors.rules(ctx))
    return document


def definition_marker(document: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:16]
    return f"lw definition {digest}"


def _publish_definition(client: Any, api_id: str, body: bytes, marker: str, stage: str) -> None:
    """Write the definition, deploy it to the stage, and only then record its hash: the
    description is the commit point, so a run that stopped half way is redone."""
    client.put_rest_api(restApiId=api_id, mode="overwrite", body=body)
    client.create_deployment(restApiId=api_id, stageName=stage, description="lw deploy")
    client.update_rest_api(
        restApiId=api_id, patchOperations=[{"op": "replace", "path": "/description", "value": marker}]
    )


def url(aws: AwsSession, api_id: str, stage: str) -> str:
    return f"https://{api_id}.execute-api.{aws.region}.amazonaws.com/{stage}/"


def find(ctx: Context, aws: AwsSession) -> dict[str, Any] | None:
    """The stage's REST API, by name and lw tags."""
    return names.find_owned_apigateway_item(aws, ctx.app, "get_rest_apis", "REST APIs")


def plan(
    ctx: Context, aws: AwsSession, function: str, alias_arn: str, statements: dict[str, dict[str, Any]]
) -> list[Change]:
    app = ctx.app
    client = aws.client("apigateway")
    name = names.api_name(app)
    stage = app.stage
    document = stage_definition(ctx, aws, function, alias_arn)
    marker = definition_marker(document)
    body = json.dumps(document).encode()
    binary = ["*/*"] if app.binary_support else []
    existing = find(ctx, aws)
    resource = f"{KIND} {name}"
    sid = names.SID_REST

    if existing is None:

        def create(outputs: Outputs) -> None:
            created = client.create_rest_api(
                name=name,
                description=PENDING,
                binaryMediaTypes=binary,
                tags=app.tags,
                endpointConfiguration={"types": ["REGIONAL"]},
            )
            api_id = outputs["rest_api_id"] = created["id"]
            _publish_definition(client, api_id, body, marker, stage)
            outputs["source_arn:" + sid] = names.execute_api_arn(aws, api_id) + "/*/*"
            add_url(outputs, url(aws, api_id, stage))

        return [
            Change("create", resource, f"new API, stage {stage}", create, step="create REST API"),
            grant_change(
                aws,
                function,
                sid,
                statements,
                principal="apigateway.amazonaws.com",
                source_pending=True,
                what="the REST API",
            ),
        ]

    api_id = existing["id"]
    public = url(aws, api_id, stage)
    changes: list[Change] = []
    if existing.get("description") != marker:

        def redeploy(outputs: Outputs) -> None:
            _publish_definition(client, api_id, body, marker, stage)

        why = "definition changed" if existing.get("description") != PENDING else "previous deploy did not finish"
        changes.append(
            Change(
                "update",
                resource,
                f"{why}; redeploy stage",
                redeploy,
                step="update REST API",
                outputs={"urls": [public]},
            )
        )
    elif read_or_none(f"{resource} stage {stage}", lambda: client.get_stage(restApiId=api_id, stageName=stage)) is None:

        def deploy_stage(outputs: Outputs) -> None:
            client.create_deployment(restApiId=api_id, stageName=stage, description="lw deploy")

        changes.append(
            Change(
                "create",
                f"{resource} stage {stage}",
                "stage missing",
                deploy_stage,
                step="deploy REST API stage",
                outputs={"urls": [public]},
            )
        )
    else:
        changes.append(Change("noop", resource, public, outputs={"urls": [public]}))
    changes.append(
        grant_change(
            aws,
            function,
            sid,
            statements,
            principal="apigateway.amazonaws.com",
            source_arn=names.execute_api_arn(aws, api_id) + "/*/*",
            what="the REST API",
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
    changes = revoke_change(aws, function, names.SID_REST, statements, "the REST API")
    if existing is not None:
        client = aws.client("apigateway")
        api_id = existing["id"]
        changes.append(
            Change(
                "delete",
                f"{KIND} {existing['name']} ({api_id})",
                reason,
                lambda o: client.delete_rest_api(restApiId=api_id),
                step="delete REST API",
            )
        )
    return changes


def current_url(ctx: Context, aws: AwsSession) -> str | None:
    existing = find(ctx, aws)
    return url(aws, existing["id"], ctx.app.stage) if existing else None
