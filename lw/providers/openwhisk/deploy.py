"""Planning ``lw deploy`` for OpenWhisk: the package, the release copy and both actions.

Reads only. ``app`` changes in the release phase, after every build change
succeeded, so a failed upload or event leaves the previous release serving; as
``events`` is a sequence over ``app``, that one write switches HTTP and events.
"""

from __future__ import annotations

from typing import Any

from lw.core.artifact import Artifact
from lw.core.errors import ConfigError, ProviderError
from lw.core.plan import Action, Change, Phase
from lw.providers.openwhisk import actions, image, releases
from lw.providers.openwhisk.names import ANN_ARTIFACT, APP_ACTION, EVENTS_ACTION, annotations_of
from lw.providers.openwhisk.remote import Remote


def plan_package(remote: Remote) -> list[Change]:
    names = remote.names
    existing = remote.get("packages", names.package)
    if existing is not None:
        if not names.owns(existing):
            raise ProviderError(
                f"package {names.package} already exists in namespace {names.namespace} and was not created by lw "
                f"for project {names.project} stage {names.stage}; rename the project or stage, or remove it"
            )
        return [Change("noop", f"package {names.package}", "exists")]

    def create(outputs: dict[str, Any]) -> None:
        body = {
            "name": names.package,
            "publish": False,
            "annotations": names.tags() + [{"key": "managed-by", "value": "lw"}],
        }
        remote.call("PUT", "packages", names.package, body=body, overwrite=True)

    return [Change("create", f"package {names.package}", "new stage", create, "build", "create package")]


def plan_actions(remote: Remote, artifact: Artifact) -> list[Change]:
    ctx = remote.ctx
    app = ctx.app
    names = remote.names
    kind = remote.cluster.kind_for(app.runtime)
    if kind in remote.cluster.deprecated:
        ctx.reporter.warn(f"the cluster marks {kind} as deprecated; plan a move to a newer runtime")
    remote.cluster.check_limits(int(app.memory_size), int(app.timeout_seconds) * 1000)
    sha = artifact.sha256
    code_cache: dict[str, str] = {}
    if artifact.image is not None:
        code_cache["b64"] = image.shim_code()
        kind = "blackbox"
    else:
        actions.check_code_size(artifact)

    def code() -> str:
        if "b64" not in code_cache:
            code_cache["b64"] = actions.read_code(artifact)
        return code_cache["b64"]

    app_body = actions.desired_action(app, names, kind, web=True)
    if artifact.image is not None:
        app_body = image.blackbox_exec(app_body, artifact)
    deployed_app = remote.get("actions", names.package, APP_ACTION, code=False)
    deployed_events = remote.get("actions", names.package, EVENTS_ACTION, code=False)
    live_sha = annotations_of(deployed_app).get(ANN_ARTIFACT)

    changes = []
    if artifact.image is not None and live_sha != sha:
        changes.append(image.push_change(ctx, artifact))
    changes += releases.plan_release_copy(remote, app_body, code, sha, live_sha)

    resource = f"action {names.package}/{APP_ACTION}"
    if actions.is_current(deployed_app, app_body, sha):
        changes.append(Change("noop", resource, "unchanged"))
    else:
        same_code = (
            annotations_of(deployed_app).get(ANN_ARTIFACT) == sha
            and (deployed_app or {}).get("exec", {}).get("kind") == kind
        )

        def put_app(outputs: dict[str, Any]) -> None:
            full = actions.with_code(app_body, "" if same_code else code(), sha)
            if same_code:  # a configuration-only change: the controller keeps the code it has
                del full["exec"]
            remote.call("PUT", "actions", names.package, APP_ACTION, body=full, overwrite=True)
            outputs["urls"] = [names.web_url]

        verb: Action = "create" if deployed_app is None else "update"
        # the release: this one write switches HTTP and (through the events sequence) events
        changes.append(
            Change(
                verb, resource, actions.why_changed(deployed_app, app_body, sha), put_app, "release", f"{verb} action"
            )
        )

    events_body = actions.events_sequence(names)
    resource = f"action {names.package}/{EVENTS_ACTION}"
    if actions.is_current_sequence(deployed_events, events_body):
        changes.append(Change("noop", resource, "unchanged"))
    else:

        def put_events(outputs: dict[str, Any]) -> None:
            remote.call("PUT", "actions", names.package, EVENTS_ACTION, body=events_body, overwrite=True)

        verb = "create" if deployed_events is None else "update"
        # A sequence needs its component: on a first deploy it follows app; otherwise it
        # goes before the release, pointing events at the app that is serving now.
        phase: Phase = "release" if deployed_app is None else "build"
        changes.append(Change(verb, resource, "runs the app action for events", put_events, phase, f"{verb} action"))
    keep = app.setting("keep_releases")
    keep = releases.DEFAULT_KEEP if keep is None else int(keep)
    if keep < 1:
        raise ConfigError(
            f"{app.config_file.name}: stage '{app.stage}': openwhisk.keep_releases: expected 1 or more, got {keep} "
            "(the serving release is always kept)"
        )
    if any(c.mutating for c in changes):
        drop = image.dropper(ctx) if artifact.image is not None else None
        changes += releases.plan_prune(remote, keep, sha, drop_image=drop)
    return changes
