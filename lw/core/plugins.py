"""Loading plugins and routing provider hooks to the one plugin that owns a provider.

Built-in providers are found exactly like third-party ones: through the ``lw``
entry-point group, so a plugin author can read ``pyproject.toml`` and copy it.
"""

from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass
from typing import Any, Callable

import pluggy

from lw.core import hookspecs
from lw.core.errors import UsageError
from lw.core.provider import ProviderInfo

PROVIDER_HOOKS = (
    "lw_package",
    "lw_deploy",
    "lw_route",
    "lw_event",
    "lw_undeploy",
    "lw_rollback",
    "lw_status",
    "lw_logs",
    "lw_invoke",
)


@dataclass(frozen=True)
class InstalledProvider:
    info: ProviderInfo
    plugin: object
    distribution: str
    version: str


class LwPluginManager(pluggy.PluginManager):
    """pluggy's manager plus what lw reports about plugins: where each came from, and
    which failed to load (so a broken third-party plugin cannot break the others)."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.distributions: dict[int, tuple[str, str]] = {}
        self.broken: dict[str, str] = {}


def make_plugin_manager(*, load_entrypoints: bool = True, plugins: tuple[object, ...] = ()) -> LwPluginManager:
    """A plugin manager with lw's hookspecs and the installed plugins.

    ``LW_DISABLE_PLUGINS`` (comma-separated entry-point names) blocks plugins;
    ``load_entrypoints=False`` plus ``plugins`` gives tests a controlled set.
    """
    pm = LwPluginManager()
    pm.add_hookspecs(hookspecs)
    for name in filter(None, (os.environ.get("LW_DISABLE_PLUGINS") or "").split(",")):
        pm.set_blocked(name.strip())
    if load_entrypoints:
        _load_entrypoints(pm)
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


def _load_entrypoints(pm: LwPluginManager) -> None:
    """Register every ``lw`` entry point, keeping a broken one from breaking lw.

    pluggy's own loader stops at the first plugin that fails to import; a user with one
    broken third-party provider must still be able to use the others, and hear which
    plugin is broken when they select it.
    """
    for ep in importlib.metadata.entry_points(group=hookspecs.PROJECT):
        if pm.is_blocked(ep.name) or pm.get_plugin(ep.name) is not None:
            continue
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)  # validates the hookimpl signatures
        except Exception as exc:  # a third party's bug must not become ours
            dist = ep.dist.name if ep.dist else "unknown distribution"
            pm.broken[ep.name] = f"{dist}: {type(exc).__name__}: {exc}"
            if pm.get_plugin(ep.name) is not None:
                pm.unregister(name=ep.name)
            continue
        if ep.dist is not None:
            pm.distributions[id(plugin)] = (ep.dist.name, ep.dist.version)


class Providers:
    """The installed providers and a hook caller per provider."""

    def __init__(self, pm: LwPluginManager) -> None:
        self.pm = pm
        self._installed: dict[str, InstalledProvider] = {}
        for impl in pm.hook.lw_providers.get_hookimpls():
            try:
                declared: list[ProviderInfo] = list(impl.function() or ())  # type: ignore[call-overload]
            except Exception as exc:  # a plugin that cannot even describe itself
                pm.broken[impl.plugin_name] = f"lw_providers failed: {type(exc).__name__}: {exc}"
                continue
            for info in declared:
                dist_name, version = pm.distributions.get(id(impl.plugin), ("(not installed)", "-"))
                if info.name in self._installed:
                    other = self._installed[info.name]
                    raise UsageError(
                        f"provider {info.name!r} is declared by both {other.distribution} and {dist_name}; "
                        "uninstall one or block it with LW_DISABLE_PLUGINS"
                    )
                self._installed[info.name] = InstalledProvider(info, impl.plugin, dist_name, version)

    def names(self) -> list[str]:
        return sorted(self._installed)

    def all(self) -> list[InstalledProvider]:
        return [self._installed[n] for n in self.names()]

    def get(self, name: str) -> InstalledProvider:
        try:
            return self._installed[name]
        except KeyError:
            broken = self.pm.broken.get(name)
            if broken:
                raise UsageError(f"provider plugin {name!r} failed to load ({broken})") from None
            installed = ", ".join(self.names()) or "none"
            raise UsageError(
                f"unknown provider {name!r}; installed providers: {installed}",
                hint=f"a third-party provider is installed with pip, e.g. pip install lw-{name}",
            ) from None

    def hook(self, provider: str, hook_name: str) -> Callable[..., Any]:
        """The named provider hook, answered only by the plugin that owns ``provider``.

        Calling it when the provider does not implement the hook raises a
        ``UsageError`` naming the missing capability instead of silently doing nothing.
        """
        owner = self.get(provider).plugin
        others = [p for p in self.pm.get_plugins() if p is not owner]
        caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)

        def call(**kwargs: Any) -> Any:
            if not caller.get_hookimpls():
                raise UsageError(f"provider {provider!r} does not support {hook_name.removeprefix('lw_')}")
            return caller(**kwargs)

        return call

    def collect(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a cross-cutting hook on every plugin."""
        return list(getattr(self.pm.hook, hook_name)(**kwargs))
