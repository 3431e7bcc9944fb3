"""Deterministic layer blobs: the same files give the same bytes, hence the same digest.

Entries are sorted, parent folders are listed once before their content, every
timestamp is 1980-01-01 (as in lw's zips), owners are root (0/0, no names), modes are
0755 for folders and executables and 0644 otherwise, and gzip gets a fixed level, no
file name and a zero mtime. A registry then finds an unchanged layer by its digest and
nothing is uploaded.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Mapping

LAYER_MTIME = 315532800  # 1980-01-01T00:00:00Z
GZIP_LEVEL = 6

Source = Path | bytes


@dataclass(frozen=True)
class LayerBlob:
    """A layer written to ``path``: ``digest`` (gzip bytes) and ``diff_id`` (tar bytes)."""

    path: Path
    digest: str
    diff_id: str
    size: int
    uncompressed_size: int
    file_count: int


class _Hashing(io.RawIOBase):
    """A write-only stream that hashes and counts what passes on to ``target``."""

    def __init__(self, target: IO[bytes] | gzip.GzipFile | None) -> None:
        self.target = target
        self.sha = hashlib.sha256()
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.sha.update(data)
        self.count += len(data)
        if self.target is not None:
            self.target.write(data)
        return len(data)


def _parents(rel: str) -> list[str]:
    parts = PurePosixPath(rel).parts[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _dir_info(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name + "/")
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    info.mtime = LAYER_MTIME
    return info


def _file_info(name: str, size: int, executable: bool) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o755 if executable else 0o644
    info.mtime = LAYER_MTIME
    return info


def _is_executable(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & stat.S_IXUSR)
    except OSError:
        return False


def write_layer(files: Mapping[str, Source], out: Path, *, prefix: str = "") -> LayerBlob:
    """Write ``files`` (relative POSIX path -> file on disk or bytes) under ``prefix``
    (``var/task``) as a gzip tar at ``out``; atomic (a temp file renamed)."""
    root = prefix.strip("/")
    entries = {f"{root}/{rel}" if root else rel: source for rel, source in files.items()}
    names = sorted(entries)
    folders: list[str] = []
    seen: set[str] = set()
    if root:
        for folder in [*_parents(root + "/x")]:
            seen.add(folder)
            folders.append(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as raw:
            compressed = _Hashing(raw)
            with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, compresslevel=GZIP_LEVEL, mtime=0) as gz:
                plain = _Hashing(gz)
                with tarfile.open(fileobj=plain, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    for folder in folders:
                        tar.addfile(_dir_info(folder))
                    for name in names:
                        for folder in _parents(name):
                            if folder not in seen:
                                seen.add(folder)
                                tar.addfile(_dir_info(folder))
                        source = entries[name]
                        if isinstance(source, bytes):
                            tar.addfile(_file_info(name, len(source), False), io.BytesIO(source))
                        else:
                            with open(source, "rb") as handle:
                                size = os.fstat(handle.fileno()).st_size
                                tar.addfile(_file_info(name, size, _is_executable(source)), handle)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return LayerBlob(
        path=out,
        digest="sha256:" + compressed.sha.hexdigest(),
        diff_id="sha256:" + plain.sha.hexdigest(),
        size=compressed.count,
        uncompressed_size=plain.count,
        file_count=len(names),
    )
