"""The client side of OpenWhisk's feed protocol.

The controller never calls feed actions: whoever creates a feed trigger must invoke
the feed action with ``lifecycleEvent: CREATE`` (and ``DELETE`` before removing the
trigger), passing the trigger's fully qualified name and the caller's key.

The alarms provider (apache/openwhisk-package-alarms) makes CREATE an upsert (a
second CREATE replaces the registration), and answers DELETE for a trigger it does
not know with "could not find trigger ... in the database". So CREATE may simply be
repeated after a lost answer, and a DELETE that finds nothing means the feed is gone.
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


# How feed providers say "no such registration" (the alarms provider's words first).
_GONE = ("could not find trigger", "not found", "does not exist")


class FeedError(ProviderError):
    """A feed refused a lifecycle event; ``detail`` is the provider's own words."""

    def __init__(self, message: str, detail: str, *, by_feed: bool) -> None:
        super().__init__(message)
        self.detail = detail
        self.by_feed = by_feed  # the feed action ran and answered (not the controller or a gateway)

    @property
    def registration_missing(self) -> bool:
        return self.by_feed and any(marker in self.detail.lower() for marker in _GONE)


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
        ran = isinstance(exc.body, dict) and "response" in exc.body  # a failed blocking invoke: the activation
        raise FeedError(
            f"feed {feed} refused {event} for trigger {trigger_path}: {exc.error}" + _tx(exc.code),
            exc.error,
            by_feed=ran,
        ) from None
    response = result.get("response") if isinstance(result, dict) else None
    if isinstance(response, dict) and response.get("success") is False:
        detail = response.get("result")
        message = detail.get("error") if isinstance(detail, dict) else detail
        raise FeedError(
            f"feed {feed} refused {event} for trigger {trigger_path}: {message}", str(message), by_feed=True
        )
    return result


def unregister(client: OpenWhiskClient, feed: str, trigger_path: str) -> None:
    """``DELETE`` the trigger's registration; one the provider no longer knows is fine.

    Any other refusal propagates: the caller must then keep the trigger, since it is
    the only record that the registration (which may still fire) exists.
    """
    try:
        invoke_lifecycle(client, feed, "DELETE", trigger_path)
    except FeedError as exc:
        if not exc.registration_missing:
            raise


def _tx(code: str | None) -> str:
    return f" (transaction {code})" if code else ""
