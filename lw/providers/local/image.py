"""``package_type: image`` on the local provider: the image's ``/var/task``, run here.

The package hook assembles the same image the AWS provider would (base, dependencies
layer, app layer, through ``lw.core.images``) for the platform Lambda would get; with
``image_registry`` set the deploy pushes it there and pulls it back, so what runs is
exactly what the registry holds, otherwise lw's own layers are unpacked directly. Either
way the layers land in a root folder and the worker's task root is its ``/var/task``.
Without ``base_image`` the base is empty: locally it is this machine's Python and the
real runtime client that stand in for Lambda's base.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from lw.core import entry
from lw.core.artifact import Artifact, Build
from lw.core.context import Context
from lw.core.errors import ConfigError, ProviderError
from lw.core.images import (
    LAMBDA_TASK_ROOT,
    ImageSpec,
    PackageChoice,
    ReferenceError,
    RegistryCredentials,
    architecture_platform,
    choose_package_type,
    image_artifact,
    parse_reference,
    parse_registry_setting,
    prepare_image,
    push_image,
    registry_credentials,
    target_repository,
    unpack_image,
    unpack_prepared,
    unpacked_size,
)
from lw.core.images.ownership import release_tag, stage_image_digests, stage_labels
from lw.core.images.reference import RegistryLocation
from lw.core.images.registry import RegistryClient
from lw.core.plan import Change, Outputs

# The package the local runtime runs is Lambda's, so Lambda's limit decides when a zip
# becomes an image (the local provider does not import the AWS provider for it).
LAMBDA_UNPACKED_LIMIT = 250 * 1024 * 1024
ENTRY_MODULE = "lw_handler"
HANDLER = f"{ENTRY_MODULE}.handler"
LOCAL_REGISTRY = "local"  # the spec's registry when nothing is pushed
TAG = "latest"


def extras(ctx: Context) -> list[tuple[str, bytes]]:
    """The files Lambda's package adds to the build: lw's runtime, ``lw_handler.py`` and
    the settings (the same entry module the AWS provider writes)."""
    module = entry.entry_module(
        f"{ENTRY_MODULE}.py",
        runtime_module="aws",
        factory="handler_from_settings",
        attribute="handler",
        what="AWS Lambda entry point",
    )
    return entry.package_files(ctx, module)


def choose(ctx: Context, build: Build, files: list[tuple[str, bytes]]) -> PackageChoice:
    return choose_package_type(ctx.app, unpacked_size(build, files), LAMBDA_UNPACKED_LIMIT, "AWS Lambda")


def _location(ctx: Context) -> RegistryLocation | None:
    value = ctx.app.setting("image_registry")
    if not value:
        return None
    try:
        return parse_registry_setting(str(value))
    except ReferenceError as exc:
        raise ConfigError(f"{ctx.app.config_file.name}: stage '{ctx.app.stage}': image_registry: {exc}") from None


def image_spec(ctx: Context) -> ImageSpec:
    app = ctx.app
    location = _location(ctx)
    return ImageSpec(
        registry=location.host if location else LOCAL_REGISTRY,
        repository=target_repository(location, app.project_name, app.stage) if location else app.name,
        base_image=app.setting("base_image"),
        platform=architecture_platform(app.architecture),
        task_root=LAMBDA_TASK_ROOT,
        cmd=(HANDLER,),
        tag=TAG,
        labels=stage_labels(app.project_name, app.stage),
    )


def package_image(ctx: Context, build: Build, files: list[tuple[str, bytes]], choice: PackageChoice) -> Artifact:
    if choice.note:
        ctx.reporter.info(f"note: {choice.note}")
    spec = image_spec(ctx)
    folder = ctx.work_dir / "build" / f"local-{ctx.app.stage}-image"
    base_credentials = base_image_credentials(spec)
    prepared = prepare_image(build, files, spec, ctx.reporter, base_credentials=base_credentials, cache_dir=folder)
    return image_artifact(
        prepared,
        HANDLER,
        folder,
        unpacked_size=unpacked_size(build, files),
        file_count=build.app_files + build.dependency_files,
        notes=build.notes,
    )


def base_image_credentials(spec: ImageSpec) -> RegistryCredentials | None:
    """The login for reading ``base_image``: ``LW_REGISTRY_*`` only when the base lives
    in the stage's own ``image_registry`` (they are that registry's), else the base
    registry's own ``docker login`` entry or none."""
    if not spec.base_image:
        return None
    try:
        host = parse_reference(spec.base_image).registry
    except ReferenceError:
        return None  # prepare_image reports the bad reference
    return registry_credentials(host, environment=host == spec.registry)


def unpack_into(ctx: Context, artifact: Artifact, root: Path) -> None:
    """Push (with ``image_registry``) and unpack the image's layers into ``root``."""
    prepared = artifact.image
    assert prepared is not None
    shutil.rmtree(root, ignore_errors=True)
    # base and dependencies unpacked once, then linked: a code-only swap unpacks the app
    roots = ctx.work_dir / "build" / f"local-{ctx.app.stage}-image" / "roots"
    roots.mkdir(parents=True, exist_ok=True)
    if prepared.spec.registry == LOCAL_REGISTRY:
        unpack_prepared(prepared, root, cache_dir=roots)
        return
    credentials = registry_credentials(prepared.spec.registry)
    pushed = push_image(prepared, credentials, ctx.reporter)
    for note in pushed.notes:
        ctx.reporter.info(note)
    # a tag per pushed image too, so that undeploy finds every image this stage pushed
    client = RegistryClient(prepared.spec.registry, credentials, reporter=ctx.reporter)
    tag = release_tag(prepared.digest)
    if client.manifest_digest(prepared.spec.repository, tag) != prepared.digest:
        client.put_manifest(prepared.spec.repository, tag, prepared.manifest, prepared.manifest_media_type)
    unpack_image(
        pushed.uri, root, ctx.reporter, credentials=credentials, platform=prepared.spec.platform, cache_dir=roots
    )


def plan_image_undeploy(ctx: Context) -> list[Change]:
    """With ``image_registry``: delete every image this stage pushed (its ``latest`` and
    ``lw-<digest>`` tags), checked by the ``lw.project``/``lw.stage`` labels lw put in
    their config, so an image someone else pushed to the same repository is kept."""
    location = _location(ctx)
    if location is None:
        return []
    app = ctx.app
    repository = target_repository(location, app.project_name, app.stage)
    label = f"image {location.host}/{repository}"
    registry = RegistryClient(location.host, registry_credentials(location.host), reporter=ctx.reporter)
    try:
        ours = stage_image_digests(registry, repository, app.project_name, app.stage, also_tags=(TAG,))
    except ProviderError as exc:
        ctx.reporter.warn(f"{label}: cannot list what lw pushed there, left as it is ({exc})")
        return []
    if not ours:
        return []

    def delete(out: Outputs) -> None:
        for digest in ours:
            registry.delete_manifest(repository, digest)

    return [Change("delete", label, f"delete {len(ours)} image(s) this stage pushed", apply=delete, step="image")]


def task_root(root: Path) -> Path:
    return root / LAMBDA_TASK_ROOT.lstrip("/")
