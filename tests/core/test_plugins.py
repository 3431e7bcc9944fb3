"""The plugin system: discovery through entry points, one provider answers, docs match."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from lw.core import hookspecs
from lw.core.errors import UsageError
from lw.core.hookspecs import hookimpl
from lw.core.plan import Change
from lw.core.plugins import PROVIDER_HOOKS, Providers, make_plugin_manager
from lw.core.provider import ProviderInfo

ROOT = Path(__file__).resolve().parents[2]


class FakeProvider:
    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[str] = []

    @hookimpl
    def lw_providers(self) -> list[ProviderInfo]:
        return [ProviderInfo(name=self.name, description=f"{self.name} for tests")]

    @hookimpl
    def lw_route(self, ctx: Any) -> list[Change]:
        self.calls.append("route")
        return [Change("noop", f"{self.name} route", "test")]


class Meddler:
    """A plugin that tries to answer every provider's route hook."""

    @hookimpl(tryfirst=True)
    def lw_route(self, ctx: Any) -> list[Change]:
        raise AssertionError("a plugin acted for a provider it does not own")


def test_only_the_owning_plugin_answers_a_provider_hook() -> None:
    alpha, beta = FakeProvider("alpha"), FakeProvider("beta")
    providers = Providers(make_plugin_manager(load_entrypoints=False, plugins=(alpha, beta, Meddler())))
    changes = providers.hook("beta", "lw_route")(ctx=None)
    assert [c.resource for c in changes] == ["beta route"]
    assert beta.calls == ["route"] and alpha.calls == []


def test_unimplemented_hook_is_a_clear_usage_error() -> None:
    providers = Providers(make_plugin_manager(load_entrypoints=False, plugins=(FakeProvider("alpha"),)))
    with pytest.raises(UsageError, match="provider 'alpha' does not support rollback"):
        providers.hook("alpha", "lw_rollback")(ctx=None, target=None)


def test_unknown_provider_names_the_installed_ones() -> None:
    providers = Providers(
        make_plugin_manager(load_entrypoints=False, plugins=(FakeProvider("alpha"), FakeProvider("beta")))
    )
    with pytest.raises(UsageError) as info:
        providers.get("gcp")
    assert info.value.exit_code == 2
    assert "unknown provider 'gcp'; installed providers: alpha, beta" in str(info.value)


def test_two_plugins_declaring_one_provider_is_an_error() -> None:
    pm = make_plugin_manager(load_entrypoints=False, plugins=(FakeProvider("alpha"), FakeProvider("alpha")))
    with pytest.raises(UsageError, match="provider 'alpha' is declared by both"):
        Providers(pm)


def test_builtin_providers_register_through_entry_points() -> None:
    providers = Providers(make_plugin_manager())
    for name in ("aws", "openwhisk", "local"):
        installed = providers.get(name)
        assert installed.distribution == "lw-deploy"  # `lw providers` names what to pip install
        assert type(installed.plugin).__name__ == "module"


def test_disable_plugins_blocks_an_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LW_DISABLE_PLUGINS", "openwhisk")
    assert "openwhisk" not in Providers(make_plugin_manager()).names()


def test_every_provider_hook_is_a_firstresult_hookspec() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    for name in PROVIDER_HOOKS:
        caller = getattr(pm.hook, name)
        assert caller.spec is not None and caller.spec.opts["firstresult"], name


def test_docs_list_every_hook_with_its_exact_signature() -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text()
    for name, func in inspect.getmembers(hookspecs, inspect.isfunction):
        if not name.startswith("lw_"):
            continue
        sig = inspect.signature(func)
        params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
        expected = f"def {name}({params}) -> {sig.return_annotation}"
        assert expected in docs, f"docs/plugins.md lacks: {expected}"
    documented = set(re.findall(r"def (lw_\w+)\(", docs))
    defined = {n for n, _ in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("lw_")}
    assert documented == defined


def test_a_plugin_with_a_bad_hook_signature_is_reported_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata
    import sys
    import types

    module = types.ModuleType("lw_badsig")

    @hookimpl
    def lw_route(ctx: Any, unexpected: Any) -> list[Change]:  # not in the hookspec
        return []

    module.lw_route = lw_route  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lw_badsig", module)
    real = importlib.metadata.entry_points

    def with_bad(**kwargs: Any) -> Any:
        found = list(real(**kwargs))
        if kwargs.get("group") == "lw":
            found.append(importlib.metadata.EntryPoint(name="badsig", value="lw_badsig", group="lw"))
        return found

    monkeypatch.setattr(importlib.metadata, "entry_points", with_bad)
    pm = make_plugin_manager()
    assert "badsig" in pm.broken and pm.get_plugin("badsig") is None
    providers = Providers(pm)
    assert "aws" in providers.names()
    with pytest.raises(UsageError, match="provider plugin 'badsig' failed to load"):
        providers.get("badsig")
