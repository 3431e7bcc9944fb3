"""The Lambda function, its published versions and the ``live`` alias.

A release is: update code and/or configuration on ``$LATEST``, publish a version, move
the alias. Only the alias move changes what serves, and it runs in the ``release``
phase after every build change succeeded, so a failed deploy leaves the previous
version serving. Whether anything changed is decided from remote state alone: the
package hash against ``CodeSha256``, the wanted configuration against ``$LATEST``, and
``$LATEST`` against the version the alias points to (which catches a previous deploy
that failed between updating and releasing, so a rerun converges).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from lw.core.artifact import Artifact
from lw.core.context import Context
from lw.core.errors import ConfigError, ProviderError
from lw.core.model import AppModel
from lw.core.plan import Change, Outputs
from lw.providers.aws import image, names
from lw.providers.aws.code_upload import CodeSource, code_sha256, plan_code_source
from lw.providers.aws.concurrency import reserved as reserved_concurrency
from lw.providers.aws.concurrency import reserved_change
from lw.providers.aws.errors import read_or_none
from lw.providers.aws.layer import resolve_pending
from lw.providers.aws.propagation import reporter_progress, retry_iam
from lw.providers.aws.session import AwsSession
from lw.providers.aws.versions import published_versions
from lw.providers.aws.waits import waiter_config

DEFAULT_EPHEMERAL_MB = 512
# Lambda's own waiters poll every second; five minutes covers large VPC functions.
_WAIT_ATTEMPTS = 300


@dataclass(frozen=True)
class LiveFunction:
    """What is deployed now: ``$LATEST``, its tags and reserved concurrency, the alias
    and the configuration of the version the alias points to."""

    latest: dict[str, Any]
    tags: dict[str, str]
    concurrency: int | None
    alias_version: str | None
    released: dict[str, Any] | None
    image_uri: str | None = None  # an image function's ``Code.ImageUri`` ($LATEST)


def desired_configuration(
    ctx: Context, role_arn: str, handler: str, extra_layers: Sequence[str] = ()
) -> dict[str, Any]:
    """The ``UpdateFunctionConfiguration`` parameters the stage asks for; lw's own
    layers (``extra_layers``: the dependency layer) come before the user's."""
    app = ctx.app
    where = f"{app.config_file.name}: stage '{app.stage}'"
    config: dict[str, Any] = {
        "Runtime": app.runtime,
        "Role": role_arn,
        "Handler": handler,
        "MemorySize": int(app.memory_size),
        "Timeout": int(app.timeout_seconds),
        "Description": str(app.setting("lambda_description") or f"lw {app.project_name} {app.stage}"),
        "Environment": {
            "Variables": _string_map(app.setting("aws_environment_variables"), where, "aws_environment_variables")
        },
        "EphemeralStorage": {"Size": _ephemeral_size(app.setting("ephemeral_storage"), where)},
        "TracingConfig": {"Mode": "Active" if app.setting("xray_tracing") else "PassThrough"},
        "Layers": [*extra_layers, *(str(x) for x in (app.setting("layers") or []))],
    }
    if app.setting("snap_start"):  # sent only when on, or (by the diff) to turn it off:
        config["SnapStart"] = {"ApplyOn": "PublishedVersions"}  # some endpoints refuse it otherwise
    vpc = app.setting("vpc_config")
    if vpc:
        if not isinstance(vpc, Mapping):
            raise ConfigError(f"{where}: vpc_config must be a mapping with SubnetIds and SecurityGroupIds")
        config["VpcConfig"] = {
            "SubnetIds": sorted(str(s) for s in vpc.get("SubnetIds") or []),
            "SecurityGroupIds": sorted(str(s) for s in vpc.get("SecurityGroupIds") or []),
        }
    dead_letter = app.setting("dead_letter_arn")
    if dead_letter:
        config["DeadLetterConfig"] = {"TargetArn": str(dead_letter)}
    return config


