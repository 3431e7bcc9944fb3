"""What the policy scanner knows and has found, shared by its parts.

``scanner.Scanner`` drives the passes, ``walker.Walker`` interprets one module per pass
and ``boto3_calls`` gives boto3's objects their meaning; all of them read and write the
state kept here, which is why it lives below them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from lw.providers.aws.policygen.values import Value


@dataclass(frozen=True)
class RawCall:
    """One API operation the code can perform, with its literal request parameters
    (a parameter present with value None was given but is not a literal)."""

    file: str
    line: int
    service: str
    operation: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class SourceModule:
    rel_path: str
    name: str
    tree: ast.Module


class ScanState:
    """The facts learnt so far (names, attributes, what functions return and receive)
    and the calls and warnings found by the current pass."""

    def __init__(self, modules: Iterable[SourceModule], environment: Mapping[str, str] | None = None) -> None:
        self.modules = list(modules)
        # The variables lw sets in the function (lw.yml), so that
        # os.environ["BUCKET"] is as literal as "uploads" when the stage sets it.
        self.environment = dict(environment or {})
        self.module_names = {m.name for m in self.modules}
        # Every package prefix of the app's modules ("shop" for "shop.views").
        self.packages = {".".join(m.split(".")[:i]) for m in self.module_names for i in range(1, m.count(".") + 2)}
        self.globals: dict[str, dict[str, Value | None]] = {}
        self.attributes: dict[str, dict[str, Value]] = {}
        # What functions return and receive, as learnt by the previous pass (read) and
        # the current one (written): each pass starts from the last pass's knowledge.
        self.returns: dict[str, Value] = {}
        self.arguments: dict[str, dict[str, Value | None]] = {}
        self.next_returns: dict[str, Value] = {}
        self.next_arguments: dict[str, dict[str, Value | None]] = {}
        self.calls: dict[tuple[Any, ...], RawCall] = {}
        self.warnings: dict[tuple[str, int, str], str] = {}
        self.untraced: list[tuple[str, int, ast.expr, str]] = []

    def warn(self, file: str, line: int, message: str) -> None:
        self.warnings[(file, line, message)] = f"{file}:{line}: {message}"
