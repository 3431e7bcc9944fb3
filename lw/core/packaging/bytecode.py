"""Precompiling ``.pyc`` files for the target interpreter.

Lambda unpacks the package into a read-only ``/var/task``: without shipped bytecode,
every cold start compiles every imported module again and cannot cache the result.
The files are written as ``unchecked-hash`` pycs, so the import system trusts them
without comparing source timestamps (the zip's fixed 1980 timestamps would otherwise
invalidate them), and are compiled in a subprocess with a fixed hash seed and
relative source names so that the same sources always give the same bytes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterable

from lw.core.errors import PackagingError


def can_precompile(python_version: str) -> bool:
    """Bytecode is version-specific: only the target's own interpreter may write it."""
    return f"{sys.version_info.major}.{sys.version_info.minor}" == python_version


def skipped_note(python_version: str) -> str:
    local = f"{sys.version_info.major}.{sys.version_info.minor}"
    return (
        f"bytecode not precompiled: lw runs on Python {local}, the target is Python {python_version} "
        f"(run lw with Python {python_version} for faster cold starts)"
    )


def _compileall(root: Path, targets: list[str]) -> None:
    """Run compileall on ``targets`` (files listed in a file, or one directory).

    Files that do not compile (templates named ``.py``, Python 2 leftovers in some
    distributions) are skipped silently, as pip does.
    """
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("SOURCE_DATE_EPOCH", None)  # would force timestamp pycs
    args = [
        sys.executable,
        "-m",
        "compileall",
        "-q",
        "-q",
        "-f",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        str(root),
        "-j",
        "0",
        *targets,
    ]
    try:
        subprocess.run(args, env=env, capture_output=True, check=False)
    except OSError as exc:
        raise PackagingError(f"cannot run {sys.executable} to precompile bytecode ({exc.strerror})") from exc


def compile_files(root: Path, relative_paths: Iterable[str]) -> None:
    """Compile the given ``.py`` files under ``root`` into their ``__pycache__``."""
    paths = sorted(p for p in relative_paths if p.endswith(".py"))
    if not paths:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".lst", delete=False, encoding="utf-8") as listing:
        listing.write("\n".join(str(root / p) for p in paths) + "\n")
    try:
        _compileall(root, ["-i", listing.name])
    finally:
        os.unlink(listing.name)


def compile_tree(root: Path) -> None:
    """Compile every ``.py`` file under ``root``, in parallel."""
    _compileall(root, [str(root)])
