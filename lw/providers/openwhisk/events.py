"""Planning the stage's events: triggers (with feeds) and their rules, plus pruning.

Crash safety (every write may be the last one lw makes):

- A trigger is written without its completion mark (``lw:config``), then its feed is
  registered, then the mark is written. A trigger without the mark is redone by the
  next deploy, so a schedule is never recorded as done while its alarm is missing.
- A trigger is deleted only once its feed registration is gone. If the feed refuses
  the DELETE, the trigger stays (it is the only record of the registration) and the
  deploy fails; the next run retries.
- Release order: triggers and feeds are written before the release (a trigger without
  a rule fires into nothing), rules of events being removed are deleted before it
  (the new code would not know their bindings), and rules of new events are written
  after it (the old code would not know theirs). ``events`` runs ``app``'s code (see
  ``actions.events_sequence``), so the one write of ``app`` switches HTTP and events.
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
        # before the release: the new code does not know this binding
        changes.append(
            Change(
                "delete",
                f"rule {name}",
                "event no longer configured",
                _delete_rule(remote, name),
                "build",
                "delete rule",
            )
        )
    for name in sorted(set(existing_triggers) - wanted):
        changes.append(
            Change(
                "delete",
                f"trigger {name}",
                "event no longer configured",
                _delete_trigger(remote, existing_triggers[name]),
                "cleanup",
                "delete trigger",
            )
        )
    return changes, messages


def _plan_trigger(remote: Remote, spec: TriggerSpec, owned: Mapping[str, Any] | None) -> Change:
    names = remote.names
    resource = f"trigger {spec.trigger}" + (f" (feed {spec.feed})" if spec.feed else "")
    if owned is None:
        foreign = remote.get("triggers", spec.trigger)
        if foreign is not None:
            raise ProviderError(
                f"trigger {spec.trigger} already exists in namespace {names.namespace} and was not created by lw for this stage"
            )
    elif annotations_of(owned).get(ANN_CONFIG) == spec.config_hash() and triggers.feed_of(owned) == spec.feed:
        return Change("noop", resource, "unchanged")
    verb: Action = "create" if owned is None else "update"

    def apply(outputs: dict[str, Any]) -> None:
        replace_trigger(remote, spec, owned)
        outputs.setdefault("triggers", []).append(names.qualified(spec.trigger))

    return Change(
        verb, resource, "new event" if owned is None else "event settings changed", apply, "build", f"{verb} trigger"
    )


def replace_trigger(remote: Remote, spec: TriggerSpec, old: Mapping[str, Any] | None) -> None:
    """Old registration off, trigger written, feed on, and only then the completion mark.

    Each step may be repeated: a registration the provider no longer knows counts as
    deleted, and the alarms provider's CREATE replaces an existing registration.
    """
    names = remote.names
    trigger_path = names.qualified(spec.trigger)
    old_feed = triggers.feed_of(old)
    pending = spec.body(names, complete=False)
    if old_feed:
        assert old is not None  # a feed is read from a trigger
        if old_feed != spec.feed or annotations_of(old).get(ANN_CONFIG) is not None:
            # unfinished first, still naming the old feed: were lw to stop after the
            # DELETE, the trigger must not look done while it has no registration
            remote.call("PUT", "triggers", spec.trigger, body=unfinished(old), overwrite=True)
        try:
            feeds.unregister(remote.client, old_feed, trigger_path)
        except ProviderError as exc:
            raise ProviderError(
                f"{exc.message}; trigger {spec.trigger} kept unfinished, deploy again to finish it"
            ) from None
    if not spec.feed:
        remote.call("PUT", "triggers", spec.trigger, body=spec.body(names), overwrite=True)
        return
    if not old_feed or old_feed != spec.feed:
        remote.call("PUT", "triggers", spec.trigger, body=pending, overwrite=True)
    try:
        feeds.invoke_lifecycle(remote.client, spec.feed, "CREATE", trigger_path, spec.feed_parameters)
    except ProviderError as exc:
        # The registration may exist even though the answer says otherwise: keep the
        # trigger (unfinished), so the next deploy or undeploy can find and remove it.
        raise ProviderError(
            f"{exc.message}; trigger {spec.trigger} kept unfinished, deploy again to finish it"
        ) from None
    remote.call("PUT", "triggers", spec.trigger, body=spec.body(names), overwrite=True)


def unfinished(trigger: Mapping[str, Any]) -> dict[str, Any]:
    """A deployed trigger as it is, minus its completion mark. Parameters are left out,
    so the controller keeps them (a trigger listing may not carry them)."""
    return {
        "name": trigger["name"],
        "annotations": [a for a in trigger.get("annotations") or [] if a.get("key") != ANN_CONFIG],
    }


def _plan_rule(remote: Remote, spec: TriggerSpec, exists: bool, relink: bool) -> Change:
    names = remote.names
    rule = spec.trigger  # rules live beside triggers, so the trigger's name is unique too
    resource = f"rule {rule} -> {names.package}/events"
    current = remote.get("rules", rule) if exists else None
    if not spec.enabled:
        if current and current.get("status") == "active":
            return Change(
                "update",
                resource,
                "event disabled",
                lambda outputs: rules.set_status(remote, rule, "inactive"),
                "release",
                "disable rule",
            )
        if current:
            return Change("noop", resource, "disabled")
    elif not relink and rules.rule_matches(current, names, spec.trigger):
        return Change("noop", resource, "unchanged")
    verb: Action = "create" if current is None else "update"

    def apply(outputs: dict[str, Any]) -> None:
        rules.put_rule(remote, rule, spec.trigger)
        if not spec.enabled:
            rules.set_status(remote, rule, "inactive")

    # after the release: the rule may carry a binding only the new code knows
    return Change(verb, resource, "links the trigger to the events action", apply, "release", f"{verb} rule")


def _delete_rule(remote: Remote, name: str) -> Any:
    return lambda outputs: rules.disable_and_delete(remote, name)


def _delete_trigger(remote: Remote, trigger: Mapping[str, Any]) -> Any:
    def apply(outputs: dict[str, Any]) -> None:
        delete_trigger(remote, trigger)

    return apply


def delete_trigger(remote: Remote, trigger: Mapping[str, Any]) -> None:
    """Feed ``DELETE`` first (so the provider stops firing), then the trigger itself.

    A trigger whose registration could not be removed is kept: deleting it would leave
    an alarm nobody can find again (and a later trigger of the same name firing twice).
    """
    name = str(trigger["name"])
    feed = triggers.feed_of(trigger)
    if feed:
        if annotations_of(trigger).get(ANN_CONFIG) is not None:
            # should lw stop between the two DELETEs, a later deploy of the same event
            # must not take the trigger for done: it would have no registration
            remote.call("PUT", "triggers", name, body=unfinished(trigger), overwrite=True)
        try:
            feeds.unregister(remote.client, feed, remote.names.qualified(name))
        except ProviderError as exc:
            raise ProviderError(
                f"{exc.message}; trigger {name} kept until its feed lets go, run the command again"
            ) from None
    remote.call("DELETE", "triggers", name, missing_ok=True)
