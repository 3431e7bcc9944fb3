"""Reading ``lw.yml`` (YAML or JSON) into plain data, with one-line syntax errors.

A syntax error is reported as ``file:line:col: message`` (editors jump to it) and a
key written twice is an error: YAML would silently keep the last one, and a stage
whose ``memory_size`` is ignored is worse than a refused file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from lw.core.errors import ConfigError


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the current folder when inside it."""
    try:
        return os.path.relpath(path) if path.is_absolute() and Path.cwd() in path.parents else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, (str, int, float, bool)) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _yaml_error(label: str, error: yaml.YAMLError) -> ConfigError:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        if mark is not None:
            return ConfigError(f"{label}:{mark.line + 1}:{mark.column + 1}: YAML syntax error: {problem}")
        return ConfigError(f"{label}: YAML syntax error: {problem}")
    return ConfigError(f"{label}: YAML syntax error: {str(error).splitlines()[0]}")


MAX_DEPTH = 64


def _refuse_self_reference(node: Any, label: str, open_ids: set[int] | None = None) -> None:
    """YAML anchors can make a list contain itself, and absurd nesting exhausts the stack;
    both would make every later walk of the settings crash instead of report."""
    if not isinstance(node, (dict, list)):
        return
    open_ids = set() if open_ids is None else open_ids
    if id(node) in open_ids:
        raise ConfigError(f"{label}: a YAML alias (*name) refers to a value that contains it")
    if len(open_ids) >= MAX_DEPTH:
        raise ConfigError(f"{label}: values are nested more than {MAX_DEPTH} levels deep")
    open_ids.add(id(node))
    for child in node.values() if isinstance(node, dict) else node:
        _refuse_self_reference(child, label, open_ids)
    open_ids.discard(id(node))


def read_config(config_path: Path) -> dict[str, Any]:
    """The file's top-level mapping (stage name -> settings)."""
    label = display_path(config_path)
    if not config_path.is_file():
        raise ConfigError(f"{label}: no such file (run 'lw init' to write one, or pass --config)")
    try:
        text = config_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{label}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise ConfigError(f"{label}: cannot read: {error.strerror}") from None
    if config_path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(f"{label}:{error.lineno}:{error.colno}: JSON syntax error: {error.msg}") from None
        except RecursionError:
            raise ConfigError(f"{label}: values are nested too deeply") from None
    else:
        try:
            data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as error:
            raise _yaml_error(label, error) from None
        except RecursionError:
            raise ConfigError(f"{label}: values are nested too deeply") from None
    if data is None:
        raise ConfigError(f"{label}: empty; expected stage names mapped to settings, e.g. 'dev: {{app_function: app.app}}'")
    if not isinstance(data, dict):
        raise ConfigError(f"{label}: expected stage names mapped to settings, got a {type(data).__name__}")
    _refuse_self_reference(data, label)
    return data
