"""Reading activations: the record of every run, used by ``status`` and ``logs``."""

from __future__ import annotations

from typing import Any

from lw.providers.openwhisk.names import APP_ACTION, EVENTS_ACTION
from lw.providers.openwhisk.remote import Remote

PAGE = 200


def recent(remote: Remote, *, since_ms: int | None = None, limit: int = PAGE) -> list[dict[str, Any]]:
    """Full activation records of the stage's two actions, oldest first."""
    found: list[dict[str, Any]] = []
    for action in (APP_ACTION, EVENTS_ACTION):
        params: dict[str, Any] = {"name": f"{remote.names.package}/{action}", "limit": min(limit, PAGE), "docs": True}
        if since_ms is not None:
            params["since"] = since_ms
        found.extend(remote.get("activations", **params) or [])
    found.sort(key=lambda a: (int(a.get("start") or 0), str(a.get("activationId"))))
    return found[-limit:]


def status_of(activation: dict[str, Any]) -> str:
    response = activation.get("response") or {}
    if isinstance(response, dict) and response.get("status"):
        return str(response["status"])
    return {0: "success", 1: "application error", 2: "action developer error", 3: "whisk internal error"}.get(
        activation.get("statusCode"), "unknown"  # type: ignore[arg-type]
    )
