"""``api_key_required``: one API key and one usage plan per stage, found by name and tags.

The key's value is returned by AWS when it is created and put in the outputs once
(``outputs["api_key"]``), so ``lw deploy`` shows it that one time; later deploys find
the key by name and never read its value. The usage plan ties the key to the REST
API's stage and carries the optional throttling and quota of ``usage_plan``.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.core.model import AppModel
from lw.core.plan import Change, Outputs
from lw.providers.aws import names
from lw.providers.aws.errors import aws_call
from lw.providers.aws.session import AwsSession

PERIODS = ("DAY", "WEEK", "MONTH")
USAGE_PLAN_KEYS = frozenset({"throttle", "quota"})


def _fail(app: AppModel, message: str) -> ConfigError:
    return ConfigError(f"{app.config_file.name}: stage '{app.stage}': {message}")


def _number(app: AppModel, block: dict[str, Any], key: str, where: str, kind: type) -> Any:
    value = block.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int) or value < 0:
        raise _fail(app, f"usage_plan.{where}.{key} must be a non-negative {'number' if kind is float else 'integer'}")
    return kind(value)


def limits(app: AppModel) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(throttle, quota)`` in the API's shape (``{}`` when not set)."""
    block = app.setting("usage_plan") or {}
    if not isinstance(block, dict):
        raise _fail(app, "usage_plan must be a mapping with `throttle` and/or `quota`")
    unknown = sorted(set(block) - USAGE_PLAN_KEYS)
    if unknown:
        raise _fail(app, f"usage_plan has unknown key(s) {', '.join(unknown)} (known: quota, throttle)")
    throttle_in = block.get("throttle") or {}
    quota_in = block.get("quota") or {}
    if not isinstance(throttle_in, dict) or not isinstance(quota_in, dict):
        raise _fail(app, "usage_plan.throttle and usage_plan.quota must be mappings")
    throttle: dict[str, Any] = {}
    rate = _number(app, throttle_in, "rate", "throttle", float)
    burst = _number(app, throttle_in, "burst", "throttle", int)
    if rate is not None:
        throttle["rateLimit"] = rate
    if burst is not None:
        throttle["burstLimit"] = burst
    quota: dict[str, Any] = {}
    if quota_in:
        limit = _number(app, quota_in, "limit", "quota", int)
        period = str(quota_in.get("period") or "").upper()
        if limit is None or period not in PERIODS:
            raise _fail(app, f"usage_plan.quota needs `limit` and `period` ({', '.join(PERIODS)})")
        quota = {"limit": limit, "period": period}
    return throttle, quota


def find_key(ctx: Context, aws: AwsSession) -> dict[str, Any] | None:
    return names.find_owned_apigateway_item(
        aws, ctx.app, "get_api_keys", "API keys", nameQuery=names.api_name(ctx.app), includeValues=False
    )


def find_plan(ctx: Context, aws: AwsSession) -> dict[str, Any] | None:
    return names.find_owned_apigateway_item(aws, ctx.app, "get_usage_plans", "usage plans")


