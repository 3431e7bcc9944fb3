"""Global stages: ``regions: [...]`` deploys the same stage to every listed region.

Each region is a complete, independent copy of the stage (function, alias, API, event
sources, dependency layer), so every hook plans each region with its own
``AwsSession`` and tags the region's changes with ``group=<region>``;
``lw.core.plan.apply_plan`` then applies the regions concurrently and reports each
failed region on its own line without stopping the others. Planning reads run
concurrently too: a global deploy's wall time is close to one region's.

Names stay the same in every region (Lambda, API Gateway, Logs are regional
namespaces). The IAM role is the exception: IAM is global, so the role is planned
once, as ungrouped changes. Ungrouped ``build`` changes run before any region and
ungrouped ``cleanup`` changes after all of them, which is exactly right for a role:
it must exist before any region's function is created, and on ``undeploy`` it goes
only once every region's function is gone. Its policy names the function's log group
in every region (``arn:aws:logs:*:…``) rather than one per region, so adding a region
does not change the role.

``--region X`` narrows a command to one region, even one no longer listed (to remove
a region dropped from ``regions``); the shared role is then left alone.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from lw.core.artifact import Artifact
from lw.core.context import Context
from lw.core.errors import ConfigError, LwError, ProviderError
from lw.core.plan import Change
from lw.core.provider import InvokeRequest, InvokeResult, LogQuery, RollbackTarget, Status
from lw.providers.aws import names
from lw.providers.aws.session import AwsSession

REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def configured(ctx: Context) -> list[str]:
    """The stage's ``regions`` (validated, duplicates dropped); empty when unset."""
    app = ctx.app
    value = app.setting("regions")
    if value in (None, [], ()):
        return []
    where = f"{app.config_file.name}: stage '{app.stage}': regions"
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{where} must be a list of AWS region names")
    bad = [str(r) for r in value if not isinstance(r, str) or not REGION_PATTERN.match(r)]
    if bad:
        raise ConfigError(f"{where}: not an AWS region name: {', '.join(bad)}")
    return list(dict.fromkeys(value))


def is_global(ctx: Context) -> bool:
    return bool(configured(ctx))


def selected(ctx: Context) -> list[str]:
    """The regions this command acts on: all of them, or only ``--region``."""
    only = ctx.option("region")
    return [str(only)] if only else configured(ctx)


def spans_every_region(ctx: Context) -> bool:
    """Whether the command covers every configured region (shared resources may go)."""
    return not ctx.option("region") or configured(ctx) == [ctx.option("region")]


@dataclass
class _Cache:
    ctx: Context | None = None
    sessions: list[AwsSession] = field(default_factory=list)


_cache = _Cache()


def sessions_for(ctx: Context) -> list[AwsSession]:
    """One session per selected region for the whole command (clients are cached in
    each); all share the first one's account id, asked once."""
    if _cache.ctx is ctx and _cache.sessions:
        return _cache.sessions
    regions = selected(ctx)
    first = AwsSession.from_context(ctx, region=regions[0])
    first.account_id  # noqa: B018 - asked once here, then shared with every region
    _cache.ctx, _cache.sessions = ctx, [first, *(first.for_region(r) for r in regions[1:])]
    return _cache.sessions


class AnyRegion:
    """A session stand-in whose region is ``*``, to build the global role's policy:
    every ARN it produces matches the same resource in each region."""

    region = "*"

    def __init__(self, aws: AwsSession) -> None:
        self._aws = aws

    @property
    def partition(self) -> str:
        return self._aws.partition

    def __getattr__(self, name: str) -> Any:
        return getattr(self._aws, name)


def for_each_region(ctx: Context, plan_one: Callable[[AwsSession], list[Change]]) -> list[Change]:
    """Plan every region concurrently (reads only), tagging changes with their region.

    A region whose planning fails on AWS's side (unreachable, access denied there)
    becomes a single change that fails when applied: the other regions still deploy,
    and the failed one is reported with them at the end. A configuration error stops
    the command.
    """
    sessions = sessions_for(ctx)

    def plan(aws: AwsSession) -> list[Change]:
        try:
            changes = list(plan_one(aws) or [])
        except ProviderError as exc:  # AWS refused there; a config error still stops everything
            changes = [_failed_planning(aws.region, exc)]
        for change in changes:
            change.group = aws.region
        return changes

    with ThreadPoolExecutor(max_workers=len(sessions), thread_name_prefix="lw-region") as pool:
        results = list(pool.map(plan, sessions))
    return [change for changes in results for change in changes]


