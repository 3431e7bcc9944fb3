"""``${env:NAME}`` and ``${env:NAME, default}`` interpolation in configuration strings.

Interpolation happens at load time on the deploying machine (CI secrets, per-developer
values). ``${ssm:...}`` and ``${secretsmanager:...}`` are deliberately left alone: they
are resolved by the function at cold start, so the secret never lands in the package.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

Path = tuple[str | int, ...]

ENV_REFERENCE = re.compile(r"\$\{env:([^},]*)(?:,([^}]*))?\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Interpolation:
    """The result of interpolating a settings tree.

    ``typed_paths`` maps the keys whose whole value was one reference to the text
    substituted: that text was read as a YAML scalar (so ``memory_size: ${env:MEM}``
    gives an integer), and a string setting falls back to the text (a numeric tag or
    account id is still a string).
    """

    value: Any
    problems: list[tuple[Path, str]] = field(default_factory=list)
    typed_paths: dict[Path, str] = field(default_factory=dict)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


_SCALAR_MAX = 120  # longer text cannot be a number or a boolean lw accepts


def _scalar(text: str) -> Any:
    """``"1024"`` -> 1024, ``"true"`` -> True; anything else stays text.

    The variable's value comes from outside the file (a CI secret, a shell), so it is
    parsed only when it could be a scalar at all: a long number or deeply nested flow
    YAML stays text for the setting's own check to report.
    """
    stripped = text.strip()
    if not stripped or len(stripped) > _SCALAR_MAX or stripped[0] in "[{&*!|>%@`\"'":
        return text
    try:
        parsed = yaml.safe_load(stripped)
    except (yaml.YAMLError, ValueError, RecursionError):
        return text
    return parsed if isinstance(parsed, (bool, int, float)) else text


def interpolate(tree: Any, environ: Mapping[str, str] | None = None) -> Interpolation:
    """Replace every ``${env:...}`` reference in the strings of ``tree`` (a new tree is returned)."""
    env = os.environ if environ is None else environ
    result = Interpolation(value=None)

    def replace_in(text: str, path: Path) -> Any:
        whole = ENV_REFERENCE.fullmatch(text.strip()) is not None

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if not _NAME.fullmatch(name):
                result.problems.append((path, f"expected ${{env:NAME}} with a variable name, got {match.group(0)!r}"))
                return match.group(0)
            if name in env:
                return env[name]
            if match.group(2) is not None:
                return _unquote(match.group(2))
            result.problems.append(
                (path, f"environment variable {name} is not set (write ${{env:{name}, default}} for a default)")
            )
            return match.group(0)

        replaced = ENV_REFERENCE.sub(substitute, text)
        if whole and replaced != text:
            result.typed_paths[path] = replaced
            return _scalar(replaced)
        return replaced

    def walk(node: Any, path: Path) -> Any:
        if isinstance(node, str):
            return replace_in(node, path) if "${env:" in node else node
        if isinstance(node, Mapping):
            return {key: walk(value, (*path, key)) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value, (*path, index)) for index, value in enumerate(node)]
        return node

    result.value = walk(tree, ())
    return result
