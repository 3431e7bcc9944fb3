"""Writing the deployable zip, byte for byte reproducible, and checking its size.

Providers skip an upload when the deployed code's sha256 equals the artifact's, so the
same inputs must give the same bytes: entries are sorted, every timestamp is
1980-01-01, permissions are 0644 (0755 for executables), there are no directory
entries, and the compression level is fixed. A sidecar record of what went into the
last zip lets an unchanged rebuild reuse the file instead of compressing it again.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
import tempfile
import warnings as _warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from lw.core.artifact import Artifact, Build
from lw.core.errors import PackagingError
from lw.core.packaging import bytecode
from lw.core.packaging.rules import DEPENDENCIES_MARKER

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# Level 6 zips a Flask app <1% larger than level 9 in a quarter of the time, and every
# code change re-zips: fixed so the bytes never depend on zlib's default.
COMPRESSION_LEVEL = 6
WARN_RATIO = 0.8
_FORMAT = "1"
_RECORD_FILE = "zip-cache.json"
MB = 1024 * 1024


@dataclass(frozen=True)
class SizeLimits:
    """A provider's package limits, in bytes (``None``: no such limit).

    ``zipped_bytes`` is soft (AWS accepts larger zips through S3: warn only);
    ``unpacked_bytes`` and ``base64_bytes`` are hard limits the provider enforces.
    """

    zipped_bytes: int | None = None
    unpacked_bytes: int | None = None
    base64_bytes: int | None = None
    label: str = ""


def files_under(folder: Path) -> dict[str, Path]:
    """Every file below ``folder`` by its POSIX path relative to it (the zip's names)."""
    found: dict[str, Path] = {}
    for dirpath, _dirnames, filenames in os.walk(folder):
        base = Path(dirpath)
        rel_dir = base.relative_to(folder).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in filenames:
            found[prefix + name] = base / name
    return found


def _entries(
    build: Build, extra_files: Iterable[tuple[str, bytes]], omit: Iterable[str] = ()
) -> tuple[dict[str, Path], dict[str, bytes]]:
    on_disk = files_under(build.root)
    for rel in omit:  # paths a provider's runtime would misread (OpenWhisk: root requirements.txt)
        on_disk.pop(rel.replace("\\", "/").lstrip("/"), None)
    extras: dict[str, bytes] = {}
    for name, content in extra_files:
        rel = name.replace("\\", "/").lstrip("/")
        if not rel or ".." in rel.split("/"):
            raise PackagingError(f"extra package file {name!r}: must be a relative path inside the package")
        extras[rel] = bytes(content)
        on_disk.pop(rel, None)  # extra files override the build's
    return on_disk, extras


def _manifest_hash(on_disk: dict[str, Path], extras: dict[str, bytes], handler: str) -> str:
    digest = hashlib.sha256(f"{_FORMAT}:{COMPRESSION_LEVEL}:{handler}\n".encode())
    for rel in sorted(on_disk):
        info = on_disk[rel].stat()
        digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_mode & 0o111}\n".encode())
    for rel in sorted(extras):
        digest.update(f"{rel}\0".encode() + hashlib.sha256(extras[rel]).digest())
    return digest.hexdigest()


def _extras_bytecode(extras: dict[str, bytes]) -> dict[str, bytes]:
    """``.pyc`` files for the extra ``.py`` files (the lw runtime, the entry module).

    They are the code every cold start imports first, and ``/var/task`` is read-only:
    without shipped bytecode they would be recompiled at every cold start.
    """
    sources = {rel: data for rel, data in extras.items() if rel.endswith(".py")}
    if not sources:
        return {}
    with tempfile.TemporaryDirectory(prefix="lw-pyc-") as tmp:
        root = Path(tmp)
        for rel, data in sources.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        bytecode.compile_files(root, sources)
        return {
            path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("__pycache__/*.pyc"))
        }


def _zip_info(rel: str, executable: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(rel, date_time=ZIP_TIMESTAMP)
    info.create_system = 3  # unix, so that the permission bits are honored
    info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write(out: Path, on_disk: dict[str, Path], extras: dict[str, bytes]) -> tuple[int, int]:
    """Write the zip; return (unpacked size, file count)."""
    unpacked = 0
    names = sorted(set(on_disk) | set(extras))
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION_LEVEL) as archive:
            for rel in names:
                if rel in extras:
                    data, executable = extras[rel], False
                else:
                    source = on_disk[rel]
                    data = source.read_bytes()
                    executable = bool(source.stat().st_mode & stat.S_IXUSR)
                unpacked += len(data)
                archive.writestr(_zip_info(rel, executable), data, compresslevel=COMPRESSION_LEVEL)
        os.replace(partial, out)
    except OSError as exc:
        raise PackagingError(f"{out}: cannot write the package ({exc.strerror or exc})") from exc
    finally:
        if partial.exists():
            partial.unlink()
    return unpacked, len(names)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record_path(build: Build) -> Path:
    return build.root.parent / _RECORD_FILE


def _reusable(build: Build, out: Path, manifest: str) -> dict[str, object] | None:
    """The last zip's facts when ``out`` is exactly the zip built from ``manifest``."""
    try:
        records = json.loads(_record_path(build).read_text(encoding="utf-8"))
        record: dict[str, object] = records[str(out)]
        info = out.stat()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if record.get("manifest") != manifest or record.get("size") != info.st_size:
        return None
    if record.get("mtime_ns") != info.st_mtime_ns:
        return None
    return record


