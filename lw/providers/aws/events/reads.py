"""Plan-time reads: botocore failures become one-line errors naming the resource.

Planning only reads, so a missing resource is usually an answer ("not deployed yet"),
not a failure; ``read_optional`` turns it into ``None``.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from lw.providers.aws.errors import aws_call, read_or_none

T = TypeVar("T")


def read(action: str, resource: str, call: Callable[[], T]) -> T:
    return aws_call(action, resource, call)


def read_optional(action: str, resource: str, call: Callable[[], T]) -> T | None:
    """``call()``, or ``None`` when AWS says the resource does not exist."""
    return read_or_none(resource, call, action=action)


def paginate(client: object, operation: str, key: str, **params: object) -> list[dict]:
    """Every item of a paginated listing (the caller wraps it in ``read``)."""
    paginator = client.get_paginator(operation)  # type: ignore[attr-defined]
    items: list[dict] = []
    for page in paginator.paginate(**params):
        items.extend(page.get(key) or [])
    return items
