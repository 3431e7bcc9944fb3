"""``lw.yml`` -> ``AppModel``: select the stage, inherit, interpolate, validate, build.

Validation gathers every problem before raising, because a user fixing a config one
error per deploy attempt is the slowest loop there is. Each problem names the file,
the stage and the key path, with the value received and what was expected.

Provider blocks (``aws:``, ``openwhisk:``, …) are checked against the keys that the
installed provider declares. A mapping under a name that no installed provider or
plugin declares is refused (``vpc_confg: {...}`` must not deploy silently); only the
built-in providers' blocks and the block of the stage's own, not installed, provider
(whose absence the caller reports) are kept unchecked.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

from lw.core import scope
from lw.core.config_env import interpolate
from lw.core.config_events import load_events
from lw.core.config_file import display_path, read_config
from lw.core.config_names import slugify
from lw.core.config_values import check_spec, describe, suggest
from lw.core.errors import ConfigError, UsageError
from lw.core.model import AppModel
from lw.core.provider import ProviderInfo, SettingSpec
from lw.core.settings_schema import all_top_level_settings

DEFAULT_PROVIDER = "aws"
BUILTIN_PROVIDER_BLOCKS = ("aws", "openwhisk", "local")
STAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}")
NAME_BUDGET = 50  # <project>-<stage>; leaves room for a suffix within AWS's 64 characters
_NOT_IN_BLOCKS = ("provider", "extends", "events", "project_name")

KeyPath = tuple[str | int, ...]
MAX_MESSAGE = 300


def format_path(path: KeyPath) -> str:
    """``("events", 0, "event_source", "arn")`` -> ``events[0].event_source.arn``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class Problems:
    """Problems of one stage, each rendered as ``file: stage 'x': key.path: message``."""

    def __init__(self, label: str, stage: str) -> None:
        self.label = label
        self.stage = stage
        self.items: list[str] = []

    def add(self, path: KeyPath, message: str) -> None:
        where = f"{format_path(path)}: " if path else ""
        if len(message) > MAX_MESSAGE:  # a pasted blob as a value must not flood the terminal
            message = f"{message[:MAX_MESSAGE]}... ({len(message)} characters)"
        self.items.append(f"{self.label}: stage '{self.stage}': {where}{message}")

    def raise_if_any(self) -> None:
        if self.items:
            count = len(self.items)
            raise ConfigError(
                f"{self.label}: stage '{self.stage}' has {count} problem{'s' if count > 1 else ''}", self.items
            )


def _stages_by_name(label: str, document: Mapping[Any, Any]) -> dict[str, Any]:
    """Stage name -> settings; ``1:`` and ``'1':`` are one name, so both is an error
    rather than one silently replacing the other."""
    stages: dict[str, Any] = {}
    for name, value in document.items():
        text = str(name)
        if text in stages:
            raise ConfigError(f"{label}: stage {text!r} is written twice (as {text} and as '{text}'); keep one")
        stages[text] = value
    return stages


def select_stage(label: str, data: Mapping[str, Any], stage: str | None) -> str:
    """The stage to load: the one asked for, or the only one."""
    stages = [str(name) for name in data]
    if stage is None:
        if len(stages) == 1:
            return stages[0]
        raise UsageError(f"{label} has stages {', '.join(stages)}; choose one with --stage or LW_STAGE")
    if stage not in data:
        raise UsageError(f"{label} has no stage {stage!r}{suggest(stage, stages)}; stages: {', '.join(stages)}")
    return stage


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: mappings merge key by key, anything else replaces."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_extends(label: str, data: Mapping[str, Any], stage: str) -> dict[str, Any]:
    """The stage's settings with its ``extends`` chain applied (the chain's root first)."""
    chain: list[str] = []
    name = stage
    while True:
        if name in chain:
            cycle = " -> ".join([*chain[chain.index(name) :], name])
            raise ConfigError(f"{label}: stage '{chain[-1]}': extends: cycle {cycle}")
        chain.append(name)
        block = data[name]
        if block is None:
            block = {}
        if not isinstance(block, Mapping):
            raise ConfigError(f"{label}: stage '{name}': expected a mapping of settings, got {describe(block)}")
        parent = block.get("extends")
        if parent is None:
            break
        if not isinstance(parent, str):
            raise ConfigError(f"{label}: stage '{name}': extends: expected a stage name, got {describe(parent)}")
        if parent not in data:
            stages = [str(s) for s in data]
            raise ConfigError(
                f"{label}: stage '{name}': extends: no stage {parent!r}{suggest(parent, stages)}; "
                f"stages: {', '.join(stages)}"
            )
        name = parent
    settings: dict[str, Any] = {}
    for ancestor in reversed(chain):
        settings = deep_merge(settings, data[ancestor] or {})
    settings.pop("extends", None)
    return settings


