"""Reading ``lw.yml`` (YAML or JSON) into plain data, with one-line syntax errors.

A syntax error is reported as ``file:line:col: message`` (editors jump to it) and a
key written twice is an error: YAML would silently keep the last one, and a stage
whose ``memory_size`` is ignored is worse than a refused file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, cast

import yaml

from lw.core.errors import ConfigError


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the current folder when inside it."""
    try:
        return os.path.relpath(path) if path.is_absolute() and Path.cwd() in path.parents else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


# The C parser when PyYAML has it: a 1 MiB file loads in a fraction of a second
# instead of several; the constructors (and so every check below) are the same.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Numbers longer than this are refused: no setting needs one, and Python refuses to
# convert integers over 4,300 digits to or from text (a ValueError far from the file).
MAX_NUMBER_DIGITS = 100
# How many values YAML aliases (*name) may add to the file's own: a few kilobytes of
# nested aliases ("billion laughs") would otherwise expand to billions of values.
ALIAS_BUDGET = 10_000


class _StrictLoader(_BaseLoader):  # type: ignore[misc]
    """A safe loader that refuses duplicate keys, unhashable keys and huge numbers."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a plain key (text or number), got a {_kind(key)}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen[key] = True
    return cast("dict[Any, Any]", loader.construct_mapping(node, deep=deep))


def _kind(value: Any) -> str:
    return cast("dict[type, str]", {list: "list", dict: "mapping"}).get(type(value), type(value).__name__)


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    digits = sum(ch.isalnum() for ch in str(node.value))
    if digits > MAX_NUMBER_DIGITS + 2:  # + a 0x/0o/0b prefix
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"a number of {digits} digits; numbers are limited to {MAX_NUMBER_DIGITS} (quote it if it is text)",
            node.start_mark,
        )
    try:
        return int(yaml.constructor.SafeConstructor.construct_yaml_int(loader, node))
    except ValueError as error:
        raise yaml.constructor.ConstructorError(None, None, f"not a number: {error}", node.start_mark) from None


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _refuse_alias_bomb(root: yaml.Node, text_length: int, label: str) -> None:
    """Count the values the document expands to (a node reached through several aliases
    counts each time) and refuse more than the file could hold without aliases (one per
    character at most) plus ``ALIAS_BUDGET``.

    Sizes are memoised per collection node, so this costs one visit per distinct node
    whatever the expansion, and it walks with an explicit stack, never recursing.
    """
    limit = text_length + ALIAS_BUDGET
    sizes: dict[int, int] = {}
    open_ids: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack[-1]
        key = id(node)
        if key in sizes:
            stack.pop()
            continue
        children = _collection_children(node)
        if key not in open_ids:  # first visit: size the children first
            open_ids.add(key)
            for child in children:
                child_id = id(child)
                if child_id in open_ids:
                    raise ConfigError(f"{label}: a YAML alias (*name) refers to a value that contains it")
                if child_id not in sizes:
                    stack.append(child)
            continue
        stack.pop()
        open_ids.discard(key)
        total = 1 + len(node.value) * (2 if node.__class__ is yaml.MappingNode else 1) - len(children)
        for child in children:
            total += sizes[id(child)]
        if total > limit:
            raise ConfigError(
                f"{label}: YAML aliases (*name) expand to more than {ALIAS_BUDGET} values beyond the file's own; "
                "write the values out or use fewer nested aliases"
            )
        sizes[key] = total


def _collection_children(node: yaml.Node) -> list[yaml.Node]:
    """The mapping or sequence nodes directly inside ``node`` (scalars count 1 each)."""
    if node.__class__ is yaml.MappingNode:
        return [part for pair in node.value for part in pair if part.__class__ is not yaml.ScalarNode]
    if node.__class__ is yaml.SequenceNode:
        return [item for item in node.value if item.__class__ is not yaml.ScalarNode]
    return []


def load_yaml(text: str, label: str) -> Any:
    """Parse YAML text with the strict loader, refusing alias bombs before building
    any value (also used for values that arrive through ``${env:...}``)."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _refuse_alias_bomb(node, len(text), label)
        return loader.construct_document(node)
    finally:
        loader.dispose()


class _JsonProblem(ValueError):
    pass


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key written twice as the YAML loader does."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _JsonProblem(f"duplicate key {key!r}")
        found[key] = value
    return found


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _JsonProblem(
            f"a number of {len(text.lstrip('-'))} digits; numbers are limited to {MAX_NUMBER_DIGITS} "
            "(quote it if it is text)"
        )
    return int(text)


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
            data = json.loads(text, object_pairs_hook=_json_object, parse_int=_json_int)
        except json.JSONDecodeError as error:
            raise ConfigError(f"{label}:{error.lineno}:{error.colno}: JSON syntax error: {error.msg}") from None
        except _JsonProblem as error:
            raise ConfigError(f"{label}: {error}") from None
        except RecursionError:
            raise ConfigError(f"{label}: values are nested too deeply") from None
    else:
        try:
            data = load_yaml(text, label)
        except yaml.YAMLError as error:
            raise _yaml_error(label, error) from None
        except RecursionError:
            raise ConfigError(f"{label}: values are nested too deeply") from None
    if data is None:
        raise ConfigError(
            f"{label}: empty; expected stage names mapped to settings, e.g. 'dev: {{app_function: app.app}}'"
        )
    if not isinstance(data, dict):
        raise ConfigError(f"{label}: expected stage names mapped to settings, got a {type(data).__name__}")
    _refuse_self_reference(data, label)
    return data
