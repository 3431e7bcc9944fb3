"""Planning ``lw undeploy``: everything the stage owns, found remotely, in safe order.

Rules go first (so nothing fires into half-removed actions), then feeds and
triggers, then actions and the package. Every step tolerates "already gone", so an
interrupted undeploy is finished by running it again. A trigger whose feed refuses
its DELETE is kept (and the undeploy fails): it is the only way to find that alarm
again, so the next run can remove both.
"""

from __future__ import annotations

from typing import Any

from lw.core.plan import Change
from lw.providers.openwhisk import events, rules, triggers
from lw.providers.openwhisk.names import APP_ACTION, EVENTS_ACTION
from lw.providers.openwhisk.remote import Remote


def plan_undeploy(remote: Remote) -> list[Change]:
    names = remote.names
    changes: list[Change] = []
    for rule in triggers.list_owned(remote, "rules"):
        name = str(rule["name"])
        changes.append(
            Change("delete", f"rule {name}", "disable, then delete", _rule(remote, name), "build", "delete rule")
        )
    for trigger in triggers.list_owned(remote, "triggers"):
        feed = triggers.feed_of(trigger)
        reason = f"feed {feed} DELETE, then the trigger" if feed else "undeploy"
        changes.append(
            Change("delete", f"trigger {trigger['name']}", reason, _trigger(remote, trigger), "build", "delete trigger")
        )
    package = remote.get("packages", names.package)
    if package is not None and names.owns(package):
        # events (a sequence over app) before app, then the release copies
        order = {EVENTS_ACTION: 0, APP_ACTION: 1}
        for entry in sorted(
            package.get("actions") or (), key=lambda a: (order.get(str(a.get("name")), 2), str(a.get("name")))
        ):
            action = str(entry.get("name"))
            changes.append(
                Change(
                    "delete",
                    f"action {names.package}/{action}",
                    "undeploy",
                    _action(remote, action),
                    "build",
                    "delete action",
                )
            )
        changes.append(
            Change("delete", f"package {names.package}", "undeploy", _package(remote), "build", "delete package")
        )
    elif package is not None:
        remote.ctx.reporter.warn(f"package {names.package} exists but was not created by lw for this stage; left alone")
    return changes


def _rule(remote: Remote, name: str) -> Any:
    return lambda outputs: rules.disable_and_delete(remote, name)


def _trigger(remote: Remote, trigger: dict[str, Any]) -> Any:
    return lambda outputs: events.delete_trigger(remote, trigger)


def _action(remote: Remote, action: str) -> Any:
    return lambda outputs: remote.call("DELETE", "actions", remote.names.package, action, missing_ok=True)


def _package(remote: Remote) -> Any:
    return lambda outputs: remote.call("DELETE", "packages", remote.names.package, missing_ok=True, force=True)
