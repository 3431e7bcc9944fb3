"""The ``events`` list: validated entry by entry and turned into ``EventBinding`` objects.

Entries keep Zappa's shape (``function`` plus ``event_source`` or ``expression``) so a
Zappa project's events load unchanged; ``trigger`` and ``feed`` add OpenWhisk's own
sources. Everything a provider would otherwise discover half-way through a deploy
(a bucket ARN that is a table ARN, a cron with five fields) is reported here, before
anything is written.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Sequence

from lw.core.config_names import binding_name, slugify
from lw.core.config_values import ARN, DOTTED_PATH, check_schedule_expression, describe, suggest
from lw.core.model import EventBinding

Report = Callable[[tuple[str | int, ...], str], None]

SOURCE_KEYS = ("event_source", "expression", "trigger", "feed")
ENTRY_KEYS = (
    "function",
    "event_source",
    "expression",
    "expressions",
    "trigger",
    "feed",
    "parameters",
    "name",
    "description",
    "enabled",
    "kwargs",
    "providers",
    "provider",
)
ARN_KINDS = ("s3", "sns", "sqs", "dynamodb", "kinesis")
_SOURCE_OPTIONS: dict[str, tuple[str, ...]] = {
    "s3": ("events", "key_filters"),
    "sns": ("events", "filters"),
    "sqs": ("batch_size", "batch_window"),
    "dynamodb": ("batch_size", "batch_window", "starting_position"),
    "kinesis": ("batch_size", "batch_window", "starting_position"),
}
_S3_KEY_FILTER_MAX = 1024  # an S3 object key, hence a prefix or suffix filter, is at most 1,024 bytes
_S3_EVENT = re.compile(r"s3:[A-Za-z]+(:(\*|[A-Za-z]+))?")
_FEED = re.compile(r"/?[^/\s]+(/[^/\s]+){1,2}")
_TRIGGER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@ -]*")


def _check_int(value: Any, low: int, high: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return f"expected an integer between {low} and {high}, got {describe(value)}"
    return None


class _EntryChecker:
    """Checks one entry, reporting problems under ``events[index]``."""

    def __init__(self, index: int, entry: Mapping[str, Any], report: Report, providers: Sequence[str]) -> None:
        self.path: tuple[str | int, ...] = ("events", index)
        self.entry = entry
        self._report = report
        self.providers = providers
        self.ok = True

    def problem(self, subpath: tuple[str | int, ...], message: str) -> None:
        self.ok = False
        self._report((*self.path, *subpath), message)

    def check(self) -> EventBinding | None:
        entry = self.entry
        for key in entry:
            if key not in ENTRY_KEYS:
                self.problem((str(key),), f"unknown event key{suggest(str(key), ENTRY_KEYS)}")
        function = entry.get("function")
        if function is None:
            self.problem(("function",), "missing: expected the dotted path of the function to call")
        elif not isinstance(function, str) or not DOTTED_PATH.fullmatch(function):
            self.problem(("function",), f"expected a dotted path such as 'module.function', got {describe(function)}")
        if "expression" in entry and "expressions" in entry:
            self.problem(("expressions",), "expected either expression or expressions, got both")
        given = [k for k in SOURCE_KEYS if k in entry or (k == "expression" and "expressions" in entry)]
        if len(given) != 1:
            got = " and ".join(given) or "none"
            self.problem((), f"expected exactly one of {', '.join(SOURCE_KEYS)}, got {got}")
            return None
        kind, source, expressions, options = self._source(given[0])
        providers = self._providers()
        enabled = self._enabled()
        for key in ("description",):
            if key in entry and not isinstance(entry[key], str):
                self.problem((key,), f"expected a string, got {describe(entry[key])}")
        if "kwargs" in entry and not isinstance(entry["kwargs"], Mapping):
            self.problem(("kwargs",), f"expected a mapping, got {describe(entry['kwargs'])}")
        name = self._name()
        if not self.ok or kind is None or not isinstance(function, str):
            return None
        for key in ("description", "kwargs"):
            if key in entry:
                options[key] = entry[key]
        return EventBinding(
            name=name or binding_name(function, kind, source, expressions),
            function=function,
            kind=kind,
            source=source,
            expressions=expressions,
            options=options,
            providers=providers,
            enabled=enabled,
        )

    def _source(self, key: str) -> tuple[str | None, str | None, tuple[str, ...], dict[str, Any]]:
        entry = self.entry
        if "parameters" in entry and key not in ("trigger", "feed"):
            self.problem(("parameters",), "parameters apply only to trigger and feed events")
        if key == "event_source":
            return self._event_source(entry["event_source"])
        if key == "expression":
            field = "expression" if "expression" in entry else "expressions"
            return "schedule", None, self._expressions(field, entry[field]), {}
        options: dict[str, Any] = {}
        if "parameters" in entry:
            if isinstance(entry["parameters"], Mapping):
                options["parameters"] = dict(entry["parameters"])
            else:
                self.problem(("parameters",), f"expected a mapping, got {describe(entry['parameters'])}")
        value = entry[key]
        pattern = _TRIGGER if key == "trigger" else _FEED
        expected = (
            "a trigger name"
            if key == "trigger"
            else "a fully qualified feed action such as '/whisk.system/alarms/alarm'"
        )
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.problem((key,), f"expected {expected}, got {describe(value)}")
            return None, None, (), options
        return key, value, (), options

    def _expressions(self, field: str, value: Any) -> tuple[str, ...]:
        values = value if isinstance(value, list) else [value]
        if not values:
            self.problem((field,), "expected at least one rate(...) or cron(...) expression, got an empty list")
        for index, expression in enumerate(values):
            message = check_schedule_expression(expression)
            if message:
                self.problem((field, index) if isinstance(value, list) else (field,), message)
        return tuple(v for v in values if isinstance(v, str))

    def _event_source(self, source: Any) -> tuple[str | None, str | None, tuple[str, ...], dict[str, Any]]:
        if not isinstance(source, Mapping):
            self.problem(("event_source",), f"expected a mapping with 'arn', got {describe(source)}")
            return None, None, (), {}
        arn = source.get("arn")
        match = ARN.fullmatch(arn) if isinstance(arn, str) else None
        kind = match.group(1) if match else None
        if arn is None:
            self.problem(("event_source", "arn"), "missing: expected the ARN of the source")
            return None, None, (), {}
        if kind not in ARN_KINDS:
            self.problem(
                ("event_source", "arn"),
                f"expected an ARN of {', '.join(ARN_KINDS)} (arn:aws:<service>:...), got {describe(arn)}",
            )
            return None, None, (), {}
        assert isinstance(arn, str) and kind is not None
        if kind in ("dynamodb", "kinesis") and "stream/" not in arn:
            self.problem(("event_source", "arn"), f"expected a {kind} stream ARN (…/stream/…), got {arn!r}")
        allowed = ("arn", "enabled", *_SOURCE_OPTIONS[kind])
        for key in source:
            if key not in allowed:
                self.problem(
                    ("event_source", str(key)),
                    f"unknown key for {kind} sources{suggest(str(key), allowed)}; "
                    f"expected some of {', '.join(allowed)}",
                )
        self._source_options(kind, source)
        options = {k: v for k, v in source.items() if k not in ("arn", "enabled")}
        return kind, arn, (), options

    def _source_options(self, kind: str, source: Mapping[str, Any]) -> None:
        where = ("event_source",)
        events = source.get("events")
        if kind == "s3" and events is None:
            self.problem((*where, "events"), "missing: expected S3 event types such as ['s3:ObjectCreated:*']")
        if events is not None:
            if not isinstance(events, list) or not events:
                self.problem((*where, "events"), f"expected a non-empty list, got {describe(events)}")
            elif kind == "s3":
                for index, name in enumerate(events):
                    if not isinstance(name, str) or not _S3_EVENT.fullmatch(name):
                        self.problem(
                            (*where, "events", index),
                            f"expected an S3 event type such as 's3:ObjectCreated:*', got {describe(name)}",
                        )
        filters = source.get("key_filters")
        if filters is not None:
            if not isinstance(filters, list):
                self.problem((*where, "key_filters"), f"expected a list, got {describe(filters)}")
            else:
                for index, item in enumerate(filters):
                    if (
                        not isinstance(item, Mapping)
                        or item.get("type") not in ("prefix", "suffix")
                        or not isinstance(item.get("value"), str)
                    ):
                        self.problem((*where, "key_filters", index), "expected {type: prefix|suffix, value: <string>}")
                    elif len(item["value"]) > _S3_KEY_FILTER_MAX:
                        self.problem(
                            (*where, "key_filters", index, "value"),
                            f"expected at most {_S3_KEY_FILTER_MAX} characters (S3's limit), got {len(item['value'])}",
                        )
        if "filters" in source and not isinstance(source["filters"], Mapping):
            self.problem((*where, "filters"), f"expected a mapping, got {describe(source['filters'])}")
        if "batch_size" in source:
            message = _check_int(source["batch_size"], 1, 10000)
            if message:
                self.problem((*where, "batch_size"), message)
        if "batch_window" in source:
            message = _check_int(source["batch_window"], 0, 300)
            if message:
                self.problem((*where, "batch_window"), message)
        position = source.get("starting_position")
        if position is not None and position not in ("TRIM_HORIZON", "LATEST"):
            self.problem(
                (*where, "starting_position"), f"expected 'TRIM_HORIZON' or 'LATEST', got {describe(position)}"
            )
        if "enabled" in source and not isinstance(source["enabled"], bool):
            self.problem((*where, "enabled"), f"expected a boolean, got {describe(source['enabled'])}")

    def _enabled(self) -> bool:
        value = self.entry.get("enabled", True)
        if not isinstance(value, bool):
            self.problem(("enabled",), f"expected a boolean, got {describe(value)}")
            return True
        source = self.entry.get("event_source")
        source_enabled = source.get("enabled", True) if isinstance(source, Mapping) else True
        return value and source_enabled is not False

    def _providers(self) -> tuple[str, ...] | None:
        entry = self.entry
        if "providers" in entry and "provider" in entry:
            self.problem(("providers",), "expected either providers or provider, got both")
            return None
        key = "providers" if "providers" in entry else "provider" if "provider" in entry else None
        if key is None:
            return None
        value = entry[key]
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            self.problem((key,), f"expected a provider name or a list of them, got {describe(value)}")
            return None
        for name in names:
            # A provider that is not installed here may still be the target elsewhere (CI);
            # only a near miss of an installed one is certainly a typo.
            hint = suggest(name, self.providers) if name not in self.providers else ""
            if hint:
                self.problem((key,), f"unknown provider {name!r}{hint}")
        return tuple(names)

    def _name(self) -> str | None:
        if "name" not in self.entry:
            return None
        value = self.entry["name"]
        slug = slugify(value) if isinstance(value, str) else ""
        if not slug:
            self.problem(("name",), f"expected a name made of letters, digits and '-', got {describe(value)}")
            return None
        return slug


def load_events(value: Any, report: Report, providers: Sequence[str]) -> tuple[EventBinding, ...]:
    """Validate the stage's ``events`` and return their bindings (only the valid ones)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        report(("events",), f"expected a list of events, got {describe(value)}")
        return ()
    bindings: list[EventBinding] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            report(("events", index), f"expected a mapping with 'function' and a source, got {describe(entry)}")
            continue
        binding = _EntryChecker(index, entry, report, providers).check()
        if binding is None:
            continue
        if binding.name in seen:
            report(
                ("events", index),
                f"same name {binding.name!r} as events[{seen[binding.name]}] "
                "(same function and source, or same 'name'); remove one or give each a name",
            )
            continue
        seen[binding.name] = index
        bindings.append(binding)
    return tuple(bindings)
