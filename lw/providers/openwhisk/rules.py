"""Rules connect a stage's triggers to its ``events`` action; disabled before deletion."""

from __future__ import annotations

from typing import Any, Mapping

from lw.providers.openwhisk.names import EVENTS_ACTION, Names
from lw.providers.openwhisk.remote import Remote


def rule_body(names: Names, rule: str, trigger: str) -> dict[str, Any]:
    return {
        "name": rule,
        "trigger": names.qualified(trigger),
        "action": names.qualified(names.package, EVENTS_ACTION),
        "annotations": names.tags(),
    }


def rule_matches(existing: Mapping[str, Any] | None, names: Names, trigger: str) -> bool:
    """Whether a deployed rule already links ``trigger`` to this stage's events action and is on."""
    if not existing or existing.get("status") != "active":
        return False
    action = existing.get("action") or {}
    trig = existing.get("trigger") or {}
    return (
        action.get("name") == EVENTS_ACTION
        and str(action.get("path", "")).strip("/") == f"{names.namespace}/{names.package}"
        and trig.get("name") == trigger
        and str(trig.get("path", "")).strip("/") == names.namespace
    )


def put_rule(remote: Remote, rule: str, trigger: str) -> None:
    names = remote.names
    existing = remote.call("PUT", "rules", rule, body=rule_body(names, rule, trigger), overwrite=True)
    if isinstance(existing, Mapping) and existing.get("status") not in (None, "active"):
        set_status(remote, rule, "active")


def set_status(remote: Remote, rule: str, status: str) -> None:
    remote.call("POST", "rules", rule, body={"status": status}, missing_ok=True)


def disable_and_delete(remote: Remote, rule: str) -> None:
    set_status(remote, rule, "inactive")
    remote.call("DELETE", "rules", rule, missing_ok=True)