def _string_map(value: Any, where: str, key: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: {key} must be a mapping of names to strings")
    return {str(k): str(v) for k, v in value.items()}


def _ephemeral_size(value: Any, where: str) -> int:
    if value is None:
        return DEFAULT_EPHEMERAL_MB
    size = value.get("Size") if isinstance(value, Mapping) else value
    if isinstance(size, bool) or not isinstance(size, int) or not 512 <= size <= 10240:
        raise ConfigError(f"{where}: ephemeral_storage must be a size in MB between 512 and 10240")
    return size


def comparable(config: Mapping[str, Any]) -> dict[str, Any]:
    """A live configuration (or a desired one) in one canonical shape, so that AWS's
    omissions (no VpcConfig, no TracingConfig…) compare equal to lw's defaults."""
    vpc = config.get("VpcConfig") or {}
    subnets = sorted(vpc.get("SubnetIds") or [])
    groups = sorted(vpc.get("SecurityGroupIds") or [])
    layers = [x["Arn"] if isinstance(x, Mapping) else x for x in config.get("Layers") or []]
    return {
        "Runtime": config.get("Runtime"),
        "Role": config.get("Role"),
        "Handler": config.get("Handler"),
        "MemorySize": config.get("MemorySize"),
        "Timeout": config.get("Timeout"),
        "Description": config.get("Description") or "",
        "Environment": {"Variables": dict((config.get("Environment") or {}).get("Variables") or {})},
        "EphemeralStorage": {"Size": (config.get("EphemeralStorage") or {}).get("Size") or DEFAULT_EPHEMERAL_MB},
        "TracingConfig": {"Mode": (config.get("TracingConfig") or {}).get("Mode") or "PassThrough"},
        "Layers": layers,
        "SnapStart": {"ApplyOn": (config.get("SnapStart") or {}).get("ApplyOn") or "None"},
        "VpcConfig": {"SubnetIds": subnets, "SecurityGroupIds": groups} if subnets or groups else None,
        "DeadLetterConfig": {"TargetArn": (config.get("DeadLetterConfig") or {}).get("TargetArn")}
        if (config.get("DeadLetterConfig") or {}).get("TargetArn")
        else None,
    }


def configuration_diff(live: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of ``wanted`` whose value differs from ``live``, ready to send."""
    have, want = comparable(live), comparable(wanted)
    diff: dict[str, Any] = {}
    for key, value in want.items():
        if have.get(key) == value:
            continue
        if value is None:  # turning a feature off needs an explicit empty value
            diff[key] = {"SubnetIds": [], "SecurityGroupIds": []} if key == "VpcConfig" else {"TargetArn": ""}
        else:
            diff[key] = wanted.get(key, value)  # absent (SnapStart): its canonical "off"
    return diff


def read_live(aws: AwsSession, function: str) -> LiveFunction | None:
    lam = aws.client("lambda")
    resource = f"Lambda function {function}"
    found = read_or_none(resource, lambda: lam.get_function(FunctionName=function))
    if found is None:
        return None
    concurrency = (found.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
    alias = read_or_none(resource, lambda: lam.get_alias(FunctionName=function, Name=names.ALIAS))
    alias_version = alias["FunctionVersion"] if alias else None
    released = None
    if alias_version:
        released = read_or_none(
            resource, lambda: lam.get_function_configuration(FunctionName=function, Qualifier=alias_version)
        )
    return LiveFunction(
        latest=found["Configuration"],
        tags=dict(found.get("Tags") or {}),
        concurrency=concurrency,
        alias_version=alias_version,
        released=released,
        image_uri=(found.get("Code") or {}).get("ImageUri"),
    )


def plan_function(
    ctx: Context, aws: AwsSession, artifact: Artifact, role_arn: str, *, extra_layers: Sequence[str] = ()
) -> list[Change]:
    """Reads only; the returned changes create or update, publish and release."""
    app = ctx.app
    function = names.function_name(app)
    lam = aws.client("lambda")
    resource = f"Lambda function {function}"
    wanted = desired_configuration(ctx, role_arn, artifact.handler, extra_layers)
    package_type = "Image" if artifact.image is not None else "Zip"
    if artifact.image is not None:
        image.refuse_layers(ctx)
        wanted = image.image_configuration(wanted)
        sha = image.code_sha(artifact)
    else:
        sha = code_sha256(artifact.path)
    architecture = app.architecture
    concurrency = reserved_concurrency(ctx)
    snap_start = bool(app.setting("snap_start"))
    live = read_live(aws, function)
    if live is not None:
        refuse_foreign(app, function, live.tags)
        image.refuse_package_type_switch(ctx, function, live.latest, package_type)
    changes: list[Change] = []

    def source() -> CodeSource:
        if artifact.image is not None:
            return image.plan_image_source(ctx, aws, artifact)
        return plan_code_source(ctx, aws, artifact, sha)

    if live is None:
        code = source()
        changes += code.changes

        def create(outputs: Outputs) -> None:
            response = retry_iam(
                lambda: lam.create_function(
                    FunctionName=function,
                    Code=code.params(),
                    Architectures=[architecture],
                    Tags=app.tags,
                    Publish=True,
                    PackageType=package_type,
                    **resolve_pending(wanted, outputs),
                ),
                reporter_progress(ctx),
            )
            _wait_active(lam, function)
            outputs["version"] = response["Version"]
            _wait_version_active(lam, function, response["Version"], snap_start)

        changes.append(
            Change("create", resource, f"new function, {_size(artifact.size)} package", create, step="create function")
        )
        if concurrency is not None:
            changes.append(reserved_change(lam, function, concurrency))
        changes.append(_alias_change(lam, function, create=True))
        return changes

    latest = live.latest
    if artifact.image is not None:
        code_changed = live.image_uri != image.plan_uri(ctx, aws, artifact) or latest.get("CodeSha256") != sha
    else:
        code_changed = latest.get("CodeSha256") != sha
    arch_changed = list(latest.get("Architectures") or ["x86_64"]) != [architecture]
    diff = configuration_diff(latest, wanted)
    if code_changed or arch_changed:
        # Only now is the package needed: an unchanged function must not re-upload
        # (or recreate the bucket for) code Lambda already has.
        code = source()
        changes += code.changes
        reason = "code changed" if code_changed else f"architecture -> {architecture}"
        changes.append(
            Change(
                "update",
                resource,
                f"{reason}, {_size(artifact.size)} package",
                lambda o: _update_code(lam, function, code, architecture),
                step="update code",
            )
        )
    if diff:
        keys = ", ".join(sorted(diff))
        changes.append(
            Change(
                "update",
                resource,
                f"configuration changed: {keys}",
                lambda o: _update_configuration(ctx, lam, function, resolve_pending(diff, o)),
                step="update configuration",
            )
        )
    missing_tags = {k: v for k, v in app.tags.items() if live.tags.get(k) != v}
    if missing_tags:
        arn = latest["FunctionArn"]
        changes.append(
            Change(
                "update",
                resource,
                "tags differ: " + ", ".join(sorted(missing_tags)),
                lambda o: lam.tag_resource(Resource=arn, Tags=missing_tags),
                step="tag function",
            )
        )
    if concurrency != live.concurrency:
        changes.append(reserved_change(lam, function, concurrency))

    unreleased = _unreleased(live)
    if code_changed or arch_changed or diff or unreleased:
        why = "new release" if (code_changed or arch_changed or diff) else unreleased
        changes.append(
            Change(
                "update",
                resource,
                f"publish a version: {why}",
                lambda o: _publish(lam, function, o, sha, snap_start),
                step="publish version",
            )
        )
        changes.append(_alias_change(lam, function, create=live.alias_version is None, previous=live.alias_version))
    else:
        changes.append(Change("noop", resource, f"code and configuration unchanged (version {live.alias_version})"))
    return changes


def _unreleased(live: LiveFunction) -> str:
    """Why ``$LATEST`` differs from what the alias serves ("" when it does not)."""
    if live.alias_version is None or live.released is None:
        return f"alias {names.ALIAS} missing"
    if live.released.get("CodeSha256") != live.latest.get("CodeSha256"):
        return f"alias {names.ALIAS} serves older code (version {live.alias_version})"
    if comparable(live.released) != comparable(live.latest):
        return f"alias {names.ALIAS} serves an older configuration (version {live.alias_version})"
    return ""


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.1f} kB"


def _alias_change(lam: Any, function: str, *, create: bool, previous: str | None = None) -> Change:
    """The release switch. A first alias is created in the build phase (nothing serves
    yet, and routes and event sources need it to exist); later moves are releases."""
    resource = f"Lambda alias {function}:{names.ALIAS}"
    if create:
        return Change(
            "create",
            resource,
            "points to the new version",
            lambda o: lam.create_alias(
                FunctionName=function,
                Name=names.ALIAS,
                FunctionVersion=o["version"],
                Description="lw: the version serving traffic",
            ),
            step="create alias",
        )

    def move(outputs: Outputs) -> None:
        lam.update_alias(FunctionName=function, Name=names.ALIAS, FunctionVersion=outputs["version"])
        outputs["previous_version"] = previous

    return Change(
        "update",
        resource,
        f"moves from version {previous} to the new version",
        move,
        phase="release",
        step="move alias",
    )


def _update_code(lam: Any, function: str, code: CodeSource, architecture: str) -> None:
    _wait_updated(lam, function)
    lam.update_function_code(FunctionName=function, Architectures=[architecture], **code.params())
    _wait_updated(lam, function)


def _update_configuration(ctx: Context, lam: Any, function: str, diff: dict[str, Any]) -> None:
    _wait_updated(lam, function)
    retry_iam(lambda: lam.update_function_configuration(FunctionName=function, **diff), reporter_progress(ctx))
    _wait_updated(lam, function)


def _publish(lam: Any, function: str, outputs: Outputs, sha: str, snap_start: bool = False) -> None:
    from lw.providers.aws.function_waits import publish_guarded

    _wait_updated(lam, function)
    outputs["version"] = publish_guarded(lam, function, sha)
    _wait_version_active(lam, function, outputs["version"], snap_start)


def _wait_version_active(lam: Any, function: str, version: str, snap_start: bool) -> None:
    """A SnapStart version stays ``Pending`` until its snapshot is taken, and Lambda
    cannot invoke it meanwhile: the alias must not move to it before it is Active."""
    if snap_start:
        lam.get_waiter("published_version_active").wait(
            FunctionName=function, Qualifier=version, WaiterConfig=waiter_config(max_attempts=_WAIT_ATTEMPTS)
        )


def _wait_active(lam: Any, function: str) -> None:
    from lw.providers.aws.function_waits import wait_with_reason

    wait_with_reason(lam, "function_active_v2", function, waiter_config(max_attempts=_WAIT_ATTEMPTS))


def _wait_updated(lam: Any, function: str) -> None:
    from lw.providers.aws.function_waits import wait_with_reason

    wait_with_reason(lam, "function_updated_v2", function, waiter_config(max_attempts=_WAIT_ATTEMPTS))


def foreign_message(app: AppModel, function: str) -> str:
    return (
        f"Lambda function {function} exists but is not tagged lw:project={app.project_name}, "
        f"lw:stage={app.stage}; lw will not change a function it did not make"
    )


def refuse_foreign(app: AppModel, function: str, tags: dict[str, str] | None) -> None:
    """A same-named function someone else made must never be overwritten by a deploy:
    the name alone is not proof of ownership, the tags are."""
    if not names.owns(tags, app):
        raise ProviderError(foreign_message(app, function))


def ownership(ctx: Context, aws: AwsSession, function: str) -> str:
    """``"absent"``, ``"ours"`` or ``"foreign"``: undeploy removes only what lw made."""
    lam = aws.client("lambda")
    found = read_or_none(f"Lambda function {function}", lambda: lam.get_function(FunctionName=function))
    if found is None:
        return "absent"
    return "ours" if names.owns(dict(found.get("Tags") or {}), ctx.app) else "foreign"


def delete_function_change(aws: AwsSession, function: str) -> list[Change]:
    """Deleting the function removes its versions, aliases, URL config and policy."""
    lam = aws.client("lambda")
    found = read_or_none(f"Lambda function {function}", lambda: lam.get_function(FunctionName=function))
    if found is None:
        return []
    versions = published_versions(aws, function)
    return [
        Change(
            "delete",
            f"Lambda function {function}",
            f"with alias {names.ALIAS} and {len(versions)} version(s)",
            lambda o: lam.delete_function(FunctionName=function),
            phase="cleanup",
            step="delete function",
        )
    ]
