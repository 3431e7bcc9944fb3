"""The package folder read-only for everything a worker runs, as ``/var/task`` is on Lambda.

``sandbox.py`` (an audit hook inside the worker) refuses Python-level writes with
Lambda's own ``EROFS`` and a hint, but a subprocess (``sh -c 'echo > x'``, a
``manage.py`` run through ``subprocess``) or C code (a C extension calling ``fopen``)
never passes through the hook. The kernel must refuse those, and how depends on who
runs lw:

* **Linux, as root** (containers, CI): permission bits do not stop root, so each worker
  starts in a private mount namespace (``unshare --mount``) in which the package folder
  is bind-mounted read-only. Every write under it fails with ``EROFS``, exactly as on
  Lambda, from any process or language; nothing outside the worker sees the mount.
* **Not root (Linux, macOS)**: the unpacked package's write bits are removed (files
  keep their read/execute bits, folders become ``r-x``), so the kernel refuses every
  write with ``EACCES`` ("Permission denied": the only difference from Lambda).
  lw gives them back before it removes an old package (``remove``).
* **Root without ``unshare``** (macOS as root, a container without ``CAP_SYS_ADMIN``):
  only the audit hook is left; ``mechanism()`` says so, and the deploy warns once.

The package folder is lw's own unpacked copy under ``.lw/local/``, never the
developer's source tree, so changing its modes touches nothing of theirs.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

# Run by /bin/sh inside the new mount namespace: $1 is the package folder, the rest
# the worker's command. The ``cd`` matters: the worker's working directory was the
# writable folder under the new mount until it enters the mount itself.
_MOUNT_SCRIPT = (
    'if mount --bind "$1" "$1" 2>/dev/null && mount -o remount,bind,ro "$1" "$1" 2>/dev/null; then :; '
    'else echo "[lw local] could not mount $1 read-only: only Python writes are refused" >&2; fi; '
    'cd "$1" || exit 1; shift; exec "$@"'
)

MOUNT_NAMESPACE = "read-only mount"
PERMISSIONS = "permissions"
AUDIT_HOOK_ONLY = "audit hook only"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _mount_prefix(package_dir: str) -> list[str]:
    unshare = shutil.which("unshare") or "unshare"
    return [unshare, "--mount", "--propagation", "private", "--", "/bin/sh", "-c", _MOUNT_SCRIPT, "lw-ro", package_dir]


@functools.lru_cache(maxsize=1)
def _mount_namespace_works() -> bool:
    """Whether a read-only bind mount in a private namespace really refuses a write
    here: tried once per process on a scratch folder (a few milliseconds)."""
    if not sys.platform.startswith("linux") or not _is_root() or not shutil.which("unshare"):
        return False
    if not shutil.which("mount") or not os.path.exists("/bin/sh"):
        return False
    with tempfile.TemporaryDirectory(prefix="lw-ro-probe-") as scratch:
        probe = [*_mount_prefix(scratch), "/bin/sh", "-c", "(: > probe) 2>/dev/null && exit 3; exit 0"]
        try:
            done = subprocess.run(probe, capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            return False
        return done.returncode == 0 and not done.stderr and not os.path.exists(os.path.join(scratch, "probe"))


def mechanism() -> str:
    """How the package folder is kept read-only for workers on this machine."""
    if not _is_root():
        return PERMISSIONS
    return MOUNT_NAMESPACE if _mount_namespace_works() else AUDIT_HOOK_ONLY


def wrap_command(command: list[str], package_dir: Path) -> list[str]:
    """The worker's command, started inside a read-only mount of ``package_dir`` when
    that is how this machine keeps it read-only."""
    if mechanism() != MOUNT_NAMESPACE:
        return command
    return [*_mount_prefix(str(package_dir)), *command]


def protect(package_dir: Path) -> None:
    """Remove every write bit under ``package_dir`` (itself included), deepest first."""
    for root, dirs, files in os.walk(package_dir, topdown=False):
        for name in files:
            _drop_write(Path(root) / name)
        for name in dirs:
            _drop_write(Path(root) / name)
    _drop_write(package_dir)


def _drop_write(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode):
            path.chmod(stat.S_IMODE(mode) & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    except OSError:
        pass


def remove(path: Path | str) -> None:
    """``shutil.rmtree`` that first gives folders back their owner's write bit (a
    protected package cannot be emptied otherwise); missing paths are fine."""
    target = Path(path)
    if not target.exists():
        return
    for root, dirs, _files in os.walk(target):
        for name in dirs:
            _allow_write(Path(root) / name)
    _allow_write(target)
    shutil.rmtree(target, ignore_errors=True)


def _allow_write(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            path.chmod(stat.S_IMODE(mode) | stat.S_IWUSR)
    except OSError:
        pass
