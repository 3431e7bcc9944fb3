"""Layers unpacked into a root folder, safely: a layer is untrusted input.

Applied in order, as a container runtime does: ``.wh.<name>`` deletes ``<name>`` from
the layers below, ``.wh..wh..opq`` empties its folder. Refused: absolute names, ``..``,
anything that would land outside the root (also through a symlink an earlier entry
made), devices and FIFOs (skipped). Absolute symlink targets are rewritten relative
to the root, so ``/usr/lib`` in the image never means this machine's ``/usr/lib``;
setuid/setgid bits are dropped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
from pathlib import Path, PurePosixPath
from typing import IO, Any

from lw.core.context import Reporter
from lw.core.errors import PackagingError, ProviderError
from lw.core.images import media
from lw.core.images.assemble import _pick_platform
from lw.core.images.model import PreparedImage, RegistryCredentials
from lw.core.images.reference import ReferenceError, parse_reference
from lw.core.images.registry import RegistryClient

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


class _HashingReader:
    """Reads through, hashing, so a streamed blob is verified without a temp file."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha.update(data)
        return data


def _inside(root: Path, path: Path) -> bool:
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root + os.sep)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _safe_name(name: str) -> PurePosixPath | None:
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts:
        return None
    parts = [p for p in pure.parts if p not in ("", ".")]
    return PurePosixPath(*parts) if parts else None


def apply_layer(stream: IO[bytes], root: Path, label: str) -> int:
    """Apply one gzip (or plain) tar layer on ``root``; returns the files written."""
    root.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:  # type: ignore[call-overload]
            for member in tar:
                written += _apply_member(tar, member, root, label)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise PackagingError(f"{label}: cannot unpack ({exc})") from None
    return written


def _apply_member(tar: tarfile.TarFile, member: tarfile.TarInfo, root: Path, label: str) -> int:
    rel = _safe_name(member.name)
    if rel is None:
        if member.name.strip("./") == "":
            return 0
        raise PackagingError(f"{label}: refusing entry {member.name!r} (outside the image root)")
    target = root / rel
    if not _inside(root, target.parent):
        raise PackagingError(f"{label}: refusing entry {member.name!r} (its folder leads outside the image root)")
    name = rel.name
    if name == OPAQUE:
        for child in list(target.parent.iterdir()) if target.parent.is_dir() else []:
            _remove(child)
        return 0
    if name.startswith(WHITEOUT):
        _remove(target.parent / name[len(WHITEOUT) :])
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    if member.isdir():
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            _remove(target)
        target.mkdir(exist_ok=True)
        target.chmod((member.mode & 0o777) | 0o700)
        return 0
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    if member.issym():
        link = member.linkname
        if link.startswith("/"):
            link = os.path.relpath(root / link.lstrip("/"), target.parent)
        target.symlink_to(link)
        return 1
    if member.islnk():
        source_rel = _safe_name(member.linkname)
        source = root / source_rel if source_rel else None
        if source is None or not _inside(root, source) or not source.is_file():
            raise PackagingError(f"{label}: refusing hard link {member.name!r} -> {member.linkname!r}")
        shutil.copyfile(source, target)
        target.chmod(source.stat().st_mode & 0o777)
        return 1
    if not member.isfile():
        return 0  # devices, FIFOs: nothing a Python app needs
    extracted = tar.extractfile(member)
    if extracted is None:
        return 0
    with open(target, "wb") as out:
        shutil.copyfileobj(extracted, out, 1024 * 1024)
    target.chmod(member.mode & 0o777)
    return 1


def unpack_local(prepared: PreparedImage, dest: Path) -> None:
    for layer in prepared.layers:
        if layer.path is None:
            continue
        with open(layer.path, "rb") as handle:
            apply_layer(handle, dest, f"{layer.role} layer {layer.digest[7:19]}")


def _manifest_for(client: RegistryClient, repository: str, reference: str, platform: str, label: str) -> Any:
    manifest = client.get_manifest(repository, reference)
    if manifest.media_type in media.INDEXES:
        manifest = client.get_manifest(repository, _pick_platform(manifest.json(), platform, label))
    if manifest.media_type not in media.MANIFESTS:
        raise ProviderError(f"image {label}: unsupported manifest type {manifest.media_type or 'unknown'}")
    return manifest


def pull_and_unpack(
    reference: str,
    dest: Path,
    reporter: Reporter,
    *,
    credentials: RegistryCredentials | None = None,
    platform: str = "linux/amd64",
) -> str:
    try:
        ref = parse_reference(reference)
    except ReferenceError as exc:
        raise ProviderError(f"image {reference!r}: {exc}") from None
    client = RegistryClient(ref.registry, credentials, reporter=reporter)
    manifest = _manifest_for(client, ref.repository, ref.reference, platform, str(ref))
    for descriptor in manifest.json().get("layers") or []:
        digest = str(descriptor.get("digest"))
        reporter.progress(f"unpacking layer {digest[7:19]}")
        response = client.open_blob(ref.repository, digest)
        try:
            reader = _HashingReader(response.raw)
            response.raw.decode_content = False
            apply_layer(reader, dest, f"image {ref} layer {digest[7:19]}")  # type: ignore[arg-type]
            while reader.read(1024 * 1024):  # the tar's padding after its end marker
                pass
        finally:
            response.close()
        if "sha256:" + reader.sha.hexdigest() != digest:
            raise ProviderError(f"image {ref}: layer {digest} does not match its digest")
    return manifest.digest
