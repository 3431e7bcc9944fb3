"""Plans and their application: the only place where remote writes happen.

A provider's hooks *read* remote state and return ``Change`` objects whose ``apply``
callables hold the writes. The core prints the plan (``--dry-run`` stops there) and
then applies it in order. Because planning never writes and applying only runs what
was planned, the dry run is exactly the plan that would be applied.

Values that are only known once an earlier change ran (a new function's ARN, an API
id) travel through ``Outputs``, a dict shared by every ``apply`` of one plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal

from lw.core.errors import ApplyError, LwError

Action = Literal["create", "update", "delete", "noop"]
Phase = Literal["build", "release", "cleanup"]
PHASE_ORDER: dict[str, int] = {"build": 0, "release": 1, "cleanup": 2}

Outputs = dict[str, Any]
ApplyFn = Callable[[Outputs], Any]


@dataclass
class Change:
    """One planned change to one remote resource.

    ``phase`` orders changes across hooks: ``build`` changes (code, roles, routes,
    event sources) run first, ``release`` changes (moving the live alias, swapping the
    serving action) run only once every build change succeeded, so a failure leaves the
    previous release serving. ``cleanup`` runs last (pruning old versions).
    """

    action: Action
    resource: str
    reason: str
    apply: ApplyFn | None = None
    phase: Phase = "build"
    step: str = ""
    outputs: Outputs = field(default_factory=dict)

    @property
    def mutating(self) -> bool:
        return self.action != "noop"

    def describe(self) -> str:
        return f"{self.action:<6} {self.resource}  ({self.reason})"

    def to_json(self) -> dict[str, str]:
        return {"action": self.action, "resource": self.resource, "reason": self.reason, "phase": self.phase}


@dataclass
class Plan:
    """An ordered list of changes plus facts known while planning (such as URLs)."""

    changes: list[Change] = field(default_factory=list)
    outputs: Outputs = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def extend(self, changes: Iterable[Change] | None) -> None:
        self.changes.extend(changes or ())

    def ordered(self) -> list[Change]:
        """Changes in execution order: by phase, keeping each hook's order within a phase."""
        return sorted(self.changes, key=lambda c: PHASE_ORDER[c.phase])

    @property
    def mutating(self) -> list[Change]:
        return [c for c in self.ordered() if c.mutating]

    def known_outputs(self) -> Outputs:
        """Outputs known without applying anything: the plan's and every change's.

        List values (``urls``) are concatenated without duplicates, in change order.
        """
        merged: Outputs = dict(self.outputs)
        for change in self.ordered():
            for key, value in change.outputs.items():
                if isinstance(value, list):
                    existing = list(merged.get(key) or [])
                    merged[key] = existing + [v for v in value if v not in existing]
                else:
                    merged[key] = value
        return merged

    @property
    def is_noop(self) -> bool:
        return not self.mutating

    def render(self, *, show_noop: bool = False) -> str:
        lines = [c.describe() for c in self.ordered() if show_noop or c.mutating]
        if not lines:
            lines = ["no changes: everything is up to date"]
        return "\n".join(lines + self.messages)

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": [c.to_json() for c in self.ordered()],
            "mutating": len(self.mutating),
            "messages": list(self.messages),
        }


def apply_plan(plan: Plan, *, on_change: Callable[[Change], None] | None = None) -> Outputs:
    """Run every mutating change in order and return the shared outputs.

    The first failing change stops the run with an ``ApplyError`` naming its step and
    resource; release changes after it never run, so what was serving keeps serving.
    """
    outputs: Outputs = plan.known_outputs()
    started = time.monotonic()
    for change in plan.mutating:
        if on_change:
            on_change(change)
        if change.apply is None:
            continue
        try:
            change.apply(outputs)
        except ApplyError:
            raise
        except LwError as exc:
            raise ApplyError(change.step or change.action, change.resource, exc.message) from exc
        except Exception as exc:  # a provider SDK error: keep it to one line
            raise ApplyError(change.step or change.action, change.resource, _one_line(exc)) from exc
    outputs["elapsed_seconds"] = round(time.monotonic() - started, 3)
    return outputs


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
