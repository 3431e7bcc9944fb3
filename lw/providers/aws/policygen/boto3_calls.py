"""What boto3's objects do when the app calls them: clients, resources, collections,
paginators and waiters, read from botocore's and boto3's own models.

``Boto3Calls`` is the part of the walker (``walker.Walker``) that knows boto3; the rest
of the walker knows only Python. Each call it recognises is recorded as a ``RawCall``.
"""

from __future__ import annotations

import ast
from typing import Any, Mapping

from botocore import xform_name

from lw.providers.aws.policygen import injected, models
from lw.providers.aws.policygen.actions import iam_actions
from lw.providers.aws.policygen.state import RawCall, ScanState
from lw.providers.aws.policygen.values import (
    BatchWriterValue,
    ClientValue,
    CollectionValue,
    Literal,
    PaginatorValue,
    ResourceValue,
    Value,
    WaiterValue,
)

_COLLECTION_METHODS = frozenset({"all", "filter", "limit", "page_size"})


class Boto3Calls:
    """boto3's semantics, mixed into the walker (which provides ``s`` and ``file``)."""

    s: ScanState
    file: str

    def collection(self, parent: ResourceValue, name: str) -> CollectionValue | None:
        definition = models.resource_definition(parent.service, parent.resource_type) or {}
        found = models.find_by_method(definition, "hasMany", name)
        if found is None:
            return None
        key, entry = found
        item_type = (entry.get("resource") or {}).get("type")
        return CollectionValue(parent.service, parent, name, key, item_type)

    def collection_item(self, value: Value | None) -> Value | None:
        if not isinstance(value, CollectionValue) or value.item_type is None:
            return None
        definition = models.resource_definition(value.service, value.parent.resource_type) or {}
        entry = (definition.get("hasMany") or {}).get(value.definition_key) or {}
        identifiers = []
        for spec in (entry.get("resource") or {}).get("identifiers") or []:
            source_value = value.parent.identifier(spec["name"]) if spec.get("source") == "identifier" else None
            identifiers.append((spec["target"], source_value))
        return ResourceValue(value.service, value.item_type, tuple(identifiers))

    def make_service_object(
        self, node: ast.Call, kind: str, args: list[Value | None], kwargs: dict[str, Value | None]
    ) -> Value | None:
        name_value = args[0] if args else kwargs.get("service_name")
        name = literal_of(name_value)
        if not isinstance(name, str):
            self.s.warn(
                self.file,
                node.lineno,
                f"boto3 {kind}() with a service name that is not a literal: calls "
                "made through it are not in the policy",
            )
            return None
        if not models.is_service(name):
            self.s.warn(self.file, node.lineno, f"boto3 {kind}({name!r}): botocore knows no such service")
            return None
        if kind == "client":
            return ClientValue(name)
        if models.resource_model(name) is None:
            self.s.warn(self.file, node.lineno, f"boto3 resource({name!r}): boto3 has no resource API for it")
            return None
        return ResourceValue(name)

    def method_call(
        self, node: ast.Call, receiver: Value, method: str, args: list[Value | None], kwargs: dict[str, Value | None]
    ) -> Value | None:
        if isinstance(receiver, ClientValue):
            return self.client_call(node, receiver.service, method, args, kwargs)
        if isinstance(receiver, PaginatorValue):
            if method == "paginate":
                self.record(node, receiver.service, receiver.operation, _params(kwargs))
            return None
        if isinstance(receiver, WaiterValue):
            if method == "wait":
                self.record(node, receiver.service, receiver.operation, _params(kwargs))
            return None
        if isinstance(receiver, ResourceValue):
            return self.resource_call(node, receiver, method, args, kwargs)
        if isinstance(receiver, CollectionValue):
            return self.collection_call(node, receiver, method, kwargs)
        return None

    def client_call(
        self, node: ast.Call, service: str, method: str, args: list[Value | None], kwargs: dict[str, Value | None]
    ) -> Value | None:
        info = models.service(service)
        assert info is not None
        first = literal_of(args[0]) if args else None
        if method == "get_paginator":
            name = first if first is not None else literal_of(kwargs.get("operation_name"))
            operation = models.paginated_operation(service, name) if isinstance(name, str) else None
            if operation is None:
                self.s.warn(
                    self.file,
                    node.lineno,
                    f"{service} get_paginator() with an operation lw cannot read statically: not in the policy",
                )
                return None
            return PaginatorValue(service, operation)
        if method == "get_waiter":
            name = first if first is not None else literal_of(kwargs.get("waiter_name"))
            operation = models.waiter_operation(service, name) if isinstance(name, str) else None
            if operation is None:
                self.s.warn(
                    self.file,
                    node.lineno,
                    f"{service} get_waiter() with a waiter lw cannot read statically: not in the policy",
                )
                return None
            return WaiterValue(service, operation)
        if method == "generate_presigned_url":
            name = first if first is not None else literal_of(kwargs.get("ClientMethod"))
            operation = info.operation(name) if isinstance(name, str) else None
            if operation is None:
                self.s.warn(
                    self.file,
                    node.lineno,
                    f"{service} generate_presigned_url() for a method lw cannot read statically: not in the policy",
                )
                return None
            params = literal_of(args[1] if len(args) > 1 else kwargs.get("Params"))
            self.record(node, service, operation, params if isinstance(params, dict) else {"**": True})
            return None
        extra = injected.CLIENT_METHODS.get(service, {}).get(method)
        if extra is not None:
            params = _params(kwargs)
            params.update({name: literal_of(v) for name, v in zip(extra.positional, args)})
            for operation in extra.operations:
                self.record(node, service, operation, params)
            return None
        operation = info.operation(method)
        if operation is not None:
            self.record(node, service, operation, _params(kwargs))
        elif method not in injected.LOCAL_CLIENT_METHODS:
            self.s.warn(self.file, node.lineno, f"{method}() is not an operation of the {service} client")
        return None

    def resource_call(
        self,
        node: ast.Call,
        resource: ResourceValue,
        method: str,
        args: list[Value | None],
        kwargs: dict[str, Value | None],
    ) -> Value | None:
        service = resource.service
        definition = models.resource_definition(service, resource.resource_type) or {}
        has = (definition.get("has") or {}).get(method)
        if has is not None:
            return self._sub_resource(resource, has.get("resource") or {}, args, kwargs)
        if resource.resource_type is None and models.resource_definition(service, method) is not None:
            # The service resource constructs any of its resource types directly:
            # s3.Object(bucket, key), with the identifiers in order.
            names = models.resource_identifiers(service, method)
            spec = {"type": method, "identifiers": [{"target": n, "source": "input"} for n in names]}
            return self._sub_resource(resource, spec, args, kwargs)
        action = models.find_by_method(definition, "actions", method)
        if action is not None:
            request = action[1].get("request") or {}
            self.record(node, service, str(request["operation"]), self._request_params(resource, request, kwargs))
            return None
        if method in ("load", "reload") and definition.get("load"):
            request = definition["load"].get("request") or {}
            self.record(node, service, str(request["operation"]), self._request_params(resource, request, kwargs))
            return None
        if method.startswith("wait_until_"):
            waiter = models.find_by_method(definition, "waiters", method[len("wait_until_") :])
            if waiter is not None:
                operation = models.waiter_operation(service, xform_name(waiter[1]["waiterName"]))
                if operation is not None:
                    self.record(node, service, operation, self._request_params(resource, waiter[1], kwargs))
                    return None
        extra = injected.RESOURCE_METHODS.get((service, resource.resource_type or ""), {}).get(method)
        if extra is not None:
            identifier_params = injected.IDENTIFIER_PARAMS.get((service, resource.resource_type or ""), {})
            params = {param: resource.identifier(ident) for ident, param in identifier_params.items()}
            params.update(_params(kwargs))
            params.update({name: literal_of(v) for name, v in zip(extra.positional, args)})
            for operation in extra.operations:
                self.record(node, service, operation, params)
            return BatchWriterValue(service) if method == "batch_writer" else None
        if not method.startswith("get_available"):
            what = f"{service} {resource.resource_type}" if resource.resource_type else f"the {service} resource"
            self.s.warn(self.file, node.lineno, f"{method}() is not an action of {what}")
        return None

    def _sub_resource(
        self, parent: ResourceValue, spec: Mapping[str, Any], args: list[Value | None], kwargs: dict[str, Value | None]
    ) -> ResourceValue:
        remaining = list(args)
        identifiers = []
        for ident in spec.get("identifiers") or []:
            target = str(ident["target"])
            if ident.get("source") == "input":
                value = remaining.pop(0) if remaining else kwargs.get(target)
                identifiers.append((target, literal_of(value)))
            elif ident.get("source") == "identifier":
                identifiers.append((target, parent.identifier(str(ident["name"]))))
            else:
                identifiers.append((target, None))
        return ResourceValue(parent.service, str(spec.get("type")), tuple(identifiers))

    @staticmethod
    def _request_params(
        resource: ResourceValue, request: Mapping[str, Any], kwargs: dict[str, Value | None]
    ) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for spec in request.get("params") or []:
            target = str(spec.get("target", ""))
            if not target.isidentifier():
                continue  # nested targets such as "Delete.Objects[*].Key"
            if spec.get("source") == "identifier":
                params[target] = resource.identifier(str(spec["name"]))
            elif spec.get("source") == "string":
                params[target] = spec.get("value")
        params.update(_params(kwargs))
        return params

    def collection_call(
        self, node: ast.Call, collection: CollectionValue, method: str, kwargs: dict[str, Value | None]
    ) -> Value | None:
        definition = models.resource_definition(collection.service, collection.parent.resource_type) or {}
        entry = (definition.get("hasMany") or {}).get(collection.definition_key) or {}
        if method in _COLLECTION_METHODS:
            request = entry.get("request") or {}
            if request.get("operation"):
                self.record(
                    node,
                    collection.service,
                    str(request["operation"]),
                    self._request_params(collection.parent, request, kwargs),
                )
            return collection
        item_definition = models.resource_definition(collection.service, collection.item_type) or {}
        batch = models.find_by_method(item_definition, "batchActions", method)
        if batch is not None:
            # A batch action first lists the collection, then acts on every page.
            listing = entry.get("request") or {}
            if listing.get("operation"):
                self.record(
                    node,
                    collection.service,
                    str(listing["operation"]),
                    self._request_params(collection.parent, listing, {}),
                )
            request = batch[1].get("request") or {}
            self.record(
                node,
                collection.service,
                str(request["operation"]),
                self._request_params(collection.parent, {"params": []}, kwargs)
                | _parent_request_params(collection, listing),
            )
        return None

    def record(self, node: ast.Call, service: str, operation: str, params: Mapping[str, Any]) -> None:
        key = (self.file, node.lineno, node.col_offset, service, operation)
        self.s.calls[key] = RawCall(self.file, node.lineno, service, operation, dict(params))


