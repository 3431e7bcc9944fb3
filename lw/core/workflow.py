"""What each command does, provider-neutrally: load, package, plan, apply.

The CLI only parses arguments and prints; this module is the single place that chains
config -> model -> package -> plan -> apply, so the order of side effects is visible
in one screen and the dry run is guaranteed to be the same plan that would run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Mapping

from lw.core.artifact import Artifact, Target
from lw.core.context import Context, Reporter
from lw.core.errors import ConfigError, UsageError
from lw.core.model import AppModel
from lw.core.plan import Change, Plan, apply_plan
from lw.core.plugins import Providers, make_plugin_manager
from lw.core.provider import InvokeRequest, InvokeResult, LogQuery, ProviderInfo, RollbackTarget, Status


@dataclass
class Session:
    """A loaded stage and the providers available to act on it."""

    ctx: Context
    providers: Providers

    def hook(self, name: str) -> Any:
        return self.providers.hook(self.ctx.provider, name)


@dataclass
class DeployResult:
    plan: Plan
    outputs: dict[str, Any]
    artifact: Artifact
    applied: bool


def load_providers(pm: Any = None) -> Providers:
    return Providers(pm or make_plugin_manager())


def open_stage(
    config_path: Path,
    *,
    stage: str | None,
    provider: str | None,
    options: Mapping[str, Any] | None = None,
    reporter: Reporter | None = None,
    providers: Providers | None = None,
) -> Session:
    """Load ``config_path``'s stage for ``provider`` and check the provider exists."""
    from lw.core import config as config_module

    providers = providers or load_providers()
    infos = [p.info for p in providers.all()]
    extra = [spec for group in providers.collect("lw_settings") for spec in (group or ())]
    app = config_module.load_app(config_path, stage=stage, provider=provider, providers=infos, extra_settings=extra)
    providers.get(app.provider)  # unknown provider: UsageError naming the installed ones
    ctx = Context(app=app, reporter=reporter or Reporter(), options=dict(options or {}), providers=providers)
    return Session(ctx=ctx, providers=providers)


def extra_package_files(session: Session) -> list[tuple[str, bytes]]:
    """Files that cross-cutting plugins add to every package, whatever the provider."""
    files: list[tuple[str, bytes]] = []
    for group in session.providers.collect("lw_package_files", ctx=session.ctx):
        files.extend(group or ())
    return files


def package(session: Session, *, out: Path | None = None) -> Artifact:
    """Build the neutral build, then let the provider lay out and zip its artifact."""
    from lw.core import packaging

    ctx = session.ctx
    app = ctx.app
    info = session.providers.get(ctx.provider).info
    target = package_target(app, info)
    build = packaging.build_neutral(
        app,
        target,
        cache_dir=ctx.cache_dir,
        work_dir=ctx.work_dir / "build" / f"{ctx.provider}-{app.stage}",
        reporter=ctx.reporter,
        include=tuple(app.settings.get("include") or ()),
        exclude=tuple(app.settings.get("exclude") or ()),
    )
    for skipped in build.skipped_secrets:
        ctx.reporter.warn(f"not packaged (looks like a secret; list it under 'include' to ship it): {skipped}")
    for link in build.skipped_links:
        ctx.reporter.warn(f"not packaged (a symbolic link to outside the project): {link}")
    for note in build.notes:
        ctx.reporter.info(note)
    options = {**ctx.options, "extra_package_files": extra_package_files(session), "package_target": target}
    if out is not None:
        options["package_out"] = str(out)
    ctx = Context(app=app, reporter=ctx.reporter, options=options, providers=session.providers)
    session = Session(ctx=ctx, providers=session.providers)
    artifact: Artifact = session.hook("lw_package")(ctx=session.ctx, build=build)
    for warning in artifact.warnings:
        ctx.reporter.warn(warning)
    return artifact


def package_target(app: AppModel, info: ProviderInfo) -> Target:
    """The stage's target as its provider declares it (``ProviderInfo.package_target``):
    the provider's Python version and platform tags where it fixes them, else the
    stage's ``runtime`` and ``architecture``."""
    declared = info.package_target
    return Target(
        python_version=declared.python_version or app.python_version,
        architecture=app.architecture,
        exclude_packages=tuple(info.provided_packages),
        platform_tags=tuple(declared.platforms),
        pure_python=declared.pure_python,
        dependency_folder=declared.dependency_folder,
        ships_runtime=declared.ships_runtime,
    )


def provider_hook(ctx: Context, provider: str, hook_name: str) -> Any:
    """Provider ``provider``'s ``hook_name``, called through the plugin manager, so a
    provider that builds on another (local runs the aws package) follows whichever
    plugin answers for that provider: a replaced or extended one too."""
    providers: Providers = ctx.providers or load_providers()
    return providers.hook(provider, hook_name)


