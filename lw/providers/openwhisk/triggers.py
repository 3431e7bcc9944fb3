"""The stage's triggers: what lw.yml asks for, and what exists remotely.

Every event becomes one trigger named ``<project>-<stage>-<binding>`` with the
parameter ``lw_binding`` (how the runtime routes it), an optional feed, and one rule
to the ``events`` action. A hash of the trigger's settings is kept as an annotation,
so an unchanged event is recognized without re-running its feed. That annotation is
the trigger's completion mark: it is written only after the feed accepted the
trigger, so a trigger without it is unfinished and the next deploy redoes it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from lw.core import entry
from lw.core.errors import ConfigError
from lw.core.model import AWS_ONLY_KINDS, AppModel, EventBinding
from lw.providers.openwhisk import schedules
from lw.providers.openwhisk.names import ANN_BINDING, ANN_CONFIG, Names, annotations_of
from lw.providers.openwhisk.remote import Remote

BINDING_PARAMETER = "lw_binding"
KEEP_WARM_BINDING = entry.KEEP_WARM_BINDING
LIST_PAGE = 200
_RESERVED_OPTIONS = frozenset(
    {
        "function",
        "feed",
        "trigger",
        "expression",
        "providers",
        "provider",
        "enabled",
        "name",
        "description",
        "parameters",
    }
)


@dataclass(frozen=True)
class TriggerSpec:
    binding: str
    trigger: str
    kind: str
    feed: str | None = None
    feed_parameters: Mapping[str, Any] = field(default_factory=dict)  # trigger defaults when there is no feed
    enabled: bool = True

    def config_hash(self) -> str:
        doc = {"binding": self.binding, "feed": self.feed, "params": self.feed_parameters, "kind": self.kind}
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def body(self, names: Names, *, complete: bool = True) -> dict[str, Any]:
        """The trigger's whole body (the controller replaces annotations and parameters
        on update); ``complete=False`` leaves out the completion mark."""
        annotations = names.tags() + [{"key": ANN_BINDING, "value": self.binding}]
        if complete:
            annotations.append({"key": ANN_CONFIG, "value": self.config_hash()})
        if self.feed:
            annotations.append({"key": "feed", "value": self.feed})
        defaults = [] if self.feed else [{"key": k, "value": v} for k, v in sorted(self.feed_parameters.items())]
        return {
            "name": self.trigger,
            "parameters": defaults + [{"key": BINDING_PARAMETER, "value": self.binding}],
            "annotations": annotations,
        }

    @property
    def needs_alarms(self) -> bool:
        return bool(self.feed and self.feed.startswith("/whisk.system/alarms/"))


def reject_aws_only(app: AppModel) -> None:
    """Name every event OpenWhisk cannot serve, before anything is written."""
    refused = [e for e in app.events_for("openwhisk") if e.kind in AWS_ONLY_KINDS]
    if refused:
        listed = "; ".join(f"{e.function} ({e.kind} {e.source or ''})".replace(" )", ")") for e in refused)
        raise ConfigError(
            f"{app.config_file.name}: stage '{app.stage}': OpenWhisk cannot serve AWS-only events: {listed}",
            problems=[
                "scope them to AWS with 'providers: [aws]' on each event so one lw.yml serves both clouds",
            ],
        )


def desired(app: AppModel, names: Names) -> list[TriggerSpec]:
    specs: list[TriggerSpec] = []
    for index, binding in enumerate(app.events_for("openwhisk")):
        where = f"{app.config_file.name}: stage '{app.stage}': events[{index}] ({binding.function})"
        specs.extend(_specs_for(binding, names, where))
    if app.keep_warm:
        schedule = schedules.to_alarm(app.keep_warm_expression, f"{app.config_file.name}: keep_warm_expression")
        specs.append(
            TriggerSpec(
                KEEP_WARM_BINDING, names.trigger(KEEP_WARM_BINDING), "keep_warm", schedule.feed, schedule.parameters
            )
        )
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.trigger in seen:
            raise ConfigError(f"{app.config_file.name}: two events map to the same OpenWhisk trigger {spec.trigger}")
        seen[spec.trigger] = spec.binding
    return specs


def _specs_for(binding: EventBinding, names: Names, where: str) -> Iterator[TriggerSpec]:
    if binding.kind in ("schedule", "keep_warm"):
        payload = binding.options.get("kwargs")
        many = len(binding.expressions) > 1
        for i, expression in enumerate(binding.expressions or ()):
            schedule = schedules.to_alarm(expression, where)
            params = dict(schedule.parameters)
            if isinstance(payload, Mapping):
                params["trigger_payload"] = dict(payload)
            name = f"{binding.name}-{i + 1}" if many else binding.name
            yield TriggerSpec(binding.name, names.trigger(name), binding.kind, schedule.feed, params, binding.enabled)
        if not binding.expressions:
            raise ConfigError(f"{where}: a schedule needs an expression")
    elif binding.kind == "trigger":
        given = binding.options.get("parameters")
        yield TriggerSpec(
            binding.name,
            names.trigger(binding.source or binding.name),
            "trigger",
            None,
            dict(given) if isinstance(given, Mapping) else {},
            binding.enabled,
        )
    elif binding.kind == "feed":
        if not binding.source:
            raise ConfigError(f"{where}: a feed event needs the feed action's name")
        given = binding.options.get("parameters")
        if not isinstance(given, Mapping):
            given = {k: v for k, v in binding.options.items() if k not in _RESERVED_OPTIONS}
        yield TriggerSpec(
            binding.name, names.trigger(binding.name), "feed", binding.source, dict(given), binding.enabled
        )
    else:
        raise ConfigError(f"{where}: event kind {binding.kind!r} is not supported on OpenWhisk")


def list_owned(remote: Remote, collection: str) -> list[dict[str, Any]]:
    """This stage's triggers or rules: the name prefix narrows, the annotations decide."""
    names = remote.names
    owned: list[dict[str, Any]] = []
    skip = 0
    while True:
        page = remote.get(collection, limit=LIST_PAGE, skip=skip) or []
        for brief in page:
            name = str(brief.get("name", ""))
            if not name.startswith(names.prefix):
                continue
            full = brief if "annotations" in brief else remote.get(collection, name)
            if names.owns(full):
                owned.append(full)
        if len(page) < LIST_PAGE:
            return owned
        skip += LIST_PAGE


def feed_of(trigger: Mapping[str, Any] | None) -> str | None:
    value = annotations_of(trigger).get("feed")
    return str(value) if value else None
