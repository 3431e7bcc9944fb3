"""Layers unpacked into a root folder, safely: a layer is untrusted input.

Applied in order, as a container runtime does: ``.wh.<name>`` deletes ``<name>`` from
the layers below, ``.wh..wh..opq`` empties its folder. Refused: absolute names, ``..``
(also as a whiteout's name: ``.wh...``),
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
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO, Any, Callable, Iterator, Sequence

from lw.core.context import Reporter
from lw.core.errors import PackagingError, ProviderError
from lw.core.images import media
from lw.core.images.assemble import _pick_platform
from lw.core.images.model import PreparedImage, RegistryCredentials
from lw.core.images.reference import ReferenceError, is_digest, parse_reference
from lw.core.images.registry import Manifest, RegistryClient

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


class _HashingReader:
    """Reads through, hashing, so a streamed blob is verified without a temp file."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.raw.read(size)
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


class _SafeFolders:
    """Folders already found to resolve inside the root: resolving every entry's folder
    again costs more than unpacking it. A symlink created or a folder replaced empties it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.known: set[Path] = set()

    def inside(self, folder: Path) -> bool:
        if folder in self.known:
            return True
        if _inside(self.root, folder):
            self.known.add(folder)
            return True
        return False

    def forget(self) -> None:
        self.known.clear()


def apply_layer(stream: IO[bytes], root: Path, label: str) -> int:
    """Apply one gzip (or plain) tar layer on ``root``; returns the files written."""
    root.mkdir(parents=True, exist_ok=True)
    written = 0
    folders = _SafeFolders(root)
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:
            for member in tar:
                written += _apply_member(tar, member, root, label, folders)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:  # ValueError: a NUL in a pax name
        raise PackagingError(f"{label}: cannot unpack ({exc})") from None
    return written


def _apply_member(tar: tarfile.TarFile, member: tarfile.TarInfo, root: Path, label: str, folders: _SafeFolders) -> int:
    rel = _safe_name(member.name)
    if rel is None:
        if member.name.strip("./") == "":
            return 0
        raise PackagingError(f"{label}: refusing entry {member.name!r} (outside the image root)")
    target = root / rel
    if not folders.inside(target.parent):
        raise PackagingError(f"{label}: refusing entry {member.name!r} (its folder leads outside the image root)")
    name = rel.name
    if name == OPAQUE or name.startswith(WHITEOUT) or member.issym() or member.isdir():
        folders.forget()  # what was checked may now be (or lead through) something else
    if name == OPAQUE:
        for child in list(target.parent.iterdir()) if target.parent.is_dir() else []:
            _remove(child)
        return 0
    if name.startswith(WHITEOUT):
        hidden = name[len(WHITEOUT) :]
        if hidden in ("", ".", ".."):  # ``.wh...`` would delete the folder above (the root's parent)
            raise PackagingError(f"{label}: refusing whiteout {member.name!r} (it names no entry)")
        _remove(target.parent / hidden)
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


@dataclass(frozen=True)
class LayerSource:
    """A layer to apply: its digest and how to open it as a verified byte stream."""

    digest: str
    open: Callable[[], AbstractContextManager[IO[bytes]]]


@contextmanager
def _local_blob(path: Path) -> Iterator[IO[bytes]]:
    with open(path, "rb") as handle:
        yield handle


@contextmanager
def _registry_blob(client: RegistryClient, repository: str, digest: str) -> Iterator[IO[bytes]]:
    """The blob streamed from the registry; its digest is checked once it is read."""
    response = client.open_blob(repository, digest)
    try:
        response.raw.decode_content = False
        reader = _HashingReader(response.raw)
        yield reader  # type: ignore[misc]
        while reader.read(1024 * 1024):  # the tar's padding after its end marker
            pass
    finally:
        response.close()
    if "sha256:" + reader.sha.hexdigest() != digest:
        raise ProviderError(f"registry {client.registry}: layer {digest} does not match its digest")


def _link_tree(source: Path, dest: Path) -> None:
    """``dest`` as a copy of ``source`` made of hard links (symlinks copied as links):
    a second of work for a tree gunzip and tar would take half a minute to write. Safe
    because applying a layer never writes into an existing file: it unlinks first."""
    for folder, dirnames, filenames in os.walk(source):
        here = Path(folder)
        target = dest / here.relative_to(source)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copymode(here, target)
        for name in [*dirnames, *filenames]:
            path = here / name
            if path.is_symlink():
                (target / name).symlink_to(os.readlink(path))
                if name in dirnames:
                    dirnames.remove(name)
            elif name in filenames:
                os.link(path, target / name)


def unpack_layers(layers: Sequence[LayerSource], dest: Path, *, label: str, cache_dir: Path | None = None) -> None:
    """Apply ``layers`` in order on ``dest``. With ``cache_dir``, all but the top layer
    are unpacked once into a snapshot named after their digests and linked into
    ``dest``: a code-only redeploy unpacks only the app layer."""
    if cache_dir is not None and len(layers) > 1:
        lower, layers = layers[:-1], layers[-1:]
        chain = hashlib.sha256("\n".join(layer.digest for layer in lower).encode()).hexdigest()[:16]
        snapshot = cache_dir / f"root-{chain}"
        if not snapshot.is_dir():
            partial = cache_dir / f"root-{chain}.partial-{os.getpid()}"
            shutil.rmtree(partial, ignore_errors=True)
            for layer in lower:
                with layer.open() as stream:
                    apply_layer(stream, partial, f"{label} layer {layer.digest[7:19]}")
            partial.rename(snapshot)
            for old in cache_dir.glob("root-*"):
                if old != snapshot and ".partial-" not in old.name:
                    shutil.rmtree(old, ignore_errors=True)
        _link_tree(snapshot, dest)
    for layer in layers:
        with layer.open() as stream:
            apply_layer(stream, dest, f"{label} layer {layer.digest[7:19]}")


def unpack_prepared(prepared: PreparedImage, dest: Path, *, cache_dir: Path | None = None) -> None:
    """Unpack the layers lw built (dependencies, app) of ``prepared`` into ``dest``,
    with no registry involved (the base layers are left out); ``cache_dir`` as for
    ``unpack_image``."""
    own = [LayerSource(layer.digest, partial(_local_blob, layer.path)) for layer in prepared.layers if layer.path]
    unpack_layers(own, dest, label="image", cache_dir=cache_dir)


def _manifest_for(client: RegistryClient, repository: str, reference: str, platform: str, label: str) -> Manifest:
    manifest = client.get_manifest(repository, reference)
    if manifest.media_type in media.INDEXES:
        manifest = client.get_manifest(repository, _pick_platform(manifest.json(), platform, label))
    if manifest.media_type not in media.MANIFESTS:
        raise ProviderError(f"image {label}: unsupported manifest type {manifest.media_type or 'unknown'}")
    return manifest


def _layer_digests(layers: Any, label: str) -> list[str]:
    """The layers' digests, each ``sha256:`` and 64 hex digits: a registry's manifest is
    untrusted, and a digest goes into a blob URL and is what the download is checked by."""
    found = []
    for layer in layers if isinstance(layers, list) else [] if layers is None else [layers]:
        digest = layer.get("digest") if isinstance(layer, dict) else None
        if not isinstance(digest, str) or not is_digest(digest):
            raise ProviderError(f"image {label}: the manifest lists a layer without a sha256 digest")
        found.append(digest)
    return found


def unpack_image(
    reference: str,
    dest: Path,
    reporter: Reporter,
    *,
    credentials: RegistryCredentials | None = None,
    platform: str = "linux/amd64",
    cache_dir: Path | None = None,
) -> str:
    """Pull ``reference`` (``host/repo@sha256:…`` or ``:tag``) and unpack every layer
    into ``dest``; returns the manifest digest. Raises ``ProviderError``. With
    ``cache_dir`` the layers under the top one are unpacked once and hard-linked into
    ``dest`` afterwards (the files of ``dest`` must then be treated as read-only, as
    Lambda's ``/var/task`` is)."""
    try:
        ref = parse_reference(reference)
    except ReferenceError as exc:
        raise ProviderError(f"image {reference!r}: {exc}") from None
    client = RegistryClient(ref.registry, credentials, reporter=reporter)
    manifest = _manifest_for(client, ref.repository, ref.reference, platform, str(ref))
    digests = _layer_digests(manifest.json().get("layers"), str(ref))
    sources = [LayerSource(d, partial(_registry_blob, client, ref.repository, d)) for d in digests]
    reporter.progress(f"unpacking {ref}")
    unpack_layers(sources, dest, label=f"image {ref}", cache_dir=cache_dir)
    return manifest.digest