def plan_deploy(session: Session, artifact: Artifact) -> Plan:
    """Reads only: what the deploy, route and event hooks would change."""
    ctx = session.ctx
    plan = Plan()
    plan.extend(session.hook("lw_deploy")(ctx=ctx, artifact=artifact))
    plan.extend(session.hook("lw_route")(ctx=ctx))
    plan.extend(session.hook("lw_event")(ctx=ctx))
    return plan


def check_ignored_settings(session: Session, *, strict: bool = False) -> list[str]:
    """Warn about each key the stage sets that its provider does not honour; with
    ``strict``, refuse the deploy instead (one line naming every such key, exit 2)."""
    from lw.core import scope
    from lw.core.config_file import display_path
    from lw.core.settings_schema import CORE_SETTINGS

    app = session.ctx.app
    if not app.ignored_settings:
        return []
    scoped = {spec.name: spec.providers for spec in CORE_SETTINGS}
    label = display_path(app.config_file)
    messages = [
        scope.ignored_message(label, app.stage, app.provider, key, scoped.get(key, ())) for key in app.ignored_settings
    ]
    if strict:
        keys = ", ".join(app.ignored_settings)
        raise ConfigError(
            f"{label}: stage '{app.stage}': provider '{app.provider}' does not honour {keys} "
            "(--strict refuses settings that would have no effect)"
        )
    for message in messages:
        session.ctx.reporter.warn(message)
    return messages


def deploy(session: Session, *, dry_run: bool) -> DeployResult:
    check_ignored_settings(session, strict=bool(session.ctx.option("strict")))
    artifact = package(session)
    plan = plan_deploy(session, artifact)
    if dry_run:
        return DeployResult(plan=plan, outputs=plan.known_outputs(), artifact=artifact, applied=False)
    outputs = _apply(session, plan)
    if plan.mutating:
        session.providers.collect("lw_after_deploy", ctx=session.ctx, outputs=outputs)
    return DeployResult(plan=plan, outputs=outputs, artifact=artifact, applied=True)


def undeploy(session: Session, *, dry_run: bool, keep_logs: bool) -> tuple[Plan, dict[str, Any]]:
    plan = Plan(changes=list(session.hook("lw_undeploy")(ctx=session.ctx, keep_logs=keep_logs) or []))
    if dry_run:
        return plan, {}
    return plan, _apply(session, plan)


def rollback(session: Session, target: RollbackTarget, *, dry_run: bool = False) -> tuple[Plan, dict[str, Any]]:
    plan = Plan(changes=list(session.hook("lw_rollback")(ctx=session.ctx, target=target) or []))
    if dry_run:
        return plan, {}
    return plan, _apply(session, plan)


def status(session: Session) -> Status:
    result: Status = session.hook("lw_status")(ctx=session.ctx)
    return result


def logs(session: Session, query: LogQuery) -> Iterator[str]:
    lines: Iterator[str] = session.hook("lw_logs")(ctx=session.ctx, query=query)
    return iter(lines or ())


def invoke(session: Session, request: InvokeRequest) -> InvokeResult:
    if request.raw is not None and not session.ctx.app.setting("allow_raw_invoke", False):
        raise UsageError(
            f"{session.ctx.app.config_file.name}: stage '{session.ctx.app.stage}': raw Python invocation is off; "
            "set allow_raw_invoke: true to allow it"
        )
    result: InvokeResult = session.hook("lw_invoke")(ctx=session.ctx, request=request)
    return command_failure(result)


_COMMAND_REPLY_KEYS = frozenset({"error", "traceback", "output"})


def command_failure(result: InvokeResult) -> InvokeResult:
    """The result with ``error`` set when the function answered with lw's failure reply.

    The runtime reports a failed or refused command as a normal return value
    (``{"error", "traceback", "output"}``), so a provider sees a successful invocation;
    deciding here makes ``lw invoke`` exit 1 on every provider, third-party ones included.
    """
    reply = result.result
    if result.error is None and isinstance(reply, dict) and reply.get("error") and set(reply) <= _COMMAND_REPLY_KEYS:
        return replace(result, error=str(reply["error"]))
    return result


def _apply(session: Session, plan: Plan) -> dict[str, Any]:
    reporter = session.ctx.reporter

    def announce(change: Change) -> None:
        reporter.progress(change.describe())

    return apply_plan(plan, on_change=announce)


def default_config_path() -> Path:
    return Path(os.environ.get("LW_CONFIG") or "lw.yml")
