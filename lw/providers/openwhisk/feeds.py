"""The client side of OpenWhisk's feed protocol.

The controller never calls feed actions: whoever creates a feed trigger must invoke
the feed action with ``lifecycleEvent: CREATE`` (and ``DELETE`` before removing the
trigger), passing the trigger's fully qualified name and the caller's key.
"""

from __future__ import annotations

from typing import Any, Mapping

from lw.core.errors import ConfigError, ProviderError
from lw.providers.openwhisk.client import ControllerError, OpenWhiskClient, path_of


def feed_path(feed: str) -> tuple[str, ...]:
    """``/ns/pkg/action`` or ``/ns/action`` -> path parts for the invoke URL."""
    parts = [p for p in feed.split("/") if p]
    if not feed.startswith("/") or len(parts) not in (2, 3):
        raise ConfigError(f"feed {feed!r} must be a fully qualified action such as /whisk.system/alarms/alarm")
    return ("namespaces", parts[0], "actions", *parts[1:])


def invoke_lifecycle(
    client: OpenWhiskClient, feed: str, event: str, trigger_path: str, parameters: Mapping[str, Any] | None = None
) -> Any:
    """Run one lifecycle event; any refusal becomes a ``ProviderError`` naming feed and trigger."""
    body: dict[str, Any] = dict(parameters or {})
    body.update({"lifecycleEvent": event, "triggerName": trigger_path})
    if client.credentials.auth:
        body["authKey"] = client.credentials.auth
    try:
        result = client.request("POST", path_of(*feed_path(feed)), params={"blocking": True}, body=body)
    except ControllerError as exc:
        raise ProviderError(f"feed {feed} refused {event} for trigger {trigger_path}: {exc.error}" + _tx(exc.code)) from None
    response = result.get("response") if isinstance(result, dict) else None
    if isinstance(response, dict) and response.get("success") is False:
        detail = response.get("result")
        message = detail.get("error") if isinstance(detail, dict) else detail
        raise ProviderError(f"feed {feed} refused {event} for trigger {trigger_path}: {message}")
    return result


def _tx(code: str | None) -> str:
    return f" (transaction {code})" if code else ""
