"""Releases without local state: each deployed zip is also kept as ``app--<shorthash>``.

The copies are ordinary, non-exported actions in the stage's package, stamped with
the time they last became live (``lw:released``). Rollback copies one back into
``app``; pruning keeps the newest ``keep_releases``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from lw.core.errors import UsageError
from lw.core.plan import Change
from lw.core.provider import RollbackTarget
from lw.providers.openwhisk import actions
from lw.providers.openwhisk.names import (
    ANN_ARTIFACT,
    ANN_RELEASED,
    APP_ACTION,
    EVENTS_ACTION,
    SHORT_HASH,
    annotations_of,
    is_release_action,
)
from lw.providers.openwhisk.remote import Remote

DEFAULT_KEEP = 3


@dataclass(frozen=True)
class Release:
    action: str
    artifact: str
    released: int

    @property
    def version(self) -> str:
        return self.artifact[:SHORT_HASH]


def list_releases(remote: Remote) -> list[Release]:
    """The stage's releases, newest first, read from the package's action list."""
    package = remote.get("packages", remote.names.package)
    releases = []
    for entry in (package or {}).get("actions") or ():
        name = str(entry.get("name", ""))
        if not is_release_action(name):
            continue
        ann = annotations_of(entry)
        if ANN_ARTIFACT not in ann:  # listings may be brief: read the action itself
            ann = annotations_of(remote.get("actions", remote.names.package, name, code=False))
        releases.append(Release(name, str(ann.get(ANN_ARTIFACT) or ""), int(ann.get(ANN_RELEASED) or 0)))
    return sorted(releases, key=lambda r: (r.released, r.action), reverse=True)


def now_ms() -> int:
    return int(time.time() * 1000)


def plan_release_copy(
    remote: Remote, app_body: dict[str, Any], code: Callable[[], str], artifact_sha: str, live_sha: str | None
) -> list[Change]:
    """Keep the new zip as ``app--<shorthash>``; re-stamp it when an old release comes back.

    ``app_body`` is ``app``'s body without code; ``code`` reads the zip (only if needed).
    """
    names = remote.names
    name = names.release_action(artifact_sha)
    existing = remote.get("actions", names.package, name, code=False)
    if existing and live_sha == artifact_sha:
        return [Change("noop", f"action {names.package}/{name}", "release copy up to date")]

    def stamp(outputs: dict[str, Any]) -> None:
        # all of the copy's annotations: a controller before 1.0.0 keeps only what is sent
        annotations = release_annotations(actions.full_annotations(app_body, artifact_sha))
        annotations.append({"key": ANN_RELEASED, "value": now_ms()})
        remote.call("PUT", "actions", names.package, name, body={"annotations": annotations}, overwrite=True)

    if existing:
        return [
            Change(
                "update",
                f"action {names.package}/{name}",
                "previous release becomes live again",
                stamp,
                "build",
                "stamp release",
            )
        ]

    def create(outputs: dict[str, Any]) -> None:
        body = release_body(actions.with_code(app_body, code(), artifact_sha))
        body["annotations"].append({"key": ANN_RELEASED, "value": now_ms()})
        remote.call("PUT", "actions", names.package, name, body=body, overwrite=True)

    return [
        Change(
            "create",
            f"action {names.package}/{name}",
            "keep this release for rollback",
            create,
            "build",
            "store release",
        )
    ]


def release_body(full_body: dict[str, Any]) -> dict[str, Any]:
    """A copy that is never reachable from the web."""
    return {**full_body, "annotations": release_annotations(full_body["annotations"])}


def release_annotations(app_annotations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    annotations = [
        a for a in app_annotations if a["key"] not in ("web-export", "raw-http", "final", "web-custom-options")
    ]
    annotations.append({"key": "web-export", "value": False})
    return annotations


def plan_prune(
    remote: Remote, keep: int, new_sha: str, *, drop_image: Callable[[str], None] | None = None
) -> list[Change]:
    """Delete releases beyond the newest ``keep``, counting the one being deployed.
    ``drop_image`` (image stages) also deletes a pruned release's image, by its digest
    (the release's artifact hash), once its action is gone."""
    names = remote.names
    new_action = names.release_action(new_sha)
    known = {r.action: r.artifact for r in list_releases(remote)}
    ordered = [new_action] + [action for action in known if action != new_action]
    changes = []
    for action in ordered[max(keep, 1) :]:

        def delete(outputs: dict[str, Any], action: str = action) -> None:
            remote.call("DELETE", "actions", names.package, action, missing_ok=True)
            if drop_image is not None and known.get(action):
                drop_image(f"sha256:{known[action]}")

        changes.append(
            Change(
                "delete",
                f"action {names.package}/{action}",
                f"older than the {keep} kept releases",
                delete,
                "cleanup",
                "prune release",
            )
        )
    return changes


def choose(releases: list[Release], live_sha: str | None, target: RollbackTarget) -> Release:
    if not releases:
        raise UsageError("nothing to roll back to: no release is stored for this stage")
    if target.version:
        matches = [r for r in releases if r.artifact.startswith(target.version) or r.action == target.version]
        if not matches:
            known = ", ".join(r.version for r in releases)
            raise UsageError(f"no release {target.version!r}; stored releases: {known}")
        return matches[0]
    index = next((i for i, r in enumerate(releases) if r.artifact == live_sha), 0)
    wanted = index + max(target.steps, 1)
    if wanted >= len(releases):
        raise UsageError(
            f"cannot roll back {target.steps} release(s): only {len(releases) - index - 1} older release(s) are stored"
        )
    return releases[wanted]


def plan_rollback(remote: Remote, target: RollbackTarget) -> list[Change]:
    """Copy a stored release's code into ``app`` (configuration stays as deployed).

    The release keeps its place in history (no re-stamp), so ``--steps`` counts back
    from the live release through the order in which releases were deployed.
    """
    names = remote.names
    live = remote.get("actions", names.package, APP_ACTION, code=False)
    if not live:
        raise UsageError(f"stage {names.package} is not deployed at {names.apihost}")
    live_sha = annotations_of(live).get(ANN_ARTIFACT)
    release = choose(list_releases(remote), live_sha, target)
    if release.artifact == live_sha:
        return [Change("noop", f"action {names.package}/{APP_ACTION}", f"release {release.version} is already live")]

    def copy(outputs: dict[str, Any]) -> None:
        stored = remote.call("GET", "actions", names.package, release.action)
        # app last: it is what serves. events only holds code of its own when an older
        # lw deployed it; as a sequence over app it follows app's one write.
        for action in (EVENTS_ACTION, APP_ACTION):
            current = remote.get("actions", names.package, action, code=False)
            if not current or (current.get("exec") or {}).get("kind") == "sequence":
                continue
            annotations = [a for a in current.get("annotations") or () if a.get("key") not in (ANN_ARTIFACT, "exec")]
            annotations.append({"key": ANN_ARTIFACT, "value": release.artifact})
            body = {
                "exec": {k: v for k, v in stored["exec"].items() if k in ("kind", "code", "main", "binary")},
                "limits": current.get("limits"),
                "parameters": current.get("parameters") or [],
                "annotations": annotations,
            }
            remote.call("PUT", "actions", names.package, action, body=body, overwrite=True)
        outputs["urls"] = [names.web_url]
        outputs["version"] = release.version

    return [
        Change(
            "update",
            f"action {names.package}/{APP_ACTION}",
            f"roll back {str(live_sha or '?')[:SHORT_HASH]} -> {release.version}",
            copy,
            "release",
            "rollback",
        )
    ]
