"""``lw status`` for OpenWhisk, from remote state alone."""

from __future__ import annotations

import time
from typing import Any

from lw.core.provider import Status
from lw.providers.openwhisk import activations, releases, triggers
from lw.providers.openwhisk.names import ANN_ARTIFACT, APP_ACTION, EVENTS_ACTION, SHORT_HASH, annotations_of
from lw.providers.openwhisk.remote import Remote


def describe(remote: Remote, *, recent: int = 10) -> Status:
    names = remote.names
    facts: dict[str, Any] = {
        "provider": "openwhisk",
        "apihost": names.apihost,
        "namespace": names.namespace,
        "package": names.package,
    }
    package = remote.get("packages", names.package)
    if package is None or not names.owns(package):
        return Status(deployed=False, facts=facts)
    app = remote.get("actions", names.package, APP_ACTION, code=False) or {}
    live = str(annotations_of(app).get(ANN_ARTIFACT) or "")
    facts.update(
        {
            "url": names.web_url,
            "version": live[:SHORT_HASH],
            "kind": (app.get("exec") or {}).get("kind"),
            "memory_mb": (app.get("limits") or {}).get("memory"),
            "timeout_ms": (app.get("limits") or {}).get("timeout"),
            # lw.tasks: the app action can start tasks only when it holds the namespace's key.
            "tasks": f"non-blocking invoke of {names.package}/{EVENTS_ACTION}"
            if annotations_of(app).get("provide-api-key") is True
            else "run in the caller (the app does not import lw.tasks)",
        }
    )
    exec_ = app.get("exec") or {}
    facts["package_type"] = "image" if exec_.get("kind") == "blackbox" else "zip"
    if exec_.get("image"):  # the tag lw pushed is named after the image's digest
        facts["image"] = exec_["image"]
    action_rows = []
    for entry in sorted(package.get("actions") or (), key=lambda a: str(a.get("name"))):
        ann = annotations_of(entry)
        version = live if ann.get("exec") == "sequence" else str(ann.get(ANN_ARTIFACT) or "")  # events runs app's code
        action_rows.append(
            {"name": entry.get("name"), "version": version[:SHORT_HASH], "web": bool(ann.get("web-export"))}
        )
    release_rows = [
        {"version": r.version, "action": r.action, "released": _when(r.released), "live": r.artifact == live}
        for r in releases.list_releases(remote)
    ]
    trigger_rows = [
        {"name": t["name"], "feed": triggers.feed_of(t) or "-", "binding": annotations_of(t).get("lw:binding")}
        for t in triggers.list_owned(remote, "triggers")
    ]
    rule_rows = []
    for rule in triggers.list_owned(remote, "rules"):
        full = remote.get("rules", rule["name"]) or rule
        rule_rows.append({"name": rule["name"], "status": full.get("status", "?")})
    activation_rows = [
        {
            "activation": a.get("activationId"),
            "action": a.get("name"),
            "start": _when(int(a.get("start") or 0)),
            "duration_ms": a.get("duration"),
            "status": activations.status_of(a),
        }
        for a in activations.recent(remote, limit=recent)
    ]
    return Status(
        deployed=True,
        facts=facts,
        sections={
            "actions": action_rows,
            "releases": release_rows,
            "triggers": trigger_rows,
            "rules": rule_rows,
            "activations": activation_rows,
        },
    )


def _when(epoch_ms: int) -> str:
    if not epoch_ms:
        return "-"
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_ms / 1000))