def _text(value: Any) -> str:
    """A patch value: ``5`` rather than ``5.0`` for whole numbers."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _plan_patches(
    current: dict[str, Any], stage: dict[str, str], throttle: dict[str, Any], quota: dict[str, Any]
) -> list[dict[str, str]]:
    """Patch operations turning the usage plan into the wanted one (empty: it already is)."""
    patches: list[dict[str, str]] = []
    stages = [{"apiId": s.get("apiId"), "stage": s.get("stage")} for s in current.get("apiStages") or []]
    for old in stages:
        if old != stage:
            patches.append({"op": "remove", "path": "/apiStages", "value": f"{old['apiId']}:{old['stage']}"})
    if stage not in stages:
        patches.append({"op": "add", "path": "/apiStages", "value": f"{stage['apiId']}:{stage['stage']}"})
    have_throttle = {k: v for k, v in (current.get("throttle") or {}).items() if k in ("rateLimit", "burstLimit")}
    if {k: float(v) for k, v in have_throttle.items()} != {k: float(v) for k, v in throttle.items()}:
        if not throttle:
            patches.append({"op": "remove", "path": "/throttle"})
        for key, value in throttle.items():
            patches.append({"op": "replace", "path": f"/throttle/{key}", "value": _text(value)})
    have_quota = {
        k: (int(v) if k == "limit" else v) for k, v in (current.get("quota") or {}).items() if k in ("limit", "period")
    }
    if have_quota != quota:
        if not quota:
            patches.append({"op": "remove", "path": "/quota"})
        for key, value in quota.items():
            patches.append({"op": "replace", "path": f"/quota/{key}", "value": _text(value)})
    return patches


def plan(ctx: Context, aws: AwsSession, rest_api_id: str | None) -> list[Change]:
    """Key, usage plan and their link for a REST API (``rest_api_id`` ``None``: the API
    is created by this same plan and its id comes from the outputs)."""
    app = ctx.app
    throttle, quota = limits(app)
    client = aws.client("apigateway")
    name = names.api_name(app)
    key = find_key(ctx, aws)
    usage = find_plan(ctx, aws)
    changes: list[Change] = []

    if key is None:

        def create_key(outputs: Outputs) -> None:
            created = client.create_api_key(
                name=name, enabled=True, tags=app.tags, description=f"lw: API key of {name}"
            )
            outputs["api_key_id"] = created["id"]
            outputs["api_key"] = created["value"]

        changes.append(
            Change(
                "create",
                f"API key {name}",
                "api_key_required (its value is shown once)",
                create_key,
                step="create API key",
            )
        )
    else:
        changes.append(Change("noop", f"API key {name}", "exists"))

    def stage_of(outputs: Outputs) -> dict[str, str]:
        return {"apiId": rest_api_id or outputs["rest_api_id"], "stage": app.stage}

    limits_text = ", ".join(f"{k} {v}" for k, v in {**throttle, **quota}.items()) or "no limits"
    if usage is None:

        def create_plan(outputs: Outputs) -> None:
            params: dict[str, Any] = {
                "name": name,
                "apiStages": [stage_of(outputs)],
                "tags": app.tags,
                "description": f"lw: usage plan of {name}",
            }
            if throttle:
                params["throttle"] = throttle
            if quota:
                params["quota"] = quota
            outputs["usage_plan_id"] = client.create_usage_plan(**params)["id"]

        changes.append(Change("create", f"usage plan {name}", limits_text, create_plan, step="create usage plan"))
    else:
        wanted_stage = {"apiId": rest_api_id, "stage": app.stage} if rest_api_id else {"apiId": "", "stage": ""}
        patches = _plan_patches(usage, wanted_stage, throttle, quota)
        if patches:

            def update_plan(outputs: Outputs) -> None:
                ops = _plan_patches(usage, stage_of(outputs), throttle, quota)
                client.update_usage_plan(usagePlanId=usage["id"], patchOperations=ops)

            changes.append(
                Change(
                    "update",
                    f"usage plan {name}",
                    f"stage or limits changed ({limits_text})",
                    update_plan,
                    step="update usage plan",
                )
            )

    linked = False
    if key is not None and usage is not None:
        usage_id, key_id = usage["id"], key["id"]
        pages = aws_call(
            "list",
            f"keys of usage plan {name}",
            lambda: list(client.get_paginator("get_usage_plan_keys").paginate(usagePlanId=usage_id)),
        )
        linked = any(item.get("id") == key_id for page in pages for item in page.get("items") or [])
    if not linked:

        def link(outputs: Outputs) -> None:
            client.create_usage_plan_key(
                usagePlanId=usage["id"] if usage else outputs["usage_plan_id"],
                keyId=key["id"] if key else outputs["api_key_id"],
                keyType="API_KEY",
            )

        changes.append(
            Change("create", f"usage plan key {name}", "the key may call the stage", link, step="add key to usage plan")
        )
    return changes


def removal(ctx: Context, aws: AwsSession, *, reason: str = "api_key_required is off") -> list[Change]:
    """Delete the stage's usage plan (detached from its stages first, as AWS requires)
    and its API key; nothing when there are none."""
    client = aws.client("apigateway")
    name = names.api_name(ctx.app)
    changes: list[Change] = []
    usage = find_plan(ctx, aws)
    if usage is not None:
        usage_id = usage["id"]
        stages = [f"{s['apiId']}:{s['stage']}" for s in usage.get("apiStages") or []]

        def delete_plan(outputs: Outputs) -> None:
            if stages:
                client.update_usage_plan(
                    usagePlanId=usage_id,
                    patchOperations=[{"op": "remove", "path": "/apiStages", "value": value} for value in stages],
                )
            client.delete_usage_plan(usagePlanId=usage_id)

        changes.append(
            Change("delete", f"usage plan {name} ({usage_id})", reason, delete_plan, step="delete usage plan")
        )
    key = find_key(ctx, aws)
    if key is not None:
        key_id = key["id"]
        changes.append(
            Change(
                "delete",
                f"API key {name} ({key_id})",
                reason,
                lambda o: client.delete_api_key(apiKey=key_id),
                step="delete API key",
            )
        )
    return changes
