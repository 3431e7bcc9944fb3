"""``package_type: image`` on OpenWhisk: a blackbox action on the ActionLoop runtime.

The image is the Python ActionLoop runtime image of the stage's kind
(``openwhisk/action-python-v3.X``, as the stock runtime manifest names it) plus lw's
dependency and app layers under ``/lw``, pushed to ``image_registry`` (the user's
registry; OpenWhisk has none of its own, so image mode requires it).

Why the action still carries a little code: the ActionLoop proxy answers ``/init``
without code with 403 "Missing main/no code to execute." (openwhisk-runtime-go
``initHandler.go``), and the invoker sends no code for a blackbox action without any.
So the action's ``code`` is a tiny zip whose ``__main__.py`` runs the image's
``/lw/__main__.py``: the big parts travel in the image, the init stays a few hundred
bytes. The image is referenced by tag (``lw-<digest prefix>``, never moved): the
controller's ImageName drops a ``@digest`` when it stores the name.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import zipfile
from typing import Any, Callable, Sequence

from lw.core.artifact import Artifact, Build
from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.core.plan import Change, Outputs

TASK_ROOT = "/lw"
RUNTIME_IMAGE = "docker.io/openwhisk/action-python-v{version}:nightly"

_SHIM = f'''"""lw: runs the app baked into this action's image ({TASK_ROOT})."""
import runpy
import sys

sys.path.insert(0, "{TASK_ROOT}")
main = runpy.run_path("{TASK_ROOT}/__main__.py", run_name="lw_image_main")["main"]
'''


def image_tag(digest: str) -> str:
    """The image's never-moving ``lw-…`` tag (the engine's rule, imported only when an
    image is in play: the engine is not loaded at every ``lw`` start)."""
    from lw.core.images.ownership import release_tag

    return release_tag(digest)


def registry_location(ctx: Context) -> Any:
    from lw.core.images import parse_registry_setting

    app = ctx.app
    setting = app.setting("image_registry")
    if not setting:
        raise ConfigError(
            f"{app.config_file.name}: stage '{app.stage}': package_type image on OpenWhisk needs "
            "openwhisk.image_registry (host[:port][/prefix] of a registry the cluster's invokers can pull from)"
        )
    try:
        return parse_registry_setting(str(setting))
    except ValueError as exc:
        raise ConfigError(f"{app.config_file.name}: stage '{app.stage}': image_registry: {exc}") from None


def runtime_image(ctx: Context) -> str:
    """The ActionLoop image of the stage's kind, as the cluster's runtime manifest names
    it (``GET /``); a name without a registry is Docker Hub's, as for the invoker. A
    controller that lists no images gets the stock manifest's name."""
    from lw.providers.openwhisk.remote import connect

    cluster = connect(ctx).cluster
    image = cluster.images.get(cluster.kind_for(ctx.app.runtime))
    if not image:
        return RUNTIME_IMAGE.format(version=ctx.app.python_version)
    first = image.split("/", 1)[0]
    on_hub = "/" not in image or not ("." in first or ":" in first or first == "localhost")
    return f"docker.io/{image}" if on_hub else image


def package_image(ctx: Context, build: Build, files: Sequence[tuple[str, bytes]], *, note: str | None) -> Artifact:
    """The image prepared (not pushed) for ``image_registry``; the artifact is its folder."""
    from lw.core.images import (
        ImageSpec,
        architecture_platform,
        packaged_image_artifact,
        prepare_image,
        stage_labels,
        target_repository,
    )

    app = ctx.app
    location = registry_location(ctx)
    spec = ImageSpec(
        registry=location.host,
        repository=target_repository(location, app.project_name, app.stage),
        base_image=str(app.setting("base_image") or runtime_image(ctx)),
        platform=architecture_platform(app.architecture),
        task_root=TASK_ROOT,
        labels=stage_labels(app.project_name, app.stage),
    )
    prepared = prepare_image(build, files, spec, ctx.reporter)
    prepared = dataclasses.replace(prepared, spec=dataclasses.replace(spec, tag=image_tag(prepared.digest)))
    return packaged_image_artifact(ctx, "openwhisk", prepared, build, files, "main", note=note)


def shim_code() -> str:
    """The action's code: a deterministic zip holding the ``__main__.py`` shim (base64)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("__main__.py", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        archive.writestr(info, _SHIM)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def image_name(artifact: Artifact) -> str:
    """``exec.image``: the pushed image by its never-moved tag."""
    assert artifact.image is not None
    spec = artifact.image.spec
    return f"{spec.registry}/{spec.repository}:{image_tag(artifact.image.digest)}"


def blackbox_exec(body: dict[str, Any], artifact: Artifact) -> dict[str, Any]:
    """``body`` with a blackbox ``exec`` on the image (the shim as code)."""
    full = dict(body)
    full["exec"] = {"kind": "blackbox", "image": image_name(artifact), "main": "main", "binary": True}
    return full


def push_change(ctx: Context, artifact: Artifact) -> Change:
    """Push what the registry lacks (the engine checks each blob first)."""
    from lw.core.images import push_image
    from lw.core.images.credentials import registry_credentials

    prepared = artifact.image
    assert prepared is not None
    spec = dataclasses.replace(prepared.spec, tag=image_tag(prepared.digest))
    prepared = dataclasses.replace(prepared, spec=spec)
    own = sum(layer.size for layer in prepared.layers if layer.role != "base")

    def push(outputs: Outputs) -> None:
        pushed = push_image(prepared, registry_credentials(spec.registry), ctx.reporter)
        outputs["image_bytes_pushed"] = pushed.bytes_uploaded

    return Change(
        "create",
        f"image {spec.registry}/{spec.repository}:{spec.tag}",
        f"push what the registry lacks (lw's layers: {own / 1e6:.1f} MB)",
        push,
        step="push image",
    )


def _client(ctx: Context) -> tuple[Any, str]:
    from lw.core.images import target_repository
    from lw.core.images.credentials import registry_credentials
    from lw.core.images.registry import RegistryClient

    location = registry_location(ctx)
    credentials = registry_credentials(location.host)
    repository = target_repository(location, ctx.app.project_name, ctx.app.stage)
    return RegistryClient(location.host, credentials, reporter=ctx.reporter), repository


def removal(ctx: Context) -> list[Change]:
    """Undeploy: the images lw pushed for this stage (tags ``lw-…`` in the stage's
    repository of ``image_registry`` whose config carries this stage's labels: an image
    someone else pushed there is kept). A registry that cannot be read is reported and
    left alone: the actions are gone either way."""
    from lw.core.errors import ProviderError
    from lw.core.images.ownership import stage_image_digests

    if not ctx.app.setting("image_registry"):
        return []
    client, repository = _client(ctx)
    try:
        digests = stage_image_digests(client, repository, ctx.app.project_name, ctx.app.stage)
    except ProviderError as exc:
        ctx.reporter.warn(f"could not list the images lw pushed to {client.registry}/{repository}: {exc.message}")
        return []
    if not digests:
        return []

    def delete(outputs: Outputs) -> None:
        for digest in digests:
            client.delete_manifest(repository, digest)

    return [
        Change(
            "delete",
            f"images {client.registry}/{repository}",
            f"{len(digests)} image(s) lw pushed for this stage",
            delete,
            phase="cleanup",
            step="delete images",
        )
    ]


def dropper(ctx: Context) -> Callable[[str], None]:
    """Deletes one image of the stage's repository by digest (a pruned release's)."""

    def drop(digest: str) -> None:
        client, repository = _client(ctx)
        client.delete_manifest(repository, digest)

    return drop
