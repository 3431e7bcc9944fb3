"""Refusing files whose *content* is a credential, whatever their name.

A key pasted into ``firebase-adminsdk.json`` or a ``server.crt`` that also holds the
private key passes every name rule. Scanning must stay cheap because every build runs
it: only files under ``MAX_SCAN_BYTES`` are read, obviously binary ones are skipped by
suffix or by a NUL byte, and one compiled regular expression looks for both patterns.
Results are cached by (path, size, mtime), and the build keeps that cache in its work
folder (``load_cache``/``save_cache``), so an unchanged rebuild reads no file again.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

MAX_SCAN_BYTES = 1024 * 1024

# Media, archives, compiled code: never text holding a key, and often large.
_BINARY_SUFFIXES = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".ico",
        ".bmp",
        ".tif",
        ".tiff",
        ".svgz",
        ".avif",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".mp3",
        ".mp4",
        ".wav",
        ".ogg",
        ".webm",
        ".mov",
        ".zip",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".zst",
        ".7z",
        ".whl",
        ".egg",
        ".jar",
        ".so",
        ".pyd",
        ".dll",
        ".dylib",
        ".pyc",
        ".pyo",
        ".o",
        ".a",
        ".bin",
        ".db",
        ".sqlite",
        ".sqlite3",
        ".pdf",
        ".onnx",
        ".pt",
        ".pkl",
        ".npy",
        ".npz",
        ".parquet",
        ".mo",
    }
)

# A PEM private key block (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP...), or an AWS secret
# access key assigned to a name that says so (the shape git-secrets looks for: the 40
# characters alone would match any base64).
_SECRET = re.compile(
    rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    rb"|(?i:aws_?secret_?(?:access_?)?key|secret_?access_?key)[\"']?\s*(?::|=>|=)\s*[\"']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"
)

_CACHE: dict[tuple[str, int, int], str | None] = {}


def _what(match: bytes) -> str:
    return "holds a private key" if match.startswith(b"-----BEGIN") else "holds an AWS secret access key"


def secret_content(path: str) -> str | None:
    """Why the file at ``path`` must not ship (``holds a private key``), or ``None``."""
    if os.path.splitext(path)[1].lower() in _BINARY_SUFFIXES:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    if info.st_size == 0 or info.st_size >= MAX_SCAN_BYTES:
        return None
    key = (path, info.st_size, info.st_mtime_ns)
    if key in _CACHE:
        return _CACHE[key]
    try:  # os.open/os.read: a third of the cost of open() for thousands of small files
        descriptor = os.open(path, os.O_RDONLY)
        try:
            data = os.read(descriptor, MAX_SCAN_BYTES)
        finally:
            os.close(descriptor)
    except OSError:
        return None
    found = None
    # Literal pre-checks (memchr-fast) so the regular expression runs only on the rare
    # file that mentions a private key or a secret at all.
    if (b"PRIVATE KEY" in data or b"ecret" in data or b"ECRET" in data) and b"\0" not in data[:8192]:
        match = _SECRET.search(data)
        found = _what(match.group(0)) if match else None
    _CACHE[key] = found
    return found


def load_cache(record: Path) -> None:
    """Trust an earlier build's verdicts for files whose size and mtime have not changed;
    a missing or damaged record only means scanning again."""
    try:
        entries = json.loads(record.read_text(encoding="utf-8"))
        for path, size, mtime, found in entries:
            _CACHE[(str(path), int(size), int(mtime))] = found if isinstance(found, str) else None
    except (OSError, ValueError, TypeError):
        return


def save_cache(record: Path, under: Path) -> None:
    """Keep the verdicts of the files below ``under`` (the project) for the next build."""
    prefix = str(under) + os.sep
    entries = [[path, size, mtime, found] for (path, size, mtime), found in _CACHE.items() if path.startswith(prefix)]
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps(entries), encoding="utf-8")
    except OSError:
        pass  # only a cache