def _failed_planning(region: str, error: LwError) -> Change:
    def fail(outputs: dict[str, Any]) -> None:
        raise error

    return Change("update", f"region {region}", f"cannot be planned: {error}", fail, step="plan")


# --------------------------------------------------------------------------- hooks


def plan_deploy(ctx: Context, artifact: Artifact) -> list[Change]:
    from lw.providers.aws.deploy import plan_release
    from lw.providers.aws.iam import plan_role

    first = sessions_for(ctx)[0]
    function = names.function_name(ctx.app)
    role = plan_role(ctx, AnyRegion(first), function)  # type: ignore[arg-type]
    return [*role.changes, *for_each_region(ctx, lambda aws: plan_release(ctx, aws, artifact, role.arn))]


def plan_routes(ctx: Context) -> list[Change]:
    from lw.providers.aws.routes import plan_routes as plan_one

    return for_each_region(ctx, lambda aws: plan_one(ctx, aws))


def plan_events(ctx: Context) -> list[Change]:
    from lw.providers.aws import events_bridge, tasks

    function = names.function_name(ctx.app)

    def plan_region(aws: AwsSession) -> list[Change]:
        alias = names.alias_arn(aws, function)
        return [*events_bridge.plan_events(ctx, aws, function, alias), *tasks.plan_tasks(ctx, aws, function, alias)]

    return for_each_region(ctx, plan_region)


def plan_undeploy(ctx: Context, keep_logs: bool) -> list[Change]:
    from lw.providers.aws import iam
    from lw.providers.aws.undeploy import plan_regional_undeploy

    changes = for_each_region(ctx, lambda aws: plan_regional_undeploy(ctx, aws, keep_logs))
    if spans_every_region(ctx):
        changes += iam.delete_role_changes(ctx, sessions_for(ctx)[0])
    elif changes:
        ctx.reporter.info(f"IAM role {names.role_name(ctx.app)} is shared by every region: kept")
    return changes


def plan_rollback(ctx: Context, target: RollbackTarget) -> list[Change]:
    from lw.providers.aws.rollback import plan_rollback as plan_one

    return for_each_region(ctx, lambda aws: plan_one(ctx, aws, target))


def describe(ctx: Context) -> Status:
    """One row per region; a region that cannot be read shows its error, not a failure."""
    from lw.providers.aws.status import describe as describe_one

    sessions = sessions_for(ctx)

    def read(aws: AwsSession) -> tuple[str, Status | None, str]:
        try:
            return aws.region, describe_one(ctx, aws), ""
        except ProviderError as exc:
            return aws.region, None, str(exc)

    with ThreadPoolExecutor(max_workers=len(sessions), thread_name_prefix="lw-region") as pool:
        found = list(pool.map(read, sessions))
    rows: list[dict[str, Any]] = []
    urls: list[str] = []
    for region, status, error in found:
        row: dict[str, Any] = {"region": region, "deployed": bool(status and status.deployed)}
        if status is not None and status.deployed:
            facts = status.facts
            row.update({key: facts.get(key) for key in ("state", "alias_version", "last_deploy", "code_sha256")})
            row["urls"] = list(facts.get("urls") or [])
            urls += [u for u in row["urls"] if u not in urls]
        if error:
            row["error"] = error
        rows.append(row)
    facts = {
        "function": names.function_name(ctx.app),
        "regions": [row["region"] for row in rows],
        "deployed_regions": [row["region"] for row in rows if row["deployed"]],
        "urls": urls,
    }
    return Status(deployed=any(row["deployed"] for row in rows), facts=facts, sections={"regions": rows})


def read_logs(ctx: Context, query: LogQuery) -> Iterator[str]:
    from lw.providers.aws.logs import follow_logs

    return follow_logs(ctx, [(aws.region, aws) for aws in sessions_for(ctx)], query)


def invoke(ctx: Context, request: InvokeRequest) -> InvokeResult:
    """Invocations go to one region: the first listed, or ``--region``."""
    from lw.providers.aws.invoke import invoke as invoke_one

    return invoke_one(ctx, sessions_for(ctx)[0], request)
