"""The AWS provider: Lambda behind API Gateway or a Function URL, planned first.

Each hook is one line into the module that does that job; the hooks only read, and
the changes they return hold the writes (see ``lw.core.plan``).
"""

from __future__ import annotations

from typing import Iterable, Iterator

from lw.plugin import (
    Artifact,
    Build,
    Change,
    Context,
    InvokeRequest,
    InvokeResult,
    LogQuery,
    ProviderInfo,
    RollbackTarget,
    Status,
    hookimpl,
)
from lw.providers.aws import regions, settings
from lw.providers.aws.errors import readable_changes
from lw.providers.aws.session import AwsSession

_sessions: dict[int, tuple[Context, AwsSession]] = {}


def session_for(ctx: Context) -> AwsSession:
    """One AwsSession per command (the hooks of one command share a Context), so
    clients and the account id are fetched once."""
    cached = _sessions.get(id(ctx))
    if cached is not None and cached[0] is ctx:
        return cached[1]
    aws = AwsSession.from_context(ctx)
    _sessions.clear()
    _sessions[id(ctx)] = (ctx, aws)
    return aws


@hookimpl
def lw_providers() -> Iterable[ProviderInfo]:
    return [
        ProviderInfo(
            name="aws",
            description="AWS Lambda with API Gateway (REST or HTTP API) or a Function URL, and AWS event sources.",
            settings=settings.SETTINGS,
            block_settings=settings.BLOCK_SETTINGS,
            provided_packages=settings.PROVIDED_PACKAGES,
            options=settings.OPTIONS,
        )
    ]


@hookimpl
def lw_package(ctx: Context, build: Build) -> Artifact:
    from lw.providers.aws.package import package as package_for_lambda

    return package_for_lambda(ctx, build, session=lambda: session_for(ctx))


@hookimpl
def lw_deploy(ctx: Context, artifact: Artifact) -> list[Change]:
    from lw.providers.aws.deploy import plan_deploy

    if regions.is_global(ctx):
        return readable_changes(regions.plan_deploy(ctx, artifact))
    return readable_changes(plan_deploy(ctx, session_for(ctx), artifact))


@hookimpl
def lw_route(ctx: Context) -> list[Change]:
    from lw.providers.aws.routes import plan_routes

    if regions.is_global(ctx):
        return readable_changes(regions.plan_routes(ctx))
    return readable_changes(plan_routes(ctx, session_for(ctx)))


@hookimpl
def lw_event(ctx: Context) -> list[Change]:
    from lw.providers.aws import events_bridge, names, tasks

    if regions.is_global(ctx):
        return readable_changes(regions.plan_events(ctx))
    aws = session_for(ctx)
    function = names.function_name(ctx.app)
    alias = names.alias_arn(aws, function)
    changes = events_bridge.plan_events(ctx, aws, function, alias)
    changes += tasks.plan_tasks(ctx, aws, function, alias)
    return readable_changes(changes)


@hookimpl
def lw_undeploy(ctx: Context, keep_logs: bool) -> list[Change]:
    from lw.providers.aws.undeploy import plan_undeploy

    if regions.is_global(ctx):
        return readable_changes(regions.plan_undeploy(ctx, keep_logs))
    return readable_changes(plan_undeploy(ctx, session_for(ctx), keep_logs))


@hookimpl
def lw_rollback(ctx: Context, target: RollbackTarget) -> list[Change]:
    from lw.providers.aws.rollback import plan_rollback

    if regions.is_global(ctx):
        return readable_changes(regions.plan_rollback(ctx, target))
    return readable_changes(plan_rollback(ctx, session_for(ctx), target))


@hookimpl
def lw_status(ctx: Context) -> Status:
    from lw.providers.aws.status import describe

    if regions.is_global(ctx):
        return regions.describe(ctx)
    return describe(ctx, session_for(ctx))


@hookimpl
def lw_logs(ctx: Context, query: LogQuery) -> Iterator[str]:
    from lw.providers.aws.logs import read_logs

    if regions.is_global(ctx):
        return regions.read_logs(ctx, query)
    return read_logs(ctx, session_for(ctx), query)


@hookimpl
def lw_invoke(ctx: Context, request: InvokeRequest) -> InvokeResult:
    from lw.providers.aws.invoke import invoke

    if regions.is_global(ctx):
        return regions.invoke(ctx, request)
    return invoke(ctx, session_for(ctx), request)
