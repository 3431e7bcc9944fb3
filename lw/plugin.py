"""The public API for lw plugins and providers: everything a provider imports from lw.

Import from here, never from ``lw.core.*`` or ``lw.cli``: the names below keep their
meaning across minor releases (docs/plugins.md, "Stability"), while the modules they
come from may be reorganised at any time. The built-in providers use this module too.

    from lw.plugin import Change, ProviderInfo, Status, hookimpl
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Where each public name lives. Imported on first use (PEP 562), so that a plugin that
# needs only ``hookimpl`` and ``ProviderInfo`` does not load the packaging engine at
# every ``lw`` start.
_SOURCES = {
    "lw.core.artifact": ("Artifact", "Build", "Target"),
    "lw.core.context": ("Context", "Reporter"),
    "lw.core.credentials": ("ProviderCredentials", "env_prefix", "redact", "resolve_credentials"),
    "lw.core.entry": ("artifact_path", "entry_file", "entry_module", "package_files", "runtime_files", "settings_json"),
    "lw.core.errors": ("ApplyError", "ConfigError", "LwError", "PackagingError", "ProviderError", "UsageError"),
    "lw.core.hookspecs": ("hookimpl",),
    "lw.core.images": (
        "ImageSpec",
        "PackageChoice",
        "PreparedImage",
        "PushedImage",
        "RegistryCredentials",
        "RegistryLocation",
        "architecture_platform",
        "choose_package_type",
        "parse_registry_setting",
        "prepare_image",
        "publish_image",
        "push_image",
        "registry_credentials",
        "target_repository",
        "unpacked_size",
    ),
    "lw.core.invocation": ("Invocation", "command"),
    "lw.core.model": ("AppModel", "EventBinding"),
    "lw.core.packaging": ("SizeLimits", "build_neutral", "write_dependency_zip", "write_zip"),
    "lw.core.plan": ("Action", "Change", "Outputs", "Phase", "Plan", "apply_plan"),
    "lw.core.plugins": ("Providers", "make_plugin_manager"),
    "lw.core.provider": (
        "InvokeRequest",
        "InvokeResult",
        "LogQuery",
        "OptionSpec",
        "PackageTarget",
        "ProviderInfo",
        "RollbackTarget",
        "SettingSpec",
        "Status",
    ),
    "lw.core.scope": ("honoured_settings",),
    "lw.core.workflow": ("Session", "package", "provider_hook"),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}

if TYPE_CHECKING:
    from lw.core.artifact import Artifact, Build, Target
    from lw.core.context import Context, Reporter
    from lw.core.credentials import ProviderCredentials, env_prefix, redact, resolve_credentials
    from lw.core.entry import artifact_path, entry_file, entry_module, package_files, runtime_files, settings_json
    from lw.core.errors import ApplyError, ConfigError, LwError, PackagingError, ProviderError, UsageError
    from lw.core.hookspecs import hookimpl
    from lw.core.images import (
        ImageSpec,
        PackageChoice,
        PreparedImage,
        PushedImage,
        RegistryCredentials,
        RegistryLocation,
        architecture_platform,
        choose_package_type,
        parse_registry_setting,
        prepare_image,
        publish_image,
        push_image,
        registry_credentials,
        target_repository,
        unpacked_size,
    )
    from lw.core.invocation import Invocation, command
    from lw.core.model import AppModel, EventBinding
    from lw.core.packaging import SizeLimits, build_neutral, write_dependency_zip, write_zip
    from lw.core.plan import Action, Change, Outputs, Phase, Plan, apply_plan
    from lw.core.plugins import Providers, make_plugin_manager
    from lw.core.provider import (
        InvokeRequest,
        InvokeResult,
        LogQuery,
        OptionSpec,
        PackageTarget,
        ProviderInfo,
        RollbackTarget,
        SettingSpec,
        Status,
    )
    from lw.core.scope import honoured_settings
    from lw.core.workflow import Session, package, provider_hook


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'lw.plugin' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once imported, a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


# Bumped when a name below changes incompatibly (see docs/plugins.md, "Stability").
API_VERSION = 1

__all__ = [
    "API_VERSION",
    "Action",
    "AppModel",
    "ApplyError",
    "Artifact",
    "Build",
    "Change",
    "ConfigError",
    "Context",
    "EventBinding",
    "ImageSpec",
    "Invocation",
    "InvokeRequest",
    "InvokeResult",
    "LogQuery",
    "LwError",
    "OptionSpec",
    "Outputs",
    "PackageChoice",
    "PackageTarget",
    "PackagingError",
    "Phase",
    "Plan",
    "PreparedImage",
    "ProviderCredentials",
    "ProviderError",
    "ProviderInfo",
    "Providers",
    "PushedImage",
    "RegistryCredentials",
    "RegistryLocation",
    "Reporter",
    "RollbackTarget",
    "Session",
    "SettingSpec",
    "SizeLimits",
    "Status",
    "Target",
    "UsageError",
    "apply_plan",
    "architecture_platform",
    "artifact_path",
    "build_neutral",
    "choose_package_type",
    "command",
    "entry_file",
    "entry_module",
    "env_prefix",
    "honoured_settings",
    "hookimpl",
    "make_plugin_manager",
    "package",
    "package_files",
    "parse_registry_setting",
    "prepare_image",
    "provider_hook",
    "publish_image",
    "push_image",
    "redact",
    "registry_credentials",
    "resolve_credentials",
    "runtime_files",
    "settings_json",
    "target_repository",
    "unpacked_size",
    "write_dependency_zip",
    "write_zip",
]
