"""The OpenWhisk provider's hook implementations: thin wiring over small modules.

Each hook connects once (``remote.connect``), reads what is deployed and returns
changes or facts; the writes live in the returned changes' ``apply`` callables.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

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
    SettingSpec,
    SizeLimits,
    Status,
    artifact_path,
    entry_module,
    honoured_settings,
    hookimpl,
    package_files,
    write_zip,
)
from lw.providers.openwhisk import deploy, events, invoke, logs, releases, status, undeploy
from lw.providers.openwhisk.remote import connect

PROVIDER = "openwhisk"
# The Python runtime imports ``__main__`` from the unzipped action and calls ``main``.
ENTRY_MODULE = entry_module(
    "__main__.py",
    runtime_module="openwhisk",
    factory="main_from_settings",
    attribute="main",
    what="OpenWhisk entry point",
)
# The controller checks the action's code string, i.e. the zip's base64 (Exec.maxSize).
LIMITS = SizeLimits(base64_bytes=48 * 1024 * 1024, label="OpenWhisk")

# Root files the OpenWhisk Python runtime acts on at /init; dependencies are already vendored.
RUNTIME_MISREADS = {
    "requirements.txt": "at the zip root the runtime would pip-install it at every cold start",
    "exec": "at the zip root the runtime would take it for a precompiled action",
}

BLOCK_SETTINGS = (
    SettingSpec(
        "apihost",
        (str,),
        None,
        "Controller URL (https://host[:port]); a bare host means https. Else LW_OPENWHISK_APIHOST or APIHOST in ~/.wskprops.",
        (PROVIDER,),
    ),
    SettingSpec(
        "auth",
        (str,),
        None,
        "uuid:key for Basic auth. Else LW_OPENWHISK_AUTH or AUTH in ~/.wskprops (WSK_CONFIG_FILE).",
        (PROVIDER,),
    ),
    SettingSpec(
        "namespace", (str,), None, "Namespace; default _ (the key's own namespace, resolved at deploy).", (PROVIDER,)
    ),
    SettingSpec(
        "iam_api_key",
        (str,),
        None,
        "IAM API key: bearer tokens through ibm-cloud-sdk-core instead of Basic auth.",
        (PROVIDER,),
    ),
    SettingSpec(
        "insecure",
        (bool,),
        False,
        "Skip TLS verification (self-signed test clusters only; prefer ca_bundle).",
        (PROVIDER,),
    ),
    SettingSpec("ca_bundle", (str,), None, "PEM file of the CA that signed the cluster's certificate.", (PROVIDER,)),
    SettingSpec(
        "keep_releases",
        (int,),
        releases.DEFAULT_KEEP,
        "How many releases to keep as app--<hash> actions for rollback.",
        (PROVIDER,),
    ),
)


@hookimpl
def lw_providers() -> Iterable[ProviderInfo]:
    return [
        ProviderInfo(
            name=PROVIDER,
            description="Apache OpenWhisk: web actions for HTTP, triggers, rules and feeds for events",
            block_settings=BLOCK_SETTINGS,
            # Everything general but tags (actions take annotations, not tags).
            honours=honoured_settings(without=("tags",)),
        )
    ]


@hookimpl
def lw_package(ctx: Context, build: Build) -> Artifact:
    files = package_files(ctx, ENTRY_MODULE)
    choice = _package_choice(ctx, build, files)
    if choice.is_image:
        from lw.providers.openwhisk import image

        return image.package_image(ctx, build, files, note=choice.note)
    out = artifact_path(ctx, "openwhisk")
    omit = [name for name in RUNTIME_MISREADS if (build.root / name).is_file()]
    for name in omit:
        ctx.reporter.debug(f"{name} left out of the OpenWhisk package: {RUNTIME_MISREADS[name]}")
    return write_zip(build, files, out, entry_point="main", size_limits=LIMITS, omit=omit)


def _package_choice(ctx: Context, build: Build, files: list[tuple[str, bytes]]) -> Any:
    """``package_type`` as set; unset, an image only when the zip would not fit the
    controller's 48 MB (measured on the unzipped size: a zip is never larger)."""
    from lw.core.images import choose_package_type, unpacked_size

    if ctx.app.setting("package_type"):
        return choose_package_type(ctx.app, 0, None, LIMITS.label)
    return choose_package_type(ctx.app, unpacked_size(build, files), LIMITS.base64_bytes, LIMITS.label)


@hookimpl
def lw_deploy(ctx: Context, artifact: Artifact) -> list[Change]:
    remote = connect(ctx)
    return deploy.plan_package(remote) + deploy.plan_actions(remote, artifact)


@hookimpl
def lw_route(ctx: Context) -> list[Change]:
    remote = connect(ctx)
    # A web action needs no route of its own: its URL is known while planning, so even
    # a no-op deploy prints it.
    url = remote.names.web_url
    return [Change("noop", f"web action {remote.names.package}/app", f"url {url}", outputs={"urls": [url]})]


@hookimpl
def lw_event(ctx: Context) -> list[Change]:
    remote = connect(ctx)
    changes, messages = events.plan_events(remote)
    for message in messages:
        ctx.reporter.warn(message)
    return changes


@hookimpl
def lw_undeploy(ctx: Context, keep_logs: bool) -> list[Change]:
    from lw.providers.openwhisk import image

    return undeploy.plan_undeploy(connect(ctx)) + image.removal(ctx)


@hookimpl
def lw_rollback(ctx: Context, target: RollbackTarget) -> list[Change]:
    return releases.plan_rollback(connect(ctx), target)


@hookimpl
def lw_status(ctx: Context) -> Status:
    return status.describe(connect(ctx))


@hookimpl
def lw_logs(ctx: Context, query: LogQuery) -> Iterator[str]:
    return logs.lines(connect(ctx), query)


@hookimpl
def lw_invoke(ctx: Context, request: InvokeRequest) -> InvokeResult:
    return invoke.invoke(connect(ctx), request)
