"""Static analysis of the app's Python: which boto3 calls it makes, with which literal
arguments.

The scanner is a small abstract interpreter over ``ast``. It follows what an
expression evaluates to (``values``) through assignments to names and attributes,
imports between the app's modules, function returns and arguments, and repeats the
walk until nothing new is learnt, so that a client created at the bottom of a module or
in ``__init__`` is known where it is used. It never imports or runs the app.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from lw.providers.aws.policygen.boto3_calls import describe, is_client_method
from lw.providers.aws.policygen.state import RawCall, ScanState, SourceModule
from lw.providers.aws.policygen.walker import Walker

__all__ = ["MAX_PASSES", "RawCall", "ScanResult", "Scanner", "SourceModule"]

MAX_PASSES = 6


@dataclass
class ScanResult:
    calls: list[RawCall] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Scanner(ScanState):
    """Runs the walk over every module until the learnt facts stop changing."""

    def _facts(self) -> tuple[Any, ...]:
        return (
            {k: dict(v) for k, v in self.globals.items()},
            {k: dict(v) for k, v in self.attributes.items()},
            dict(self.returns),
            {k: dict(v) for k, v in self.arguments.items()},
        )

    def run(self) -> ScanResult:
        for _ in range(MAX_PASSES):
            before = self._facts()
            self.calls.clear()
            self.warnings.clear()
            self.untraced.clear()
            self.next_returns, self.next_arguments = {}, {}
            for module in self.modules:
                Walker(self, module).walk_module()
            self.returns, self.arguments = self.next_returns, self.next_arguments
            if self._facts() == before:
                break
        self._warn_untraced()
        calls = sorted(self.calls.values(), key=lambda c: (c.file, c.line, c.service, c.operation))
        warnings = [self.warnings[k] for k in sorted(self.warnings)]
        return ScanResult(calls=calls, warnings=warnings)

    def _warn_untraced(self) -> None:
        """Method calls on objects the scanner could not follow (a client passed in from
        a framework, a decorator, another package) whose name is an operation of a
        service the app uses elsewhere: most likely a boto3 call that is missing."""
        services = sorted({c.service for c in self.calls.values()})
        for file, line, receiver, method in self.untraced:
            candidates = [s for s in services if is_client_method(s, method)]
            if candidates:
                actions = ", ".join(describe(s, method) for s in candidates)
                call = f"{ast.unparse(receiver)}.{method}(...)"
                self.warn(
                    file,
                    line,
                    f"{call} looks like a boto3 call ({actions}) on an object lw cannot trace "
                    "statically; it is not in the policy (add it to extra_permissions if the "
                    "app needs it)",
                )
