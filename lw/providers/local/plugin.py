"""The local provider: the AWS package, run on this machine the way Lambda runs it.

Hooks are thin: packaging calls the AWS provider's package hook through the plugin
manager (the point is to run the very artifact Lambda would get, from whichever plugin
answers for ``aws``), planning lives in ``deployer`` and the runtime in
``supervisor``. Status, logs and invoke read the deployment folder and the admin API.
"""

from __future__ import annotations

import json
from typing import Iterable, Iterator

from lw.plugin import (
    Artifact,
    Build,
    Change,
    Context,
    InvokeRequest,
    InvokeResult,
    LogQuery,
    ProviderError,
    ProviderInfo,
    RollbackTarget,
    Status,
    Target,
    UsageError,
    build_neutral,
    hookimpl,
    provider_hook,
)
from lw.providers.local import client, deployer, image, logfile, settings


@hookimpl
def lw_providers() -> Iterable[ProviderInfo]:
    return [
        ProviderInfo(
            name="local",
            description="This machine: the AWS package run by the real Lambda runtime client, no cloud account needed.",
            block_settings=settings.BLOCK_SETTINGS,
            provided_packages=settings.PROVIDED_PACKAGES,
            options=settings.OPTIONS,
        )
    ]


@hookimpl
def lw_package(ctx: Context, build: Build) -> Artifact:
    """The AWS provider's artifact, built for the interpreter lw runs with."""
    if ctx.app.python_version != deployer.RUNNING_PYTHON:
        ctx.reporter.warn(
            f"stage '{ctx.app.stage}' says runtime {ctx.app.runtime} but the local runtime runs Python "
            f"{deployer.RUNNING_PYTHON}: the local package is built for {deployer.RUNNING_PYTHON}"
        )
        build = _rebuild_for_running_python(ctx, build)
    files = image.extras(ctx)
    choice = image.choose(ctx, build, files)
    if choice.is_image:
        return image.package_image(ctx, build, files, choice)
    # The aws provider's own package hook: the local runtime runs exactly the artifact
    # Lambda would get, even when another plugin answers for aws.
    artifact: Artifact = provider_hook(ctx, "aws", "lw_package")(ctx=ctx, build=build)
    return artifact


def _rebuild_for_running_python(ctx: Context, build: Build) -> Build:
    app = ctx.app
    target = Target(
        python_version=deployer.RUNNING_PYTHON,
        architecture=app.architecture,
        exclude_packages=settings.PROVIDED_PACKAGES,
    )
    return build_neutral(
        app,
        target,
        cache_dir=ctx.cache_dir,
        work_dir=ctx.work_dir / "build" / f"local-{app.stage}-py",
        reporter=ctx.reporter,
        include=tuple(app.settings.get("include") or ()),
        exclude=tuple(app.settings.get("exclude") or ()),
    )


@hookimpl
def lw_deploy(ctx: Context, artifact: Artifact) -> list[Change]:
    return deployer.plan_deploy(ctx, artifact)


@hookimpl
def lw_route(ctx: Context) -> list[Change]:
    return deployer.plan_route(ctx)


@hookimpl
def lw_event(ctx: Context) -> list[Change]:
    return deployer.plan_events(ctx)


@hookimpl
def lw_undeploy(ctx: Context, keep_logs: bool) -> list[Change]:
    return deployer.plan_undeploy(ctx)


@hookimpl
def lw_rollback(ctx: Context, target: RollbackTarget) -> list[Change]:
    raise UsageError("the local provider keeps no previous releases: redeploy the version you want instead")


@hookimpl
def lw_status(ctx: Context) -> Status:
    where = deployer.layout(ctx)
    running = client.find_running(where)
    if running is None:
        return Status(deployed=False, facts={"name": ctx.app.name, "folder": str(where.root)})
    health = running.health
    workers = list(health.get("workers") or [])
    facts = {
        "name": ctx.app.name,
        "url": running.url,
        "pid": running.pid,
        "package_sha256": health.get("package_sha256"),
        "uptime": _duration(float(health.get("uptime_seconds") or 0)),
        "workers": f"{sum(1 for w in workers if w.get('state') == 'ready')}/{len(workers)} ready",
        "folder": str(where.root),
    }
    sections = {"workers": workers, "schedules": list(health.get("schedules") or [])}
    return Status(deployed=True, facts=facts, sections=sections)


@hookimpl
def lw_logs(ctx: Context, query: LogQuery) -> Iterator[str]:
    where = deployer.layout(ctx)
    if not where.log_file.exists():
        raise ProviderError(f"no local deployment of {ctx.app.name} (nothing in {where.root}): run lw deploy first")
    return logfile.read_lines(
        where.log_file, since_seconds=query.since_seconds, pattern=query.filter, http=query.http, follow=query.tail
    )


@hookimpl
def lw_invoke(ctx: Context, request: InvokeRequest) -> InvokeResult:
    running = client.find_running(deployer.layout(ctx))
    if running is None:
        raise ProviderError(f"no local runtime is running for {ctx.app.name}: run lw deploy --provider local first")
    event = json.dumps(request.to_command()).encode()
    limit = float(ctx.app.timeout_seconds) + 70
    answer = client.admin_call(running.state, "POST", "/invoke", event, timeout=limit)
    payload = answer.get("payload") or ""
    try:
        result = json.loads(payload)
    except ValueError:
        result = payload
    error = None
    if answer.get("outcome") != "response":
        error = (
            f"{result.get('errorType', 'Error')}: {result.get('errorMessage', '')}"
            if isinstance(result, dict)
            else str(result)
        )
    return InvokeResult(result=result, logs="\n".join(answer.get("logs") or []), error=error)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"