def _remember(build: Build, out: Path, record: dict[str, object]) -> None:
    path = _record_path(build)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(records, dict):
            records = {}
    except (OSError, ValueError):
        records = {}
    records[str(out)] = record
    try:
        path.write_text(json.dumps(records, indent=1, sort_keys=True), encoding="utf-8")
    except OSError:
        pass  # only a cache


def human_size(size: int) -> str:
    return f"{size / MB:.1f} MiB" if size >= MB / 10 else f"{size / 1024:.1f} KiB"


def check_limits(
    size: int, unpacked: int, limits: SizeLimits | None, largest: tuple[tuple[str, int], ...]
) -> list[str]:
    """Warnings at 80% of a limit; ``PackagingError`` over a hard one."""
    if limits is None:
        return []
    warnings: list[str] = []
    heaviest = ", ".join(f"{name} ({human_size(s)})" for name, s in largest[:5]) or "none"
    base64_size = 4 * math.ceil(size / 3)
    checks = (
        ("zipped", size, limits.zipped_bytes, False),
        ("unzipped", unpacked, limits.unpacked_bytes, True),
        ("base64-encoded", base64_size, limits.base64_bytes, True),
    )
    for what, value, limit, hard in checks:
        if not limit:
            continue
        if value > limit and hard:
            raise PackagingError(
                f"the package is {human_size(value)} {what}, over {limits.label}'s {human_size(limit)} limit; "
                f"largest dependencies: {heaviest}"
            )
        if value > limit:
            warnings.append(
                f"the package is {human_size(value)} {what}, over {limits.label}'s {human_size(limit)} "
                f"direct-upload limit: it must be uploaded through object storage"
            )
        elif value >= WARN_RATIO * limit:
            warnings.append(
                f"the package is {human_size(value)} {what}, {100 * value // limit}% of {limits.label}'s "
                f"{human_size(limit)} limit; largest dependencies: {heaviest}"
            )
    return warnings


def write_zip(
    build: Build,
    extra_files: Iterable[tuple[str, bytes]],
    out: Path,
    *,
    entry_point: str = "",
    size_limits: SizeLimits | None = None,
    omit: Iterable[str] = (),
    prefix: str = "",
    handler: str | None = None,
) -> Artifact:
    """Write ``build`` plus ``extra_files`` (which win over build files of the same
    path) to ``out`` as a deterministic zip, and describe it. ``entry_point`` is what
    the platform calls (recorded as ``Artifact.entry_point``). ``omit`` lists build paths
    to leave out; ``prefix`` is put before every path in the zip (a layer's ``python/``).
    The build's dependencies go under its ``dependency_folder`` (the provider's
    ``PackageTarget``), the app and ``extra_files`` at the root.

    ``handler=`` is the former, Lambda-named spelling of ``entry_point``: it still works
    and warns (``DeprecationWarning``)."""
    if handler is not None:
        _warnings.warn("write_zip(handler=...) is deprecated; use entry_point=...", DeprecationWarning, stacklevel=2)
        entry_point = entry_point or handler
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    on_disk, extras = _entries(build, extra_files, omit)
    if build.dependency_folder:
        folder = build.dependency_folder.strip("/") + "/"
        on_disk = {(folder + rel if rel in build.dependency_paths else rel): path for rel, path in on_disk.items()}
    if prefix:
        on_disk = {prefix + rel: path for rel, path in on_disk.items()}
        extras = {prefix + rel: data for rel, data in extras.items()}
    manifest = _manifest_hash(on_disk, extras, entry_point)
    record = _reusable(build, out, manifest)
    if record is None:
        if build.bytecode:
            extras = {**extras, **_extras_bytecode(extras)}
        unpacked, count = _write(out, on_disk, extras)
        info = out.stat()
        record = {
            "manifest": manifest,
            "sha256": _sha256(out),
            "size": info.st_size,
            "mtime_ns": info.st_mtime_ns,
            "unpacked_size": unpacked,
            "file_count": count,
        }
        _remember(build, out, record)
    largest = tuple(sorted(build.dependency_sizes, key=lambda item: (-item[1], item[0]))[:10])
    size = int(record["size"])  # type: ignore[call-overload]
    unpacked_size = int(record["unpacked_size"])  # type: ignore[call-overload]
    warnings = check_limits(size, unpacked_size, size_limits, largest)
    return Artifact(
        path=out,
        sha256=str(record["sha256"]),
        size=size,
        unpacked_size=unpacked_size,
        file_count=int(record["file_count"]),  # type: ignore[call-overload]
        handler=entry_point,
        largest_dependencies=largest,
        warnings=tuple(warnings),
        notes=tuple(build.notes),
    )


def write_dependency_zip(
    build: Build, out: Path, *, prefix: str = "", size_limits: SizeLimits | None = None
) -> Artifact:
    """The build's dependencies alone, as a deterministic zip (its ``sha256`` is the
    dependencies' content hash). The app's own zip then omits
    ``build.dependency_paths``."""
    if build.dependency_dir is None:
        raise PackagingError("this build does not record where its dependencies were installed")
    dependencies = Build(
        root=build.dependency_dir,
        app_files=0,
        dependency_files=build.dependency_files,
        bytecode=False,
        dependency_sizes=build.dependency_sizes,
    )
    return write_zip(dependencies, (), out, size_limits=size_limits, omit=(DEPENDENCIES_MARKER,), prefix=prefix)
