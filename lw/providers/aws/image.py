"""``package_type: image`` on AWS: the package is a container image in the stage's ECR.

The package hook assembles the image (``lw.core.images.prepare_image``: reads only, so
its digest is final before any write) on AWS's public Lambda base image for the
stage's runtime and architecture, with ``lw_handler.handler`` as the command. The
deploy plan pushes it (only what the repository lacks) when, and only when, the
function does not already run that digest, then points the function at the image
pinned by digest: a code-only change pushes the app layer and the manifest.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from lw.core.artifact import Artifact, Build
from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.core.plan import Change, Outputs
from lw.providers.aws import ecr
from lw.providers.aws.code_upload import CodeSource
from lw.providers.aws.session import AwsSession

LAMBDA_BASE_REPOSITORY = "public.ecr.aws/lambda/python"
# Keys Lambda refuses on an image function ("Please don't provide Handler or Runtime or
# Layer when the intended function PackageType is Image."): the image carries them.
ZIP_ONLY_KEYS = ("Runtime", "Handler", "Layers")


def default_base_image(ctx: Context) -> str:
    """AWS's public base image for the runtime (a multi-platform list: the engine picks
    the entry for ``architecture``)."""
    return f"{LAMBDA_BASE_REPOSITORY}:{ctx.app.python_version}"


def package_image(
    ctx: Context,
    aws: AwsSession,
    build: Build,
    files: Sequence[tuple[str, bytes]],
    *,
    handler: str,
    note: str | None = None,
) -> Artifact:
    """The image for ``build`` plus lw's files, prepared (not pushed) for this stage's
    ECR repository; the artifact on disk is its manifest."""
    from lw.core.images import (
        ImageSpec,
        architecture_platform,
        packaged_image_artifact,
        prepare_image,
        stage_labels,
    )

    app = ctx.app
    if app.setting("regions"):
        raise ConfigError(
            f"{app.config_file.name}: stage '{app.stage}': package_type image is not supported with "
            "regions (a global stage) yet: each region needs its own ECR copy; deploy one region per stage"
        )
    target = ecr.target(ctx, aws)
    spec = ImageSpec(
        registry=target.endpoint,
        repository=target.repository,
        base_image=str(app.setting("base_image") or default_base_image(ctx)),
        platform=architecture_platform(app.architecture),
        cmd=(handler,),
        labels=stage_labels(app.project_name, app.stage),
    )
    prepared = prepare_image(build, files, spec, ctx.reporter)
    return packaged_image_artifact(ctx, "aws", prepared, build, files, handler, note=note)


def refuse_layers(ctx: Context) -> None:
    """Lambda refuses layers on an image function; saying so beats dropping them."""
    app = ctx.app
    if app.setting("layers"):
        raise ConfigError(
            f"{app.config_file.name}: stage '{app.stage}': layers cannot be used with package_type image "
            "(Lambda runs no layers on an image function): add their packages to requirements instead"
        )


def image_configuration(wanted: dict[str, Any]) -> dict[str, Any]:
    """The configuration of an image function: the zip-only keys left out."""
    return {k: v for k, v in wanted.items() if k not in ZIP_ONLY_KEYS}


@dataclasses.dataclass
class ImageSource(CodeSource):
    """``Code``/``UpdateFunctionCode`` parameters of an image function."""

    image_uri: str = ""

    def params(self) -> dict[str, Any]:
        return {"ImageUri": self.image_uri}


def code_sha(artifact: Artifact) -> str:
    """What Lambda reports as ``CodeSha256`` for the image: its digest's hex."""
    assert artifact.image is not None
    return artifact.image.digest.partition(":")[2]


def plan_image_source(ctx: Context, aws: AwsSession, artifact: Artifact) -> ImageSource:
    """The repository changes and the push (run only when the function needs the image)."""
    from lw.core.images import RegistryCredentials, push_image

    assert artifact.image is not None
    # lw's tag (never moved) is what keeps the image out of the lifecycle rule's reach.
    spec = dataclasses.replace(artifact.image.spec, tag=ecr.image_tag(artifact.image.digest))
    prepared = dataclasses.replace(artifact.image, spec=spec)
    target = ecr.target(ctx, aws)
    source = ImageSource(image_uri=target.image_uri(prepared.digest))
    source.changes += ecr.plan_repository(ctx, aws)
    layers = [layer for layer in prepared.layers if layer.role != "base"]

    def push(outputs: Outputs) -> None:
        credentials = RegistryCredentials(username=target.username, password=target.password)
        # Where a base layer may be mounted from: the account's other repositories, listed
        # only now that a push happens (the digest does not depend on it).
        siblings = ecr.sibling_repositories(ctx, aws, target.repository)
        ready = dataclasses.replace(prepared, spec=dataclasses.replace(prepared.spec, mount_from=siblings))
        pushed = push_image(ready, credentials, ctx.reporter)
        outputs["image_bytes_pushed"] = pushed.bytes_uploaded
        outputs["image_uri"] = source.image_uri

    size = sum(layer.size for layer in layers)
    source.changes.append(
        Change(
            "create",
            f"image {target.repository}@{prepared.digest[:19]}",
            f"push what the repository lacks (lw's layers: {size / 1e6:.1f} MB, base layers mounted or skipped)",
            push,
            step="push image",
        )
    )
    return source


def package_type_of(live: dict[str, Any]) -> str:
    return str(live.get("PackageType") or "Zip")


def refuse_package_type_switch(ctx: Context, function: str, live: dict[str, Any], wanted: str) -> None:
    """Lambda cannot change an existing function's ``PackageType``; replacing the
    function would drop its versions, aliases, URLs and event sources, so lw stops
    with the fix instead of deleting anything."""
    have = package_type_of(live)
    if have == wanted:
        return
    setting = "image" if wanted == "Image" else "zip"
    raise ConfigError(
        f"{ctx.app.config_file.name}: stage '{ctx.app.stage}': package_type {setting} but Lambda function "
        f"{function} is a {have} function and AWS cannot change a function's package type: run `lw undeploy` "
        f"then `lw deploy` (or deploy to a new stage), or set package_type: {'zip' if setting == 'image' else 'image'}"
    )


def plan_uri(ctx: Context, aws: AwsSession, artifact: Artifact) -> str:
    """The ``ImageUri`` the function should run: the repository's URI, pinned by digest."""
    assert artifact.image is not None
    return ecr.target(ctx, aws).image_uri(artifact.image.digest)
