"""``dependency_layer: true``: the dependencies ship as a Lambda layer, the code alone.

A web app's dependencies are most of its package and change far less often than its
code, so they go into a layer ``<project>-<stage>-deps`` whose zip holds them under
``python/`` (on ``sys.path`` as ``/opt/python``), and the function's zip holds only
the app's files plus lw's runtime. A code-only redeploy then uploads a few kilobytes.

The layer is versioned by content: the dependency zip is byte-for-byte reproducible,
so its SHA-256 identifies the dependencies, and it is written into the layer
version's description. Planning lists the layer's versions and reuses the one with
that hash; only a dependency change publishes a new version. No state is kept
locally. The new version's ARN is only known once it is published, so until then the
function's ``Layers`` hold a placeholder that the function's own changes replace with
the published ARN when they run (``resolve_pending``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from lw.core.artifact import Artifact, Build
from lw.core.context import Context
from lw.core.errors import PackagingError
from lw.core.plan import Change, Outputs
from lw.providers.aws.errors import aws_call
from lw.providers.aws.session import AwsSession

SUFFIX = "-deps"
LAYER_PATH = "python/"
PENDING = "lw:pending-dependency-layer"
OUTPUT_KEY = "dependency_layer_arn"
DESCRIPTION_PREFIX = "lw dependencies sha256:"
LAYER_NAME_MAX = 140


def enabled(ctx: Context) -> bool:
    return bool(ctx.app.setting("dependency_layer", False))


def layer_name(ctx: Context) -> str:
    return f"{ctx.app.name}{SUFFIX}"[:LAYER_NAME_MAX]


def description(dependencies: Artifact) -> str:
    return f"{DESCRIPTION_PREFIX}{dependencies.sha256}"


# --------------------------------------------------------------------------- packaging


def package_split(ctx: Context, build: Build, files: list[tuple[str, bytes]], out: Path, *, handler: str) -> Artifact:
    """The function's zip without the dependencies, carrying the layer's zip with it."""
    from dataclasses import replace

    from lw.core import packaging
    from lw.core.packaging.archive import human_size
    from lw.providers.aws.settings import LIMITS

    deps_out = out.with_name(out.stem + SUFFIX + ".zip")
    dependencies = _cached_dependency_zip(build, deps_out)
    if dependencies is None:
        dependencies = packaging.write_dependency_zip(build, deps_out, prefix=LAYER_PATH, size_limits=LIMITS)
        _remember_dependency_zip(build, dependencies)
    code = packaging.write_zip(build, files, out, entry_point=handler, size_limits=LIMITS, omit=build.dependency_paths)
    limit = LIMITS.unpacked_bytes or 0
    total = code.unpacked_size + dependencies.unpacked_size
    if limit and total > limit:
        raise PackagingError(
            f"the function and its dependency layer are {human_size(total)} unzipped, over "
            f"AWS Lambda's {human_size(limit)} limit for a function and its layers"
        )
    return replace(code, dependencies=dependencies, warnings=code.warnings + dependencies.warnings)


def _sidecar(zip_path: Path) -> Path:
    return zip_path.with_name(zip_path.name + ".json")


def _cached_dependency_zip(build: Build, out: Path) -> Artifact | None:
    """The dependency zip written for this very install, without walking its files.

    An install folder is named after its inputs and never changes once complete, so
    its name identifies the zip; a web framework's thousands of files are then not
    even stat-ed on a code-only redeploy.
    """
    import json

    if build.dependency_dir is None:
        return None
    try:
        record = json.loads(_sidecar(out).read_text(encoding="utf-8"))
        info = out.stat()
    except (OSError, ValueError):
        return None
    if record.get("install") != build.dependency_dir.name or record.get("prefix") != LAYER_PATH:
        return None
    if record.get("size") != info.st_size or record.get("mtime_ns") != info.st_mtime_ns:
        return None
    return Artifact(
        path=out,
        sha256=str(record["sha256"]),
        size=info.st_size,
        unpacked_size=int(record["unpacked_size"]),
        file_count=int(record["file_count"]),
        handler="",
    )


def _remember_dependency_zip(build: Build, dependencies: Artifact) -> None:
    import json

    if build.dependency_dir is None:
        return
    info = dependencies.path.stat()
    record = {
        "install": build.dependency_dir.name,
        "prefix": LAYER_PATH,
        "sha256": dependencies.sha256,
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
        "unpacked_size": dependencies.unpacked_size,
        "file_count": dependencies.file_count,
    }
    try:
        _sidecar(dependencies.path).write_text(json.dumps(record), encoding="utf-8")
    except OSError:
        pass  # only a cache


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class LayerPlan:
    """The layer version the function should use (``PENDING`` until published)."""

    arn: str
    changes: list[Change]


def plan_layer(ctx: Context, aws: AwsSession, artifact: Artifact) -> LayerPlan | None:
    """Reads only: the layer version holding these dependencies, or its publication.
    With the setting off, ``None`` (and the layer's removal is planned by ``removal``)."""
    if not enabled(ctx):
        return None
    dependencies = artifact.dependencies
    if dependencies is None:
        raise PackagingError("dependency_layer is on but the package was built without a dependency zip")
    name = layer_name(ctx)
    resource = f"Lambda layer {name}"
    wanted = description(dependencies)
    for version in _versions(aws, name):
        if version.get("Description") == wanted:
            arn = str(version["LayerVersionArn"])
            noop = Change("noop", resource, f"dependencies unchanged (version {version['Version']})")
            return LayerPlan(arn=arn, changes=[noop])
    return LayerPlan(arn=PENDING, changes=_publish_changes(ctx, aws, name, dependencies))


def _publish_changes(ctx: Context, aws: AwsSession, name: str, dependencies: Artifact) -> list[Change]:
    from lw.providers.aws.code_upload import code_sha256, plan_code_source

    lam = aws.client("lambda")
    app = ctx.app
    source = plan_code_source(ctx, aws, dependencies, code_sha256(dependencies.path))

    def publish(outputs: Outputs) -> None:
        published = lam.publish_layer_version(
            LayerName=name,
            Description=description(dependencies),
            Content=source.params(),
            CompatibleRuntimes=[app.runtime],
            CompatibleArchitectures=[app.architecture],
        )
        outputs[OUTPUT_KEY] = published["LayerVersionArn"]

    size = dependencies.size
    shown = f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.1f} kB"
    return [
        *source.changes,
        Change("create", f"Lambda layer {name}", f"dependencies changed, {shown} layer", publish, step="publish layer"),
    ]


