"""Route non-HTTP invocations to the functions the stage's ``events`` setting names.

The deployer names every remote resource deterministically and writes the bindings
into the settings file, so the runtime can tell which function an event is for from
the event alone: the source ARN of a record batch, the EventBridge rule that fired, or
the ``lw_binding`` key the deployer puts on scheduled rules and OpenWhisk triggers.
"""

from __future__ import annotations

from lw.runtime.logs import log

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Mapping

# Record batches whose function may report partial failures (``batchItemFailures``).
BATCH_KINDS = frozenset({"sqs", "kinesis", "dynamodb"})
WARM_RESULT = {"lw": "warm"}


AUTHORIZER_TYPES = ("TOKEN", "REQUEST")


def is_authorizer_event(event: Mapping[str, Any]) -> bool:
    """API Gateway asking a Lambda authorizer (REST: ``methodArn``; HTTP API: ``routeArn``).

    Checked before the HTTP adapters because a REQUEST authorizer event also carries
    ``httpMethod`` and ``requestContext`` and would otherwise be served as a request.
    """
    return event.get("type") in AUTHORIZER_TYPES and ("methodArn" in event or "routeArn" in event)


class Binding:
    """One entry of the settings' ``events`` list."""

    __slots__ = ("name", "function", "kind", "source")

    def __init__(self, name: str, function: str, kind: str, source: str | None) -> None:
        self.name = name
        self.function = function
        self.kind = kind
        self.source = source

    def __repr__(self) -> str:
        return f"Binding({self.name!r}, {self.kind}, {self.function})"


class UnroutableEvent(Exception):
    """No binding matches: the message names the keys seen, for the log and the caller."""


def _table_of(arn: str) -> str:
    """``arn:...:table/T/stream/2024...`` -> ``arn:...:table/T`` (a stream belongs to its table)."""
    return arn.split("/stream/", 1)[0]


class EventRouter:
    def __init__(self, bindings: Iterable[Mapping[str, Any]], project_name: str = "", stage: str = "") -> None:
        self.bindings = [
            Binding(str(b["name"]), str(b.get("function") or ""), str(b["kind"]), b.get("source")) for b in bindings
        ]
        self.by_name = {b.name: b for b in self.bindings}
        self.prefix = f"{project_name}-{stage}-" if project_name and stage else ""
        self._functions: dict[str, Callable[..., Any]] = {}

    def function(self, binding: Binding) -> Callable[..., Any]:
        """The binding's function, imported on first use and then kept."""
        fn = self._functions.get(binding.function)
        if fn is None:
            from lw.runtime.lookup import resolve

            fn = self._functions[binding.function] = resolve(binding.function)
        return fn

    def by_rule(self, rule_name: str) -> Binding | None:
        binding = self.by_name.get(rule_name)
        if binding is None and self.prefix and rule_name.startswith(self.prefix):
            binding = self.by_name.get(rule_name[len(self.prefix) :])
        return binding

    def route_aws(self, event: Mapping[str, Any]) -> Binding:
        """The binding an AWS event is for; raises :class:`UnroutableEvent` with the keys seen."""
        name = event.get("lw_binding")
        if name is not None:
            binding = self.by_name.get(str(name))
            if binding is None:
                raise UnroutableEvent(f"event names lw_binding {name!r}, which is not in this stage's events")
            return binding
        records = event.get("Records")
        if isinstance(records, list) and records and isinstance(records[0], dict):
            return self._route_record(records[0])
        resources = event.get("resources")
        if isinstance(resources, list) and "source" in event:
            for arn in resources:
                if isinstance(arn, str) and ":rule/" in arn:
                    binding = self.by_rule(arn.rsplit("/", 1)[-1])
                    if binding is not None:
                        return binding
            raise UnroutableEvent(
                f"no binding matches the EventBridge rule(s) {', '.join(map(str, resources)) or '(none)'}"
            )
        raise UnroutableEvent(f"unrecognised event (keys: {_keys(event)})")

    def _route_record(self, record: Mapping[str, Any]) -> Binding:
        source = record.get("eventSource") or record.get("EventSource")
        if source == "aws:s3":
            bucket = record.get("s3", {}).get("bucket", {})
            arn = bucket.get("arn") or f"arn:aws:s3:::{bucket.get('name')}"
            return self._match("s3", lambda s: s == arn or f"arn:aws:s3:::{s}" == arn, arn)
        if source == "aws:sns":
            arn = record.get("Sns", {}).get("TopicArn") or ""
            return self._match("sns", lambda s: s == arn, arn)
        if source in ("aws:sqs", "aws:kinesis"):
            arn = record.get("eventSourceARN") or ""
            return self._match(source[4:], lambda s: s == arn, arn)
        if source == "aws:dynamodb":
            arn = record.get("eventSourceARN") or ""
            return self._match("dynamodb", lambda s: s == arn or _table_of(s) == _table_of(arn), arn)
        raise UnroutableEvent(f"unrecognised record batch (eventSource {source!r}; record keys: {_keys(record)})")

    def _match(self, kind: str, matches: Callable[[str], bool], seen: str) -> Binding:
        for binding in self.bindings:
            if binding.kind == kind and binding.source and matches(str(binding.source)):
                return binding
        raise UnroutableEvent(f"no {kind} binding in this stage's events matches {seen}")

    def route_openwhisk(self, args: Mapping[str, Any]) -> Binding:
        """The binding a trigger/feed activation is for, by the parameter the deployer set."""
        name = args.get("lw_binding", args.get("lw_event"))
        if name is None:
            raise UnroutableEvent(f"unrecognised activation without __ow_method or lw_binding (keys: {_keys(args)})")
        binding = self.by_name.get(str(name))
        if binding is None:
            raise UnroutableEvent(f"activation names lw_binding {name!r}, which is not in this stage's events")
        return binding


def _keys(mapping: Mapping[str, Any]) -> str:
    names = sorted(str(k) for k in mapping)
    shown = ", ".join(names[:20])
    return shown + (f", ... ({len(names)} keys)" if len(names) > 20 else "") if names else "none"


def batch_result(binding: Binding, result: Any) -> Any:
    """What Lambda should get back from an event function.

    For SQS and streams only a ``batchItemFailures`` document is meaningful (anything
    else could be taken as a malformed partial-failure report); other kinds return the
    function's value when it is JSON-shaped.
    """
    if binding.kind in BATCH_KINDS:
        if isinstance(result, dict) and "batchItemFailures" in result:
            return {"batchItemFailures": result["batchItemFailures"]}
        return None
    if result is None or isinstance(result, (dict, list, str, int, float, bool)):
        return result
    log("DEBUG", f"event function {binding.function} returned a {type(result).__name__}; returning null")
    return None
