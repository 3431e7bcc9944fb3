"""Reading activations: the record of every run, used by ``status`` and ``logs``."""

from __future__ import annotations

from typing import Any

from lw.providers.openwhisk.names import APP_ACTION, EVENTS_ACTION
from lw.providers.openwhisk.remote import Remote

PAGE = 200  # the controller's largest page
MAX_PER_ACTION = 5000  # a bound on one ``lw logs`` read, so a busy action cannot stall it


def recent(remote: Remote, *, since_ms: int | None = None, limit: int = PAGE) -> list[dict[str, Any]]:
    """Full activation records of the stage's two actions, oldest first.

    The controller answers newest first, one page at a time: pages are read with
    ``skip`` until ``limit`` records per action are in hand or the window is exhausted,
    so a ``--since`` window with more than one page of activations is not cut short.
    """
    found: list[dict[str, Any]] = []
    wanted = min(limit, MAX_PER_ACTION)
    for action in (APP_ACTION, EVENTS_ACTION):
        params: dict[str, Any] = {"name": f"{remote.names.package}/{action}", "docs": True}
        if since_ms is not None:
            params["since"] = since_ms
        taken = 0
        while taken < wanted:
            size = min(PAGE, wanted - taken)
            page = remote.get("activations", limit=size, skip=taken, **params) or []
            found.extend(page)
            taken += len(page)
            if len(page) < size:
                break
    found.sort(key=lambda a: (int(a.get("start") or 0), str(a.get("activationId"))))
    return found[-limit:]


def is_sequence(activation: dict[str, Any]) -> bool:
    """The ``events`` sequence's own record: its ``logs`` are component activation ids."""
    return any(
        a.get("key") == "kind" and a.get("value") == "sequence"
        for a in activation.get("annotations") or ()
        if isinstance(a, dict)
    )


def shown_name(activation: dict[str, Any]) -> str:
    """``app`` runs caused by the ``events`` sequence are shown as ``events``."""
    name = str(activation.get("name") or "?")
    return EVENTS_ACTION if name == APP_ACTION and activation.get("cause") else name


def status_of(activation: dict[str, Any]) -> str:
    response = activation.get("response") or {}
    if isinstance(response, dict) and response.get("status"):
        return str(response["status"])
    return {0: "success", 1: "application error", 2: "action developer error", 3: "whisk internal error"}.get(
        activation.get("statusCode"),  # type: ignore[arg-type]
        "unknown",
    )
