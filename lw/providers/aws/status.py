"""``lw status``: what is deployed, read from AWS alone (works from a clean checkout).

Each part beyond the function itself (URLs, metrics, API keys, event sources,
versions) is read on its own: a deployer allowed to read Lambda but not CloudWatch
(or not API Gateway) still sees everything else, with the missing part saying why.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, TypeVar, cast

from lw.core.context import Context
from lw.core.errors import ProviderError
from lw.core.provider import Status
from lw.providers.aws import access, alb, endpoint, events_bridge, footprint, names, routes, tasks
from lw.providers.aws.errors import read_or_none
from lw.providers.aws.function import read_live
from lw.providers.aws.session import AwsSession
from lw.providers.aws.versions import published_versions


def describe(ctx: Context, aws: AwsSession) -> Status:
    function = names.function_name(ctx.app)
    live = read_live(aws, function)
    if live is None:
        return Status(deployed=False, facts={"function": function, "region": aws.region})
    unavailable: dict[str, str] = {}
    versions: list[dict[str, Any]] = _part(unavailable, "versions", lambda: published_versions(aws, function), [])
    released = live.released or live.latest
    facts: dict[str, Any] = {
        "function": function,
        "region": aws.region,
        "state": live.latest.get("State", "Active"),
        "last_update_status": live.latest.get("LastUpdateStatus", ""),
        "runtime": live.latest.get("Runtime"),
        "memory_size": live.latest.get("MemorySize"),
        "alias": names.ALIAS,
        "alias_version": live.alias_version,
        "latest_version": max((int(v["Version"]) for v in versions), default=None),
        "last_deploy": released.get("LastModified"),
        "code_sha256": released.get("CodeSha256"),
        "package_type": live.latest.get("PackageType") or "Zip",
        "urls": _part(unavailable, "urls", lambda: routes.current_urls(ctx, aws), cast("list[str]", [])),
    }
    if facts["package_type"] == "Image":
        # Lambda's CodeSha256 of an image function is the digest the version pinned.
        facts["image_digest"] = f"sha256:{released.get('CodeSha256')}"
        facts["image_uri"] = live.image_uri
    note = endpoint.url_note()
    if note and facts["urls"]:
        facts["urls_note"] = note
    facts.update(_part(unavailable, "metrics", lambda: _metrics(aws, function), cast("dict[str, Any]", {})))
    facts.update(_part(unavailable, "api_key", lambda: access.describe(ctx, aws), cast("dict[str, Any]", {})))
    facts.update(_part(unavailable, "tasks", lambda: tasks.describe(ctx, aws, function), cast("dict[str, Any]", {})))
    facts.update(_part(unavailable, "alb", lambda: _alb(ctx, aws), cast("dict[str, Any]", {})))
    sections = {
        "events": _part(
            unavailable,
            "events",
            lambda: events_bridge.describe_events(ctx, aws, function),
            cast("list[dict[str, Any]]", []),
        ),
        "versions": [
            {
                "version": v["Version"],
                "modified": v.get("LastModified"),
                "code_sha256": v.get("CodeSha256"),
                "live": v["Version"] == live.alias_version,
            }
            for v in versions[-5:]
        ],
    }
    for part, reason in unavailable.items():
        facts[f"{part}_unavailable"] = reason
    return Status(deployed=True, facts=facts, sections=sections)


def _alb(ctx: Context, aws: AwsSession) -> dict[str, Any]:
    """The load balancer's DNS name, read only for a stage whose footprint has one."""
    return alb.describe(ctx, aws) if footprint.ALB in footprint.used(ctx, aws) else {}


T = TypeVar("T")


def _part(unavailable: dict[str, str], part: str, read: Callable[[], T], empty: T) -> T:
    """``read()``, or ``empty`` with the reason kept when AWS refuses it."""
    try:
        return read()
    except ProviderError as exc:
        unavailable[part] = exc.message
        return empty


def _metrics(aws: AwsSession, function: str) -> dict[str, Any]:
    """Invocations and errors over the last 24 hours (CloudWatch sums, all versions)."""
    cloudwatch = aws.client("cloudwatch")
    end = dt.datetime.now(dt.timezone.utc)
    start = end - dt.timedelta(hours=24)
    result: dict[str, Any] = {}
    for metric, key in (("Invocations", "invocations_24h"), ("Errors", "errors_24h")):
        response = read_or_none(
            f"CloudWatch metric {metric} of {function}",
            lambda: cloudwatch.get_metric_statistics(
                Namespace="AWS/Lambda",
                MetricName=metric,
                Dimensions=[{"Name": "FunctionName", "Value": function}],
                StartTime=start,
                EndTime=end,
                Period=86400,
                Statistics=["Sum"],
            ),
        )
        points = (response or {}).get("Datapoints") or []
        result[key] = int(sum(p.get("Sum", 0) for p in points))
    return result
