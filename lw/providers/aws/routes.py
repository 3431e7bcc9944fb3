"""The HTTP front doors of a stage: the one configured is planned, the others removed.

Switching ``apigateway`` from ``rest`` to ``http`` (or turning it off) therefore
deletes the API that is no longer wanted instead of leaving it serving.
"""

from __future__ import annotations

from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.core.plan import Change
from lw.providers.aws import (
    access,
    alb,
    alb_config,
    domain,
    endpoint,
    footprint,
    function_url,
    http_rest,
    http_v2,
    names,
)
from lw.providers.aws.permissions import alias_statements, revoke_change
from lw.providers.aws.session import AwsSession


def gateway_kind(ctx: Context) -> str | None:
    """``rest`` (default), ``http`` or ``None`` (no API Gateway)."""
    value = ctx.app.setting("apigateway", "rest")
    if value is True or value is None:
        return "rest"
    if value is False or str(value).lower() in {"false", "none", "off"}:
        return None
    kind = str(value).lower()
    if kind in {"rest", "v1"}:
        return "rest"
    if kind in {"http", "v2"}:
        return "http"
    raise ConfigError(f"{ctx.app.config_file.name}: stage '{ctx.app.stage}': apigateway must be rest, http or false")


def plan_routes(ctx: Context, aws: AwsSession) -> list[Change]:
    function = names.function_name(ctx.app)
    alias_arn = names.alias_arn(aws, function)
    statements = alias_statements(aws, function)
    kind = gateway_kind(ctx)
    used = footprint.used(ctx, aws)  # only the APIs the stage has resources in are read
    has_alb = alb_config.read_config(ctx) is not None
    wanted = footprint.wanted(kind, domain.configured_base_path(ctx), alb=has_alb)
    changes: list[Change] = access.release_before_removal(ctx, aws, kind) if footprint.V1 in used else []
    doors = (
        ("rest", http_rest, footprint.V1, names.SID_REST, "the REST API"),
        ("http", http_v2, footprint.V2, names.SID_HTTP, "the HTTP API"),
    )
    for door_kind, door, api, sid, what in doors:
        if kind == door_kind:
            changes += door.plan(ctx, aws, function, alias_arn, statements)
        elif api in used:
            changes += door.removal(ctx, aws, function, statements)
        else:  # nothing there to read; only the function's own statement may be left
            changes += revoke_change(aws, function, sid, statements, what)
    changes += domain.plan_for_deploy(ctx, aws, kind, used | wanted)  # after the API it maps exists
    if ctx.app.setting("function_url", False):
        changes += function_url.plan(ctx, aws, function, statements)
    else:
        changes += function_url.removal(aws, function, statements)
    if has_alb:
        changes += alb.plan(ctx, aws, function, statements)
    elif footprint.ALB in used:
        changes += alb.removal(ctx, aws, function, statements, reason="alb is off")
    else:
        changes += revoke_change(aws, function, names.SID_ALB, statements, "the load balancer")
    changes += access.plan(ctx, aws, function, kind, statements)  # keys, usage plan, authorizer permissions
    note = endpoint.url_note()
    if note and changes and (kind or ctx.app.setting("function_url", False) or has_alb):
        # Printed with the URLs once the deploy succeeded (``lw deploy`` shows
        # ``outputs["urls_note"]``), never in the way of an error.
        changes[0].outputs = {**changes[0].outputs, "urls_note": note}
    return changes + footprint.tag_change(ctx, aws, wanted)  # last: after every removal it allows to skip


def current_urls(ctx: Context, aws: AwsSession) -> list[str]:
    function = names.function_name(ctx.app)
    used = footprint.used(ctx, aws)
    found = [
        http_rest.current_url(ctx, aws) if footprint.V1 in used else None,
        http_v2.current_url(ctx, aws) if footprint.V2 in used else None,
        function_url.current_url(aws, function),
        domain.current_url(ctx, aws, gateway_kind(ctx), used),
        alb.describe(ctx, aws).get("alb_url") if footprint.ALB in used else None,
    ]
    return [u for u in found if u]