def _versions(aws: AwsSession, name: str) -> list[dict[str, Any]]:
    lam = aws.client("lambda")
    pages = aws_call(
        "list versions of",
        f"Lambda layer {name}",
        lambda: list(lam.get_paginator("list_layer_versions").paginate(LayerName=name)),
    )
    return [v for page in pages for v in page.get("LayerVersions") or []]


def resolve_pending(params: Mapping[str, Any], outputs: Outputs) -> dict[str, Any]:
    """``params`` with the placeholder in ``Layers`` replaced by the version just published."""
    resolved = dict(params)
    if PENDING in (resolved.get("Layers") or []):
        arn = outputs.get(OUTPUT_KEY)
        if not arn:
            raise PackagingError("the dependency layer was not published before the function needed it")
        resolved["Layers"] = [arn if layer == PENDING else layer for layer in resolved["Layers"]]
    return resolved


def removal(ctx: Context, aws: AwsSession) -> list[Change]:
    """Every version of the stage's layer (lw made the name; layers take no tags)."""
    name = layer_name(ctx)
    versions = [
        int(v["Version"])
        for v in _versions(aws, name)
        if str(v.get("Description") or "").startswith(DESCRIPTION_PREFIX)
    ]
    if not versions:
        return []
    lam = aws.client("lambda")

    def delete(outputs: Outputs) -> None:
        for number in versions:
            lam.delete_layer_version(LayerName=name, VersionNumber=number)

    return [
        Change(
            "delete",
            f"Lambda layer {name}",
            f"{len(versions)} version(s) made by lw for this stage",
            delete,
            phase="cleanup",
            step="delete layer",
        )
    ]
