"""Plans and their application: the only place where remote writes happen.

A provider's hooks *read* remote state and return ``Change`` objects whose ``apply``
callables hold the writes. The core prints the plan (``--dry-run`` stops there) and
then applies it in order. Because planning never writes and applying only runs what
was planned, the dry run is exactly the plan that would be applied.

Values that are only known once an earlier change ran (a new function's ARN, an API
id) travel through ``Outputs``, a dict shared by every ``apply`` of one plan.

Changes may carry a ``group`` (the AWS provider uses the region). Groups are
independent deployments of the same stage: they run concurrently, each in its own
phase order with its own outputs, and one group's failure never stops another.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
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

    ``group`` names an independent part of the plan (a region): ungrouped ``build``
    changes run before every group (a global IAM role), the groups run concurrently,
    and ungrouped ``release``/``cleanup`` changes run after them all.
    """

    action: Action
    resource: str
    reason: str
    apply: ApplyFn | None = None
    phase: Phase = "build"
    step: str = ""
    outputs: Outputs = field(default_factory=dict)
    group: str = ""

    @property
    def mutating(self) -> bool:
        return self.action != "noop"

    def describe(self) -> str:
        where = f"[{self.group}] " if self.group else ""
        return f"{self.action:<6} {where}{self.resource}  ({self.reason})"

    def to_json(self) -> dict[str, str]:
        data = {"action": self.action, "resource": self.resource, "reason": self.reason, "phase": self.phase}
        if self.group:
            data["group"] = self.group
        return data


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
            _merge(merged, change.outputs)
        return merged

    @property
    def groups(self) -> list[str]:
        """The non-empty groups, in the order they first appear."""
        return list(dict.fromkeys(c.group for c in self.changes if c.group))

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

    With groups, ungrouped ``build`` changes run first (their failure stops
    everything, as every group needs them), then each group runs in its own thread in
    its own phase order and with its own copy of the outputs. Every group finishes
    whatever the others do; failures are collected into one ``GroupsApplyError`` with
    one line per failed group, and the ungrouped ``release``/``cleanup`` changes then
    do not run (they span the groups, which are not all in the state they expect).
    """
    started = time.monotonic()
    groups = plan.groups
    if not groups:
        outputs: Outputs = plan.known_outputs()
        _run(plan.mutating, outputs, on_change)
        outputs["elapsed_seconds"] = round(time.monotonic() - started, 3)
        return outputs

    ungrouped = [c for c in plan.ordered() if not c.group]
    before = [c for c in ungrouped if c.phase == "build"]
    after = [c for c in ungrouped if c.phase != "build"]
    outputs = Plan(changes=ungrouped, outputs=dict(plan.outputs)).known_outputs()
    _run([c for c in before if c.mutating], outputs, on_change)

    def run_group(group: str) -> Outputs:
        changes = [c for c in plan.ordered() if c.group == group]
        own = Plan(changes=changes, outputs=_copy(outputs)).known_outputs()
        _run([c for c in changes if c.mutating], own, on_change)
        return own

    results: dict[str, Outputs] = {}
    failures: dict[str, ApplyError] = {}
    with ThreadPoolExecutor(max_workers=len(groups), thread_name_prefix="lw-group") as pool:
        futures = {group: pool.submit(run_group, group) for group in groups}
        for group, future in futures.items():
            try:
                results[group] = future.result()
            except ApplyError as exc:
                failures[group] = exc
            except BaseException as exc:  # a bug in one group still must not hide the others'
                failures[group] = ApplyError("apply", f"group {group}", _one_line(exc))
    for group in groups:
        if group in results:
            _merge(outputs, results[group])
    outputs["groups"] = {group: results.get(group) for group in groups}
    if failures:
        raise GroupsApplyError(failures, succeeded=[g for g in groups if g in results])
    _run([c for c in after if c.mutating], outputs, on_change)
    outputs["elapsed_seconds"] = round(time.monotonic() - started, 3)
    return outputs


class GroupsApplyError(ApplyError):
    """Some groups of a plan failed: one line per failed group, after all finished."""

    def __init__(self, failures: dict[str, ApplyError], *, succeeded: list[str]) -> None:
        self.failures = dict(failures)
        self.succeeded = list(succeeded)
        lines = [f"  {group}: {failure.message}" for group, failure in self.failures.items()]
        total = len(self.failures) + len(self.succeeded)
        done = f" (succeeded: {', '.join(self.succeeded)})" if self.succeeded else ""
        cause = "\n".join(lines)
        super().__init__("apply", "groups " + ", ".join(self.failures), cause)
        self.message = f"{len(self.failures)} of {total} groups failed{done}:\n{cause}"
        self.args = (self.message,)


def _run(changes: list[Change], outputs: Outputs, on_change: Callable[[Change], None] | None) -> None:
    for change in changes:
        if on_change:
            on_change(change)
        if change.apply is None:
            continue
        try:
            change.apply(outputs)
        except ApplyError:
            raise
        except LwError as exc:
            raise ApplyError(change.step or change.action, change.resource, str(exc)) from exc  # keeps the hint
        except Exception as exc:  # a provider SDK error: keep it to one line
            raise ApplyError(change.step or change.action, change.resource, _one_line(exc)) from exc


def _merge(into: Outputs, values: Outputs) -> None:
    """Lists (``urls``) are concatenated without duplicates; other values replaced."""
    for key, value in values.items():
        if isinstance(value, list):
            existing = list(into.get(key) or [])
            into[key] = existing + [v for v in value if v not in existing]
        else:
            into[key] = value


def _copy(outputs: Outputs) -> Outputs:
    """A group's own outputs: lists copied so that appends stay in the group."""
    return {k: list(v) if isinstance(v, list) else v for k, v in outputs.items()}


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
