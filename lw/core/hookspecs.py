"""The hooks through which providers and other plugins extend lw.

Two kinds of hook live here.

*Provider hooks* (``lw_package``, ``lw_deploy``, ``lw_route``, ``lw_event`` and the
lifecycle hooks) are answered by exactly one plugin: the one that declared the selected
provider in ``lw_providers``. The plugin manager calls them through a hook caller that
contains only that plugin, so no other installed plugin can act for a provider it is
not. Their implementations therefore need no "is this for me?" check.

*Cross-cutting hooks* (``lw_providers``, ``lw_settings``, ``lw_package_files``,
``lw_after_deploy``) are called on every plugin and their results collected.

The provider hooks that change remote state do not write: they read what is deployed
and return ``Change`` objects whose ``apply`` callables do the writes. The core prints
them (``--dry-run``) or applies them in order (see ``lw.core.plan``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Iterator

import pluggy

if TYPE_CHECKING:
    import click

    from lw.core.artifact import Artifact, Build
    from lw.core.context import Context
    from lw.core.plan import Change
    from lw.core.provider import (
        InvokeRequest,
        InvokeResult,
        LogQuery,
        ProviderInfo,
        RollbackTarget,
        SettingSpec,
        Status,
    )

PROJECT = "lw"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# --------------------------------------------------------------------------- discovery


@hookspec
def lw_providers() -> Iterable[ProviderInfo]:
    """Declare the providers this plugin implements.

    The plugin that returns a provider's ``ProviderInfo`` is the only one whose provider
    hooks are called when that provider is selected. Two plugins declaring the same
    name is an error reported by ``lw providers`` and every command.
    """


@hookspec
def lw_settings() -> Iterable[SettingSpec]:
    """Add top-level configuration keys (for cross-cutting plugins).

    Provider-specific keys belong in ``ProviderInfo.settings`` instead.
    """


# --------------------------------------------------------------------------- the four interfaces


@hookspec(firstresult=True)
def lw_package(ctx: Context, build: Build) -> Artifact:
    """**package**: turn the neutral build into the provider's deployable artifact.

    Adds the runtime shim, the generated entry module and the embedded settings file
    (``lw.core.entry``), plus every cross-cutting plugin's ``lw_package_files``, and
    writes a deterministic zip.
    """


@hookspec(firstresult=True)
def lw_deploy(ctx: Context, artifact: Artifact) -> list[Change]:
    """**deploy**: plan the function/action itself (code, configuration, identity).

    Returns the changes that create or update it; unchanged code and configuration
    give ``noop`` changes, so an unchanged redeploy writes nothing. Changes that make
    the new code serve (moving an alias) must use ``phase="release"``.
    """


@hookspec(firstresult=True)
def lw_route(ctx: Context) -> list[Change]:
    """**route**: plan the HTTP front door (API Gateway, web action, local server).

    Public URLs go in ``outputs["urls"]`` (a list of strings): in ``Change.outputs``
    when they are known while planning (an existing API), so that a no-op deploy still
    prints them, or from the apply callable that creates the route.
    """


@hookspec(firstresult=True)
def lw_event(ctx: Context) -> list[Change]:
    """**event**: plan event sources and schedules from ``ctx.app.events_for()``.

    Events the provider cannot serve are rejected here with a ``ConfigError`` naming
    them, before anything is written. Bindings that exist remotely but are no longer
    configured are planned for deletion.
    """


# --------------------------------------------------------------------------- lifecycle


@hookspec(firstresult=True)
def lw_undeploy(ctx: Context, keep_logs: bool) -> list[Change]:
    """Plan the removal of everything lw created for the stage, found from remote
    state by name and tags; an already-removed stage gives an empty list."""


@hookspec(firstresult=True)
def lw_rollback(ctx: Context, target: RollbackTarget) -> list[Change]:
    """Plan making a previous release serve again."""


@hookspec(firstresult=True)
def lw_status(ctx: Context) -> Status:
    """Describe what is deployed for the stage, from remote state alone."""


@hookspec(firstresult=True)
def lw_logs(ctx: Context, query: LogQuery) -> Iterator[str]:
    """Yield log lines, oldest first; with ``query.tail`` keep yielding new ones."""


@hookspec(firstresult=True)
def lw_invoke(ctx: Context, request: InvokeRequest) -> InvokeResult:
    """Invoke the deployed code directly (function, command or whole event)."""


# --------------------------------------------------------------------------- cross-cutting


@hookspec
def lw_package_files(ctx: Context) -> Iterable[tuple[str, bytes]]:
    """Extra ``(path in the zip, content)`` files for every package, any provider."""


@hookspec
def lw_after_deploy(ctx: Context, outputs: dict[str, Any]) -> None:
    """Called after a successful (non dry-run) deploy with the applied outputs."""


@hookspec
def lw_register_commands(cli: click.Group) -> None:
    """Add click commands to ``lw`` (a provider's own verbs, such as ``lw policy``).

    Commands get the shared options and one-line error handling by decorating with
    ``lw.plugin.command`` and receive an ``Invocation`` whose ``session()`` loads the stage.
    """
