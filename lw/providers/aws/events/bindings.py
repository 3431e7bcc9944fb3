"""Reading an ``events`` entry's options, whichever way ``lw.yml`` spelled them.

Zappa nests a source's options under ``event_source`` (``arn``, ``events``,
``batch_size``…) while schedules keep theirs at the top of the entry. lw accepts both
placements so a Zappa file works unchanged, and the keep-warm ping is modelled as one
more schedule binding so that it is planned, diffed and removed like any other.
"""

from __future__ import annotations

from typing import Any, Mapping

from lw.core.entry import KEEP_WARM_BINDING
from lw.core.model import AppModel, EventBinding

# The runtime routes keep-warm pings by this name (lw.core.entry puts it in the settings).
KEEP_WARM_NAME = KEEP_WARM_BINDING
SCHEDULE_KINDS = frozenset({"schedule", "keep_warm"})
MAPPING_KINDS = frozenset({"sqs", "dynamodb", "kinesis"})
AWS_KINDS = frozenset({"s3", "sns"}) | MAPPING_KINDS | SCHEDULE_KINDS


def option(binding: EventBinding, key: str, default: Any = None) -> Any:
    """``key`` from the entry itself, else from its ``event_source`` block."""
    options: Mapping[str, Any] = binding.options or {}
    if key in options and options[key] is not None:
        return options[key]
    source = options.get("event_source")
    if isinstance(source, Mapping) and source.get(key) is not None:
        return source[key]
    return default


def is_enabled(binding: EventBinding) -> bool:
    """Disabled either on the binding (``enabled: false``) or in its source block."""
    return bool(binding.enabled) and option(binding, "enabled", True) is not False


def keep_warm_binding(app: AppModel) -> EventBinding:
    """The binding lw adds for ``keep_warm``; its function is the app itself."""
    return EventBinding(
        name=KEEP_WARM_NAME,
        function=app.app_function or "",
        kind="keep_warm",
        expressions=(app.keep_warm_expression,),
    )


def aws_bindings(app: AppModel) -> list[EventBinding]:
    """Every binding the stage wires on AWS, keep-warm included when it is on."""
    bindings = list(app.events_for("aws"))
    if app.keep_warm:
        bindings.append(keep_warm_binding(app))
    return bindings


def label(binding: EventBinding) -> str:
    """How error messages and the plan name a binding."""
    if binding.kind == "keep_warm":
        return "keep_warm"
    return f"event {binding.name!r} ({binding.function})"


def source_arn(binding: EventBinding) -> str:
    """The source ARN (the model's ``source``, else Zappa's ``event_source.arn``)."""
    return str(binding.source or option(binding, "arn") or "")
