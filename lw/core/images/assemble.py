"""Build the image on disk: read the base, write lw's two layers, compose config and manifest.

The dependencies layer is cached by the build's dependency key (the folder name
``build_neutral`` derives from the resolved requirements and the target) plus the task
root: while the requirements stay the same it is neither rebuilt nor, since its digest
is unchanged, pushed. The app layer is reused while no file of it changed (the zip's
cache test: names, sizes, mtimes, modes) and is deterministic too, so an unchanged app
gives the same digest and a no-op deploy.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable

from lw.core.artifact import Build
from lw.core.context import Reporter
from lw.core.errors import PackagingError
from lw.core.images import media
from lw.core.images.layers import write_layer
from lw.core.images.model import ImageSpec, Layer, PreparedImage, RegistryCredentials
from lw.core.images.reference import ImageReference, ReferenceError, parse_reference
from lw.core.images.registry import Manifest, RegistryClient
from lw.core.packaging.archive import _entries, _extras_bytecode, _manifest_hash, files_under
from lw.core.packaging.rules import DEPENDENCIES_MARKER

_FORMAT = "1"  # bump when the layer layout changes, to invalidate cached layers
CREATED = "1980-01-01T00:00:00Z"
_KEEP_APP_LAYERS = 3


def _platform_parts(platform: str) -> tuple[str, str, str | None]:
    parts = platform.split("/")
    if len(parts) < 2:
        raise PackagingError(f"platform {platform!r}: expected os/architecture such as linux/amd64")
    return parts[0], parts[1], parts[2] if len(parts) > 2 else None


def _pick_platform(index: dict[str, Any], platform: str, label: str) -> str:
    """The digest of ``platform``'s manifest in a manifest list / image index."""
    want_os, want_arch, want_variant = _platform_parts(platform)
    offered = []
    for entry in index.get("manifests") or []:
        plat = entry.get("platform") or {}
        offered.append(f"{plat.get('os')}/{plat.get('architecture')}")
        if plat.get("os") != want_os or plat.get("architecture") != want_arch:
            continue
        if want_variant and plat.get("variant") not in (None, want_variant):
            continue
        digest = entry.get("digest")
        if isinstance(digest, str):
            return digest
    raise PackagingError(
        f"base image {label} has no {platform} image (it offers {', '.join(sorted(set(offered))) or 'none'})"
    )


def read_base(
    spec: ImageSpec, reporter: Reporter, credentials: RegistryCredentials | None
) -> tuple[ImageReference | None, Manifest | None, dict[str, Any]]:
    """The base image's platform manifest and config (an empty config for scratch)."""
    os_name, arch, _variant = _platform_parts(spec.platform)
    if spec.base_image is None:
        config = {"architecture": arch, "os": os_name, "config": {}, "rootfs": {"type": "layers", "diff_ids": []}}
        return None, None, config
    try:
        ref = parse_reference(spec.base_image)
    except ReferenceError as exc:
        raise PackagingError(f"base_image: {exc}") from None
    client = RegistryClient(ref.registry, credentials, reporter=reporter)
    reporter.progress(f"reading base image {ref}")
    manifest = client.get_manifest(ref.repository, ref.reference)
    if manifest.media_type in media.INDEXES:
        digest = _pick_platform(manifest.json(), spec.platform, str(ref))
        manifest = client.get_manifest(ref.repository, digest)
    if manifest.media_type not in media.MANIFESTS:
        raise PackagingError(f"base image {ref}: unsupported manifest type {manifest.media_type or 'unknown'}")
    body = manifest.json()
    config_digest = (body.get("config") or {}).get("digest")
    if not isinstance(config_digest, str):
        raise PackagingError(f"base image {ref}: the manifest names no config")
    config = json.loads(client.get_blob(ref.repository, config_digest))
    if config.get("os") != os_name or config.get("architecture") != arch:
        raise PackagingError(
            f"base image {ref} is {config.get('os')}/{config.get('architecture')}, the stage needs {spec.platform}"
        )
    return ref, manifest, config