class _Validator:
    """Validates one stage's interpolated settings, collecting problems."""

    def __init__(
        self,
        problems: Problems,
        table: Mapping[str, SettingSpec],
        providers: Sequence[ProviderInfo],
        typed_paths: Mapping[KeyPath, str],
        selected: str | None = None,
    ) -> None:
        self.problems = problems
        self.table = table
        self.providers = {p.name: p for p in providers}
        self.typed_paths = typed_paths
        self.selected = selected

    def value(self, spec: SettingSpec, value: Any, path: KeyPath) -> Any:
        """The value to keep (the raw text of an interpolated string setting), after checking it."""
        if spec.name == "log_level" and isinstance(value, str):
            value = value.upper()
        messages = check_spec(spec, value)
        if messages and path in self.typed_paths:
            text = self.typed_paths[path]
            if not check_spec(spec, text):
                return text
        for message in messages:
            self.problems.add((*path, *getattr(message, "at", ())), message)
        return value

    def top_level(self, settings: dict[str, Any]) -> dict[str, Any]:
        checked: dict[str, Any] = {}
        for key, value in settings.items():
            if not isinstance(key, str):
                self.problems.add((), f"expected setting names to be strings, got {describe(key)}")
            elif key in self.table:
                checked[key] = self.value(self.table[key], value, (key,))
            elif key in self.providers:
                checked[key] = self.block(self.providers[key], value)
            elif self._foreign_block(key, value, self.selected or settings.get("provider")):
                checked[key] = value
            else:
                self.problems.add((key,), self._unknown(key, value))
        return checked

    def _unknown(self, key: str, value: Any) -> str:
        """Why ``key`` is refused, with the likeliest fix: a typo, a setting that belongs
        in a provider's block, or a block nothing installed declares."""
        owners = [name for name, info in self.providers.items() if any(s.name == key for s in info.block_settings)]
        if owners:
            return f"unknown key: {key} is a setting of the {owners[0]} block; move it under '{owners[0]}:'"
        hint = suggest(key, [*self.table, *self.providers])
        if hint or not isinstance(value, Mapping):
            return f"unknown key{hint}"
        return (
            f"unknown key: no installed provider or plugin declares a '{key}' block "
            "(install the one that uses it, or remove the block)"
        )

    def _foreign_block(self, key: str, value: Any, stage_provider: Any) -> bool:
        """A block lw cannot check here but must keep: a built-in provider's (it ships
        with lw), or the block of the stage's own provider when that provider is not
        installed (the caller then says how to install it). Any other mapping is
        refused: an unchecked block is how a typo (``vpc_confg:``) deploys silently."""
        if key in BUILTIN_PROVIDER_BLOCKS:
            if not isinstance(value, Mapping):
                self.problems.add((key,), f"expected a mapping of {key} settings, got {describe(value)}")
            return True
        return isinstance(value, Mapping) and key == stage_provider

    def block(self, info: ProviderInfo, value: Any) -> dict[str, Any]:
        name = info.name
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problems.add((name,), f"expected a mapping of {name} settings, got {describe(value)}")
            return {}
        own = {spec.name: spec for spec in info.block_settings}
        allowed = {**{k: s for k, s in self.table.items() if k not in _NOT_IN_BLOCKS}, **own}
        checked: dict[str, Any] = {}
        for key, item in value.items():
            spec = allowed.get(str(key))
            if key in _NOT_IN_BLOCKS:
                scoped = f" (scope an event to {name} with 'providers: [{name}]')" if key == "events" else ""
                self.problems.add((name, str(key)), f"set it at the stage's top level, not in the {name} block{scoped}")
            elif spec is None:
                hint = suggest(str(key), list(allowed))
                self.problems.add((name, str(key)), f"unknown {name} setting{hint}")
            else:
                checked[str(key)] = self.value(spec, item, (name, str(key)))
        return checked


def _cross_checks(problems: Problems, settings: Mapping[str, Any], effective: Mapping[str, Any]) -> None:
    if effective.get("app_function") and effective.get("django_settings"):
        problems.add(("django_settings",), "expected either app_function or django_settings, got both")
    if not (effective.get("app_function") or effective.get("django_settings") or settings.get("events")):
        problems.add(("app_function",), "missing: expected app_function or django_settings (or events)")


# Mappings whose values end up as strings (environment, tags): an interpolated "1.10"
# must stay "1.10", not become the number 1.1.
_TEXT_MAPPINGS = ("environment_variables", "aws_environment_variables", "tags")


def _restore_text(settings: dict[str, Any], typed_paths: Mapping[KeyPath, str]) -> None:
    for path, text in typed_paths.items():
        *parents, leaf = path
        if len(parents) in (1, 2) and parents[-1] in _TEXT_MAPPINGS:
            node: Any = settings
            for part in parents:
                node = node.get(part) if isinstance(node, Mapping) else None
            if isinstance(node, dict) and leaf in node:
                node[leaf] = text


