"""Which settings a provider honours, and the stage's settings its provider ignores.

Every top-level key used to apply to every provider: a stage with ``xray_tracing`` or
``domain`` deployed to OpenWhisk without a word, and ``keep_warm`` defaulted to on
where nothing pings. Providers now declare what they honour (``ProviderInfo.honours``);
the loader gives a key its default only where it is honoured, and the deploy plan
warns about every key the stage sets that its provider ignores (``--strict``: error).
"""

from __future__ import annotations

from typing import Any, Mapping

from lw.core.provider import CORE_HANDLED, ProviderInfo, SettingSpec
from lw.core.settings_schema import CORE_SETTINGS

# Keys the neutral build needs a value for even where the provider ignores them: the
# dependency target falls back on them when the provider declares none.
BUILD_INPUTS = frozenset({"runtime", "architecture"})


def honours(info: ProviderInfo | None, spec: SettingSpec) -> bool:
    """Whether the provider of ``info`` acts on the top-level key ``spec``.

    A provider that is not installed (``None``) is taken to honour everything: the
    caller reports it missing, and nothing should be guessed about it meanwhile.
    """
    return info is None or info.honours_setting(spec)


def generic_settings(table: Mapping[str, SettingSpec]) -> tuple[str, ...]:
    """The keys of ``table`` not scoped to any provider: what a provider honouring
    "everything general" lists in ``ProviderInfo.honours``."""
    return tuple(name for name, spec in table.items() if not spec.providers and name not in CORE_HANDLED)


def ignored_keys(
    settings: Mapping[str, Any], table: Mapping[str, SettingSpec], info: ProviderInfo | None
) -> tuple[str, ...]:
    """The key paths the stage sets (at its top level, or in its own provider's block)
    that its provider does not honour, e.g. ``("xray_tracing", "openwhisk.domain")``."""
    if info is None:
        return ()
    found = [key for key, value in settings.items() if key in table and value is not None]
    block = settings.get(info.name)
    if isinstance(block, Mapping):
        own = {spec.name for spec in info.block_settings}
        found += [f"{info.name}.{key}" for key, value in block.items() if key in table and key not in own]
    return tuple(path for path in found if not honours(info, table[path.rpartition(".")[2]]))


def ignored_message(config_label: str, stage: str, provider: str, key: str, scoped_to: tuple[str, ...]) -> str:
    """One line naming the key, the provider that ignores it and how to silence it."""
    message = f"{config_label}: stage '{stage}': {key} is not honoured by provider '{provider}' and has no effect there"
    if scoped_to and "." not in key:
        message += f" (it applies to {', '.join(scoped_to)}; set it under '{scoped_to[0]}:' for that provider only)"
    return message


def honoured_settings(*, without: tuple[str, ...] = (), plus: tuple[str, ...] = ()) -> tuple[str, ...]:
    """For ``ProviderInfo(honours=...)``: lw's general core settings (those not scoped
    to one provider), less ``without``, plus provider-scoped ones in ``plus``.

    ``honours=honoured_settings(without=("keep_warm", "keep_warm_expression"))`` is a
    provider that does everything general except pinging its function. A name that is
    not a core setting raises ``ValueError``, so a typo fails when the plugin loads.
    """
    table = {spec.name: spec for spec in CORE_SETTINGS}
    unknown = [name for name in (*without, *plus) if name not in table]
    if unknown:
        raise ValueError(f"not lw core settings: {', '.join(sorted(set(unknown)))}")
    general = [name for name in generic_settings(table) if name not in without]
    return tuple(general + [name for name in plus if name not in general])