def _dependency_layer(build: Build, spec: ImageSpec, layers_dir: Path, layer_type: str) -> Layer | None:
    """The cached dependencies layer for this build's dependency key, built if missing."""
    deps_dir = build.dependency_dir
    if deps_dir is None or not deps_dir.is_dir():
        return None
    key = hashlib.sha256(f"{_FORMAT}\0{deps_dir.name}\0{spec.task_root}".encode()).hexdigest()[:24]
    record_path = layers_dir / f"deps-{key}.json"
    blob_path = layers_dir / f"deps-{key}.tar.gz"
    record = _read_json(record_path)
    if record and blob_path.is_file() and blob_path.stat().st_size == record.get("size"):
        return Layer(record["digest"], record["diff_id"], record["size"], layer_type, blob_path, "dependencies")
    files = files_under(deps_dir)
    files.pop(DEPENDENCIES_MARKER, None)
    if not files:
        return None
    blob = write_layer(dict(files), blob_path, prefix=spec.task_root)
    for old in layers_dir.glob("deps-*"):
        if not old.name.startswith(f"deps-{key}."):
            old.unlink(missing_ok=True)
    _write_json(record_path, {"digest": blob.digest, "diff_id": blob.diff_id, "size": blob.size})
    return Layer(blob.digest, blob.diff_id, blob.size, layer_type, blob_path, "dependencies")


def _app_layer_files(on_disk: dict[str, Path], extra: dict[str, bytes]) -> dict[str, Path | bytes]:
    """What the app layer holds: the build minus the dependencies (``_app_entries``),
    plus the provider's files and their bytecode (as in the zip)."""
    files: dict[str, Path | bytes] = dict(on_disk)
    files.update(extra)
    files.update(_extras_bytecode(extra))
    return files


def _app_entries(build: Build, extras: Iterable[tuple[str, bytes]]) -> tuple[dict[str, Path], dict[str, bytes]]:
    on_disk, extra = _entries(build, extras)
    kept = {
        rel: path for rel, path in on_disk.items() if rel not in build.dependency_paths and rel != DEPENDENCIES_MARKER
    }
    return kept, extra


