"""Plan-time reads: botocore failures become one-line errors naming the resource.

Planning only reads, so a missing resource is usually an answer ("not deployed yet"),
not a failure; ``read_optional`` turns it into ``None``.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from lw.providers.aws.errors import aws_call, is_not_found, to_provider_error

T = TypeVar("T")


def read(action: str, resource: str, call: Callable[[], T]) -> T:
    return aws_call(action, resource, call)


def read_optional(action: str, resource: str, call: Callable[[], T]) -> T | None:
    """``call()``, or ``None`` when AWS says the resource does not exist."""
    import botocore.exceptions as bex

    try:
        return call()
    except bex.ClientError as exc:
        if is_not_found(exc):
            return None
        raise to_provider_error(action, resource, exc) from exc
    except bex.BotoCoreError as exc:
        raise to_provider_error(action, resource, exc) from exc


def paginate(client: object, operation: str, key: str, **params: object) -> list[dict]:
    """Every item of a paginated listing (the caller wraps it in ``read``)."""
    paginator = client.get_paginator(operation)  # type: ignore[attr-defined]
    items: list[dict] = []
    for page in paginator.paginate(**params):
        items.extend(page.get(key) or [])
    return items
