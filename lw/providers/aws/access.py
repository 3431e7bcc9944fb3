"""The stage-level resources of secure endpoints, around the API they protect.

Schemes and route authorization live with each API (``http_rest``/``http_v2``); what
is left is what exists beside an API: the API key and its usage plan, and the
permission API Gateway needs to invoke a Lambda authorizer. Ordering matters both
ways: a usage plan must let go of a REST API before that API is deleted, and a new
API must exist before a usage plan or a permission can name it.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.core.plan import Change
from lw.providers.aws import api_keys, authorizers, http_rest, http_v2
from lw.providers.aws.session import AwsSession


def release_before_removal(ctx: Context, aws: AwsSession, kind: str | None) -> list[Change]:
    """When the REST API is going away: its usage plan and key, planned before its deletion."""
    return [] if kind == "rest" else api_keys.removal(ctx, aws, reason="the stage has no REST API any more")


def plan(
    ctx: Context, aws: AwsSession, function: str, kind: str | None, statements: dict[str, dict[str, Any]]
) -> list[Change]:
    """Keys, usage plan and authorizer permissions, after the API they refer to."""
    found = authorizers.for_gateway(ctx, kind)
    api_id: str | None = None
    if found.api_key or found.authorizer:
        if kind == "rest":
            api = http_rest.find(ctx, aws)
            api_id = api["id"] if api else None
        elif kind == "http":
            api = http_v2.find(ctx, aws)
            api_id = api["ApiId"] if api else None
    changes = authorizers.plan_authorizer_permissions(ctx, aws, function, api_id, statements, gateway=kind)
    if kind == "rest":
        changes += api_keys.plan(ctx, aws, api_id) if found.api_key else api_keys.removal(ctx, aws)
    return changes


def describe(ctx: Context, aws: AwsSession) -> dict[str, Any]:
    """``lw status`` facts: the stage's API key (never its value) and usage-plan limits."""
    facts: dict[str, Any] = {}
    key = api_keys.find_key(ctx, aws)
    if key is not None:
        facts["api_key"] = f"{key['name']} ({key['id']})"
    usage = api_keys.find_plan(ctx, aws)
    if usage is not None:
        limits = {**(usage.get("throttle") or {}), **(usage.get("quota") or {})}
        facts["usage_plan"] = ", ".join(f"{k} {v}" for k, v in sorted(limits.items())) or "no limits"
    return facts


def removal(ctx: Context, aws: AwsSession) -> list[Change]:
    """Undeploy: the key, the usage plan and the statement on an external authorizer."""
    return [*api_keys.removal(ctx, aws, reason="made by lw for this stage"), *remove_external_permission(ctx, aws)]


def remove_external_permission(ctx: Context, aws: AwsSession) -> list[Change]:
    """Undeploy without a REST API: only the statement on an external authorizer."""
    return authorizers.remove_external_permission(ctx, aws)