def _app_layer(
    build: Build, extras: Iterable[tuple[str, bytes]], spec: ImageSpec, layers_dir: Path, layer_type: str
) -> Layer:
    """The app layer; reused without recompiling or recompressing when no file changed
    (same names, sizes, mtimes and modes: the zip's cache test)."""
    on_disk, extra = _app_entries(build, extras)  # one walk of the build: the key, then the layer
    key = _manifest_hash(on_disk, extra, f"image:{_FORMAT}:{spec.task_root}")
    record_path = layers_dir / "app-record.json"
    record = _read_json(record_path)
    if record and record.get("key") == key:
        cached = layers_dir / str(record.get("file"))
        if cached.is_file() and cached.stat().st_size == record.get("size"):
            return Layer(record["digest"], record["diff_id"], record["size"], layer_type, cached, "app")
    staging = layers_dir / f"app-building-{os.getpid()}.tar.gz"
    blob = write_layer(_app_layer_files(on_disk, extra), staging, prefix=spec.task_root)
    final = layers_dir / f"app-{blob.digest.removeprefix('sha256:')[:24]}.tar.gz"
    staging.replace(final)
    os.utime(final)
    olds = sorted(layers_dir.glob("app-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in olds[_KEEP_APP_LAYERS:]:
        old.unlink(missing_ok=True)
    _write_json(
        record_path,
        {"key": key, "file": final.name, "digest": blob.digest, "diff_id": blob.diff_id, "size": blob.size},
    )
    return Layer(blob.digest, blob.diff_id, blob.size, layer_type, final, "app")


def _config(base: dict[str, Any], spec: ImageSpec, added: list[Layer]) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(json.dumps(base))  # a deep copy
    os_name, arch, variant = _platform_parts(spec.platform)
    config["os"], config["architecture"] = os_name, arch
    if variant:
        config["variant"] = variant
    config["created"] = CREATED
    inner = dict(config.get("config") or {})
    env: dict[str, str] = {}
    for item in inner.get("Env") or []:
        name, _, value = str(item).partition("=")
        env[name] = value
    env.update({str(k): str(v) for k, v in spec.env.items()})
    inner["Env"] = [f"{k}={v}" for k, v in env.items()]
    inner["WorkingDir"] = spec.task_root
    if spec.entrypoint is not None:
        inner["Entrypoint"] = list(spec.entrypoint)
    if spec.cmd is not None:
        inner["Cmd"] = list(spec.cmd)
    if spec.labels:
        inner["Labels"] = {**(inner.get("Labels") or {}), **{str(k): str(v) for k, v in spec.labels.items()}}
    config["config"] = inner
    rootfs = dict(config.get("rootfs") or {"type": "layers"})
    rootfs["diff_ids"] = [*(rootfs.get("diff_ids") or []), *(layer.diff_id for layer in added)]
    config["rootfs"] = rootfs
    history = list(config.get("history") or [])
    history += [{"created": CREATED, "created_by": f"lw: {layer.role}"} for layer in added]
    config["history"] = history
    return config


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def prepare_image(
    build: Build,
    extras: Iterable[tuple[str, bytes]],
    spec: ImageSpec,
    reporter: Reporter,
    *,
    base_credentials: RegistryCredentials | None = None,
    cache_dir: Path | None = None,
) -> PreparedImage:
    """The image for ``build`` plus the provider's ``extras`` (runtime files, entry
    module, settings: as passed to ``write_zip``), on ``spec.base_image``.

    Layers: the base's (never downloaded), a dependencies layer built from
    ``build.dependency_dir`` and cached by its content key (an unchanged requirements
    set reuses the same blob, same digest), and an app layer (the app's files, the
    extras and their bytecode). ``base_credentials`` log in to the base image's
    registry (default: anonymous). ``cache_dir`` holds the layer blobs (default:
    ``<build folder>/image``). Reads only; raises ``PackagingError`` (one line).
    """
    extras = list(extras)
    ref, base_manifest, base_config = read_base(spec, reporter, base_credentials)
    family = base_manifest.media_type if base_manifest else media.OCI_MANIFEST
    manifest_type, config_type, layer_type = media.family(family)
    layers_dir = (cache_dir or build.root.parent / "image") / "layers"
    try:
        layers_dir.mkdir(parents=True, exist_ok=True)
        reporter.progress("writing the dependencies layer")
        deps = _dependency_layer(build, spec, layers_dir, layer_type)
        reporter.progress("writing the app layer")
        app = _app_layer(build, extras, spec, layers_dir, layer_type)
    except OSError as exc:
        raise PackagingError(f"cannot write the image layers in {layers_dir} ({exc})") from exc
    added = [layer for layer in (deps, app) if layer is not None]

    base_layers: list[Layer] = []
    base_descriptors: list[dict[str, Any]] = []
    if base_manifest is not None:
        descriptors = base_manifest.json().get("layers") or []
        diff_ids = list((base_config.get("rootfs") or {}).get("diff_ids") or [])
        if len(diff_ids) != len(descriptors):
            raise PackagingError(
                f"base image {ref}: its config lists {len(diff_ids)} layers, its manifest {len(descriptors)}"
            )
        for descriptor, diff_id in zip(descriptors, diff_ids):
            base_descriptors.append(dict(descriptor))
            base_layers.append(
                Layer(
                    str(descriptor.get("digest")),
                    str(diff_id),
                    int(descriptor.get("size") or 0),
                    str(descriptor.get("mediaType") or layer_type),
                )
            )
    config_bytes = _canonical(_config(base_config, spec, added))
    config_digest = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    manifest = {
        "schemaVersion": 2,
        "mediaType": manifest_type,
        "config": {"mediaType": config_type, "digest": config_digest, "size": len(config_bytes)},
        "layers": [
            *base_descriptors,
            *({"mediaType": layer.media_type, "digest": layer.digest, "size": layer.size} for layer in added),
        ],
    }
    manifest_bytes = _canonical(manifest)
    notes: list[str] = []
    if deps is not None:
        notes.append(f"dependencies layer {deps.digest[7:19]} ({deps.size / 1048576:.1f} MB compressed)")
    notes.append(f"app layer {app.digest[7:19]} ({app.size / 1024:.0f} KB compressed)")
    return PreparedImage(
        spec=spec,
        manifest=manifest_bytes,
        manifest_media_type=manifest_type,
        digest="sha256:" + hashlib.sha256(manifest_bytes).hexdigest(),
        config=config_bytes,
        config_digest=config_digest,
        layers=(*base_layers, *added),
        base_registry=ref.registry if ref else None,
        base_repository=ref.repository if ref else None,
        notes=tuple(notes),
    )


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)
