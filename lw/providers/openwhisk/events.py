"""Planning the stage's events: triggers (with feeds) and their rules, plus pruning.

A feed trigger is only useful once its feed accepted it, so creating one is a single
change that removes the trigger again when the feed refuses: a failed deploy never
leaves a trigger that looks configured but never fires.
"""

from __future__ import annotations

from typing import Any, Mapping

from lw.core.errors import ProviderError
from lw.core.plan import Action, Change
from lw.providers.openwhisk import feeds, rules, schedules, triggers
from lw.providers.openwhisk.client import ControllerError, path_of
from lw.providers.openwhisk.names import ANN_CONFIG, annotations_of
from lw.providers.openwhisk.remote import Remote
from lw.providers.openwhisk.triggers import TriggerSpec


def cluster_has_alarms(remote: Remote) -> bool:
    try:
        namespace, package = schedules.ALARMS_PACKAGE
        found = remote.client.request("GET", path_of("namespaces", namespace, "packages", package), missing_ok=True)
    except ControllerError as exc:
        if exc.status == 403:
            return False
        raise
    return found is not None


def plan_events(remote: Remote) -> tuple[list[Change], list[str]]:
    """Changes plus messages for the plan (e.g. keep_warm skipped without alarms)."""
    app = remote.ctx.app
    names = remote.names
    triggers.reject_aws_only(app)
    specs = triggers.desired(app, names)
    messages: list[str] = []
    if any(s.needs_alarms for s in specs) and not cluster_has_alarms(remote):
        needing = [s for s in specs if s.needs_alarms and s.kind != "keep_warm"]
        if needing:
            raise ProviderError(
                f"this OpenWhisk cluster at {names.apihost} has no alarms package (/whisk.system/alarms), "
                f"which schedules need: {', '.join(s.binding for s in needing)}",
                hint="install the alarms provider (Helm chart: providers.alarm.enabled=true) or scope these events to another provider",
            )
        specs = [s for s in specs if s.kind != "keep_warm"]
        messages.append("keep_warm skipped: the cluster has no alarms package (/whisk.system/alarms)")

    existing_triggers = {t["name"]: t for t in triggers.list_owned(remote, "triggers")}
    existing_rules = {r["name"]: r for r in triggers.list_owned(remote, "rules")}
    changes: list[Change] = []
    for spec in specs:
        changes.append(_plan_trigger(remote, spec, existing_triggers.get(spec.trigger)))
        # a trigger created anew has no rule links yet, even if the rule itself survived
        relink = spec.trigger not in existing_triggers
        changes.append(_plan_rule(remote, spec, spec.trigger in existing_rules, relink))

    wanted = {s.trigger for s in specs}
    for name in sorted(set(existing_rules) - wanted):
        changes.append(Change("delete", f"rule {name}", "event no longer configured", _delete_rule(remote, name), "cleanup", "delete rule"))
    for name in sorted(set(existing_triggers) - wanted):
        changes.append(
            Change("delete", f"trigger {name}", "event no longer configured", _delete_trigger(remote, existing_triggers[name]), "cleanup", "delete trigger")
        )
    return changes, messages


def _plan_trigger(remote: Remote, spec: TriggerSpec, owned: Mapping[str, Any] | None) -> Change:
    names = remote.names
    resource = f"trigger {spec.trigger}" + (f" (feed {spec.feed})" if spec.feed else "")
    if owned is None:
        foreign = remote.get("triggers", spec.trigger)
        if foreign is not None:
            raise ProviderError(f"trigger {spec.trigger} already exists in namespace {names.namespace} and was not created by lw for this stage")
    elif annotations_of(owned).get(ANN_CONFIG) == spec.config_hash() and triggers.feed_of(owned) == spec.feed:
        return Change("noop", resource, "unchanged")
    verb: Action = "create" if owned is None else "update"

    def apply(outputs: dict[str, Any]) -> None:
        replace_trigger(remote, spec, owned)
        outputs.setdefault("triggers", []).append(names.qualified(spec.trigger))

    return Change(verb, resource, "new event" if owned is None else "event settings changed", apply, "build", f"{verb} trigger")


def replace_trigger(remote: Remote, spec: TriggerSpec, old: Mapping[str, Any] | None) -> None:
    names = remote.names
    trigger_path = names.qualified(spec.trigger)
    old_feed = triggers.feed_of(old)
    if old_feed:
        try:
            feeds.invoke_lifecycle(remote.client, old_feed, "DELETE", trigger_path)
        except ProviderError as exc:
            remote.ctx.reporter.warn(f"{exc.message} (continuing)")
    remote.call("PUT", "triggers", spec.trigger, body=spec.body(names), overwrite=True)
    if not spec.feed:
        return
    try:
        feeds.invoke_lifecycle(remote.client, spec.feed, "CREATE", trigger_path, spec.feed_parameters)
    except ProviderError as exc:
        remote.call("DELETE", "triggers", spec.trigger, missing_ok=True)
        raise ProviderError(f"{exc.message}; trigger {spec.trigger} was removed again") from None


def _plan_rule(remote: Remote, spec: TriggerSpec, exists: bool, relink: bool) -> Change:
    names = remote.names
    rule = spec.trigger  # rules live beside triggers, so the trigger's name is unique too
    resource = f"rule {rule} -> {names.package}/events"
    current = remote.get("rules", rule) if exists else None
    if not spec.enabled:
        if current and current.get("status") == "active":
            return Change("update", resource, "event disabled", lambda outputs: rules.set_status(remote, rule, "inactive"), "build", "disable rule")
        if current:
            return Change("noop", resource, "disabled")
    elif not relink and rules.rule_matches(current, names, spec.trigger):
        return Change("noop", resource, "unchanged")
    verb: Action = "create" if current is None else "update"

    def apply(outputs: dict[str, Any]) -> None:
        rules.put_rule(remote, rule, spec.trigger)
        if not spec.enabled:
            rules.set_status(remote, rule, "inactive")

    return Change(verb, resource, "links the trigger to the events action", apply, "build", f"{verb} rule")


def _delete_rule(remote: Remote, name: str) -> Any:
    return lambda outputs: rules.disable_and_delete(remote, name)


def _delete_trigger(remote: Remote, trigger: Mapping[str, Any]) -> Any:
    def apply(outputs: dict[str, Any]) -> None:
        delete_trigger(remote, trigger)

    return apply


def delete_trigger(remote: Remote, trigger: Mapping[str, Any]) -> None:
    """Feed ``DELETE`` first (so the provider stops firing), then the trigger itself."""
    name = str(trigger["name"])
    feed = triggers.feed_of(trigger)
    if feed:
        try:
            feeds.invoke_lifecycle(remote.client, feed, "DELETE", remote.names.qualified(name))
        except ProviderError as exc:
            remote.ctx.reporter.warn(f"{exc.message} (deleting the trigger anyway)")
    remote.call("DELETE", "triggers", name, missing_ok=True)
