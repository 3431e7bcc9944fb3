"""The two actions of a stage: ``app`` (the web action, holding the zip) and ``events``.

``app`` carries the artifact hash and a hash of its configuration as annotations, so
a redeploy compares those two strings (read with ``?code=false``) and writes nothing
when neither changed.

``events`` is a sequence whose only component is ``app``: rules fire it, and it runs
whatever ``app`` holds at that moment, with ``app``'s parameters. A release is thus one
write (``app``) that switches HTTP and events together; no fault can leave the web
serving one release while events run another. (Rules cannot point at ``app`` itself:
it is ``final``, and the controller refuses trigger arguments that share a name with
one of its parameters.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from typing import Any, Mapping

from lw.core.artifact import Artifact
from lw.core.errors import PackagingError
from lw.core.model import AppModel
from lw.core.task_sources import app_uses_tasks
from lw.providers.openwhisk.names import ANN_ARTIFACT, ANN_CONFIG, APP_ACTION, Names, annotations_of

CODE_LIMIT_BYTES = 48 * 1024 * 1024  # measured on the base64 string (controller's Exec.maxSize)
BASE_URL_PARAMETER = "lw_base_url"

WEB_ANNOTATIONS = (
    ("web-export", True),
    ("raw-http", True),
    ("final", True),
    ("web-custom-options", True),
)


def init_parameters(app: AppModel, names: Names) -> list[dict[str, Any]]:
    """Environment variables and the public base URL as init parameters: the
    controller exports them to the container at /init and keeps them out of request args."""
    params = [{"key": str(k), "value": str(v), "init": True} for k, v in sorted(app.environment_variables.items())]
    params.append({"key": BASE_URL_PARAMETER, "value": names.base_url, "init": True})
    return params


def limits(app: AppModel) -> dict[str, int]:
    return {"memory": int(app.memory_size), "timeout": int(app.timeout_seconds) * 1000, "concurrency": 1}


# Sent explicitly: the controller adds it only when it creates an action, so an update
# that replaces the annotations (controllers before 1.0.0) would drop it, and an action
# without it is given the namespace's API key (__OW_API_KEY).
NO_API_KEY = {"key": "provide-api-key", "value": False}


def desired_action(app: AppModel, names: Names, kind: str, *, web: bool) -> dict[str, Any]:
    """The action's body without code or hash annotations (what the config hash covers)."""
    annotations = (
        [{"key": k, "value": v} for k, v in WEB_ANNOTATIONS] if web else [{"key": "web-export", "value": False}]
    )
    # ``lw.tasks`` starts a task with the controller credentials the platform then gives
    # the action (__OW_API_KEY); an app that starts none does not get the key.
    annotations.append({"key": "provide-api-key", "value": True} if app_uses_tasks(app) else dict(NO_API_KEY))
    return {
        "exec": {"kind": kind, "main": "main", "binary": True},
        "limits": limits(app),
        "parameters": init_parameters(app, names),
        "annotations": annotations + names.tags(),
        "publish": False,
    }


def config_hash(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()[:16]


def with_code(body: Mapping[str, Any], code_b64: str, artifact_sha: str) -> dict[str, Any]:
    full = json.loads(json.dumps(body))
    full["exec"]["code"] = code_b64
    full["annotations"] = full_annotations(body, artifact_sha)
    return full


def full_annotations(body: Mapping[str, Any], artifact_sha: str) -> list[dict[str, Any]]:
    """Every annotation the action keeps. Controllers before 1.0.0 replace the whole
    list on any update that carries annotations, so each write sends all of them."""
    return json.loads(json.dumps(body["annotations"])) + [
        {"key": ANN_ARTIFACT, "value": artifact_sha},
        {"key": ANN_CONFIG, "value": config_hash(body)},
    ]


def events_sequence(names: Names) -> dict[str, Any]:
    """``events``: a non-web sequence over ``app`` (see the module docstring)."""
    body: dict[str, Any] = {
        "exec": {"kind": "sequence", "components": [names.qualified(names.package, APP_ACTION)]},
        "annotations": [{"key": "web-export", "value": False}, dict(NO_API_KEY)] + names.tags(),
        "publish": False,
    }
    body["annotations"].append({"key": ANN_CONFIG, "value": config_hash(body)})
    return body


def is_current_sequence(deployed: Mapping[str, Any] | None, body: Mapping[str, Any]) -> bool:
    if not deployed or (deployed.get("exec") or {}).get("kind") != "sequence":
        return False
    return annotations_of(deployed).get(ANN_CONFIG) == annotations_of(body).get(ANN_CONFIG)


def is_current(deployed: Mapping[str, Any] | None, body: Mapping[str, Any], artifact_sha: str) -> bool:
    if not deployed:
        return False
    ann = annotations_of(deployed)
    return ann.get(ANN_ARTIFACT) == artifact_sha and ann.get(ANN_CONFIG) == config_hash(body)


def why_changed(deployed: Mapping[str, Any] | None, body: Mapping[str, Any], artifact_sha: str) -> str:
    if not deployed:
        return "new"
    ann = annotations_of(deployed)
    reasons = []
    if ann.get(ANN_ARTIFACT) != artifact_sha:
        reasons.append(f"code {str(ann.get(ANN_ARTIFACT) or '?')[:12]} -> {artifact_sha[:12]}")
    if ann.get(ANN_CONFIG) != config_hash(body):
        reasons.append("configuration changed")
    return ", ".join(reasons) or "unchanged"


def base64_size(size: int) -> int:
    return 4 * math.ceil(size / 3)


def check_code_size(artifact: Artifact, limit: int = CODE_LIMIT_BYTES) -> None:
    """Refuse before uploading: the controller would answer 413 only after the upload."""
    encoded = base64_size(artifact.size)
    if encoded <= limit:
        return
    largest = ", ".join(f"{name} {size / 1_048_576:.1f} MB" for name, size in artifact.largest_dependencies[:5])
    raise PackagingError(
        f"{artifact.path.name} is {encoded / 1_048_576:.1f} MB as base64, over OpenWhisk's "
        f"{limit / 1_048_576:.0f} MB code limit" + (f"; largest dependencies: {largest}" if largest else ""),
        hint="exclude what the app does not need with 'exclude:' or trim requirements",
    )


def read_code(artifact: Artifact) -> str:
    return base64.b64encode(artifact.path.read_bytes()).decode("ascii")