def is_client_method(service: str, method: str) -> bool:
    info = models.service(service)
    return bool(info and info.operation(method)) or method in injected.CLIENT_METHODS.get(service, {})


def describe(service: str, method: str) -> str:
    info = models.service(service)
    operation = info.operation(method) if info else None
    if operation is None:
        operations = injected.CLIENT_METHODS[service][method].operations
    else:
        operations = (operation,)
    return "/".join(sorted({a for op in operations for a in iam_actions(service, op)}))


def _parent_request_params(collection: CollectionValue, listing: Mapping[str, Any]) -> dict[str, Any]:
    """The listing request's identifier parameters (``Bucket``), reused by the batch
    action that works on the same container."""
    params: dict[str, Any] = {}
    for spec in listing.get("params") or []:
        if spec.get("source") == "identifier" and str(spec.get("target", "")).isidentifier():
            params[str(spec["target"])] = collection.parent.identifier(str(spec["name"]))
    return params


def _params(kwargs: Mapping[str, Value | None]) -> dict[str, Any]:
    return {name: literal_of(value) if name != "**" else True for name, value in kwargs.items()}


def kind_of(value: Value) -> str:
    if isinstance(value, ClientValue):
        return f"{value.service} client"
    if isinstance(value, ResourceValue):
        return f"{value.service} resource"
    return "boto3 object"


def literal_of(value: Value | None) -> Any:
    return value.value if isinstance(value, Literal) else None
