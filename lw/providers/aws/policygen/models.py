"""Lookups in botocore's and boto3's own data files: the single source of truth for
which methods a client or resource has and which API operation each one calls.

Everything is cached per process: loading a service model costs a few milliseconds
and an app usually touches a handful of services.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Mapping

import botocore.session
from botocore import xform_name
from botocore.exceptions import DataNotFoundError, UnknownServiceError


@functools.lru_cache(maxsize=1)
def _botocore_session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.lru_cache(maxsize=1)
def _resource_loader() -> Any:
    import boto3.session

    # boto3 keeps its resource definitions (resources-1.json) next to its own code and
    # exposes them only through the session's loader.
    return boto3.session.Session()._loader


@functools.lru_cache(maxsize=1)
def available_services() -> frozenset[str]:
    return frozenset(_botocore_session().get_available_services())


def is_service(name: str) -> bool:
    return name in available_services()


@dataclass(frozen=True)
class ServiceInfo:
    """What the analysis needs to know about one service's API."""

    name: str
    signing_name: str
    methods: Mapping[str, str]  # client method name -> operation name
    input_members: Mapping[str, frozenset[str]]  # operation name -> request parameter names

    def operation(self, method: str) -> str | None:
        return self.methods.get(method)


@functools.cache
def service(name: str) -> ServiceInfo | None:
    """The client-level API of ``name`` (``None`` for a name botocore does not know)."""
    try:
        model = _botocore_session().get_service_model(name)
    except (UnknownServiceError, DataNotFoundError):
        return None
    methods = {xform_name(op): op for op in model.operation_names}
    members: dict[str, frozenset[str]] = {}
    for op in model.operation_names:
        shape = model.operation_model(op).input_shape
        members[op] = frozenset(shape.members) if shape is not None else frozenset()
    return ServiceInfo(
        name=name, signing_name=model.signing_name or model.endpoint_prefix, methods=methods, input_members=members
    )


@functools.cache
def waiter_operation(service_name: str, waiter_method: str) -> str | None:
    """``get_waiter("bucket_exists")`` -> ``HeadBucket`` (the operation it polls)."""
    try:
        model = _botocore_session().get_waiter_model(service_name)
    except (UnknownServiceError, DataNotFoundError, ValueError):
        return None
    for name in model.waiter_names:
        if xform_name(name) == waiter_method:
            return str(model.get_waiter(name).operation)
    return None


@functools.cache
def paginated_operation(service_name: str, paginator_method: str) -> str | None:
    """``get_paginator("list_objects_v2")`` -> ``ListObjectsV2`` when it can paginate."""
    info = service(service_name)
    operation = info.operation(paginator_method) if info else None
    if operation is None:
        return None
    try:
        model = _botocore_session().get_paginator_model(service_name)
        model.get_paginator(operation)
    except (UnknownServiceError, DataNotFoundError, ValueError):
        return None
    return operation


@functools.cache
def resource_model(service_name: str) -> Mapping[str, Any] | None:
    """boto3's resource definition for the service (``None`` when it has no resources)."""
    try:
        return _resource_loader().load_service_model(service_name, "resources-1")
    except (UnknownServiceError, DataNotFoundError):
        return None


def resource_definition(service_name: str, resource_type: str | None) -> Mapping[str, Any] | None:
    """The ``service`` block (``resource_type`` None) or one resource's block."""
    model = resource_model(service_name)
    if model is None:
        return None
    if resource_type is None:
        return model.get("service") or {}
    return (model.get("resources") or {}).get(resource_type)


def find_by_method(block: Mapping[str, Any], section: str, method: str) -> tuple[str, Mapping[str, Any]] | None:
    """The entry of ``block[section]`` whose snake_case name is ``method``."""
    for name, entry in (block.get(section) or {}).items():
        if xform_name(name) == method:
            return name, entry
    return None


def resource_identifiers(service_name: str, resource_type: str) -> list[str]:
    definition = resource_definition(service_name, resource_type) or {}
    return [str(i["name"]) for i in definition.get("identifiers") or []]