def _effective(settings: Mapping[str, Any], block: Mapping[str, Any], key: str, default: Any) -> Any:
    """The provider block's value, else the stage's, else the default (``null`` means unset)."""
    for value in (block.get(key), settings.get(key)):
        if value is not None:
            return value
    return default


def _merged(settings: Mapping[str, Any], block: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A mapping the provider block adds to rather than replaces: ``local:
    environment_variables`` changes one variable for local runs and keeps the others."""
    merged = dict(settings.get(key) or {}) if isinstance(settings.get(key), Mapping) else {}
    if isinstance(block.get(key), Mapping):
        merged.update(block[key])
    return merged


def _project_name(problems: Problems, settings: Mapping[str, Any], project_dir: Path, stage: str) -> str:
    name = settings.get("project_name")
    if not isinstance(name, str) or not name:
        name = slugify(project_dir.name)
        if not name:
            problems.add(("project_name",), f"missing: the folder name {project_dir.name!r} gives no usable name")
            return "app"
    if len(name) + 1 + len(stage) > NAME_BUDGET:
        problems.add(
            ("project_name",),
            f"'{name}-{stage}' is {len(name) + 1 + len(stage)} characters; project_name and stage together "
            f"must stay within {NAME_BUDGET} so that resource names fit provider limits",
        )
    return name


def load_app(
    config_path: Path,
    *,
    stage: str | None,
    provider: str | None,
    providers: list[ProviderInfo],
    extra_settings: Sequence[SettingSpec] = (),
) -> AppModel:
    """Load one stage of ``config_path`` for ``provider`` (explicit > stage's > aws).

    Raises ``UsageError`` when the stage cannot be chosen and ``ConfigError`` listing
    every problem of the stage. An unknown provider name is left to the caller, which
    knows the installed providers and says how to install one.
    """
    config_path = Path(config_path)
    label = display_path(config_path)
    data = _stages_by_name(label, read_config(config_path))
    stage_name = select_stage(label, data, stage)
    problems = Problems(label, stage_name)
    if not STAGE_NAME.fullmatch(stage_name):
        problems.add((), "stage name: expected letters, digits, '-' or '_', at most 20 characters")
    interpolated = interpolate(resolve_extends(label, data, stage_name))
    for path, message in interpolated.problems:
        problems.add(path, message)
    table = all_top_level_settings(providers, extra_settings)
    validator = _Validator(problems, table, providers, interpolated.typed_paths, selected=provider)
    settings = validator.top_level(interpolated.value)

    stage_provider = settings.get("provider")
    provider_name = provider or (stage_provider if isinstance(stage_provider, str) else None) or DEFAULT_PROVIDER
    raw_block = settings.get(provider_name)
    block: Mapping[str, Any] = raw_block if isinstance(raw_block, Mapping) else {}
    known = [p.name for p in providers]
    raw_events = settings.get("events")
    events = load_events(raw_events if isinstance(raw_events, list) else None, problems.add, known)
    project_dir = config_path.resolve().parent
    project_name = _project_name(problems, settings, project_dir, stage_name)

    info = next((p for p in providers if p.name == provider_name), None)

    def default(key: str) -> Any:
        """A key's default applies only where the provider honours the key (keep_warm)."""
        spec = table[key]
        return spec.default if key in scope.BUILD_INPUTS or scope.honours(info, spec) else None

    def get(key: str) -> Any:
        return _effective(settings, block, key, default(key))

    def typed(key: str) -> Any:
        """A typed field of the model keeps a value of its type where the key is ignored."""
        value = get(key)
        return table[key].default if value is None else value

    _cross_checks(problems, settings, {k: get(k) for k in ("app_function", "django_settings")})
    problems.raise_if_any()

    _restore_text(settings, interpolated.typed_paths)
    full = {name: copy.deepcopy(default(name)) for name in table}
    full.update(settings)
    full.pop("extends", None)
    full["provider"] = provider_name
    full["project_name"] = project_name
    return AppModel(
        project_name=project_name,
        stage=stage_name,
        provider=provider_name,
        project_dir=project_dir,
        config_file=config_path.resolve(),
        app_function=get("app_function"),
        django_settings=get("django_settings"),
        runtime=get("runtime"),
        architecture=get("architecture"),
        memory_size=typed("memory_size"),
        timeout_seconds=typed("timeout_seconds"),
        environment_variables={str(k): str(v) for k, v in _merged(settings, block, "environment_variables").items()},
        events=events,
        keep_warm=bool(get("keep_warm")),
        keep_warm_expression=typed("keep_warm_expression"),
        binary_support=typed("binary_support"),
        exception_handler=get("exception_handler"),
        log_level=typed("log_level"),
        settings=full,
        ignored_settings=scope.ignored_keys(settings, table, info),
    )
