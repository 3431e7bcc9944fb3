"""Reading what the app depends on, and fingerprinting it for the install cache.

Sources, in order: ``requirements.txt`` at the project root, else the project's
``pyproject.toml`` ``[project].dependencies``, else nothing. Lines that would install the
app itself (``.``, ``-e .``) are dropped: its sources are already copied, and
installing it would ship it twice. Direct references (local paths, URLs, VCS) are
separated out because pip builds them for the local machine even under
``--only-binary``; the installer must build and check them itself.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lw.core.errors import PackagingError

REQUIREMENTS_FILE = "requirements.txt"
PYPROJECT_FILE = "pyproject.toml"

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_URL_SCHEMES = ("http://", "https://", "file:", "git+", "hg+", "svn+", "bzr+")
_OPTIONS_WITH_FILE = ("-r", "--requirement", "-c", "--constraint")


@dataclass
class Requirements:
    """The dependency specification of a project, ready for pip."""

    source: str | None  # "requirements.txt", "pyproject.toml" or None
    lines: list[str] = field(default_factory=list)  # resolvable from an index (and pip options)
    direct: list[str] = field(default_factory=list)  # local paths, URLs, VCS references
    names: list[str] = field(default_factory=list)  # top-level distribution names, normalized
    fingerprint: str = ""  # content of every file involved
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lines and not self.direct


def normalize_name(name: str) -> str:
    """PEP 503 normalisation, so ``Python_DateUtil`` and ``python-dateutil`` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _strip_comment(line: str) -> str:
    if line.lstrip().startswith("#"):
        return ""
    return re.split(r"\s+#", line, maxsplit=1)[0].strip()


def _logical_lines(text: str) -> list[str]:
    """Join backslash continuations and drop comments and blanks."""
    joined: list[str] = []
    buffer = ""
    for raw in text.splitlines():
        if raw.endswith("\\"):
            buffer += raw[:-1] + " "
            continue
        line = _strip_comment(buffer + raw)
        buffer = ""
        if line:
            joined.append(line)
    if buffer.strip():
        joined.append(_strip_comment(buffer))
    return joined


def _is_direct(spec: str, base: Path) -> bool:
    if " @ " in spec or spec.startswith(_URL_SCHEMES):
        return True
    if spec.startswith((".", "/", "~")) or os.sep in spec.split(";")[0] or "/" in spec.split(";")[0]:
        return True
    return (base / spec.split(";")[0].strip()).exists() and spec.endswith((".whl", ".tar.gz", ".zip"))


def _fingerprint_path(path: Path, digest: "hashlib._Hash") -> None:
    """Local packages change without their requirement line changing: hash them too."""
    if path.is_file():
        digest.update(path.read_bytes())
        return
    if path.is_dir():
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", ".git", "build", "dist"))
            for name in sorted(filenames):
                file = Path(dirpath, name)
                stat = file.stat()
                digest.update(f"{file.relative_to(path)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())


def _is_self(spec: str, project_dir: Path, base: Path) -> bool:
    target = spec.split(";")[0].strip()
    if target.startswith("file:"):
        target = target[5:].lstrip("/") if target.startswith("file:./") else target[5:]
    try:
        return (base / target).resolve() == project_dir.resolve()
    except OSError:
        return False


def _parse_file(path: Path, project_dir: Path, reqs: Requirements, digest: "hashlib._Hash", seen: set[Path]) -> None:
    resolved = path.resolve()
    if resolved in seen:
        return
    seen.add(resolved)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackagingError(f"{path}: cannot be read ({exc.strerror})") from exc
    digest.update(f"{path.name}\n{text}\n".encode())
    for line in _logical_lines(text):
        option, _, value = line.partition(" ")
        if "=" in option and option.startswith("--"):
            option, _, value = line.partition("=")
        if option in _OPTIONS_WITH_FILE:
            nested = (path.parent / value.strip()).resolve()
            if option in ("-r", "--requirement"):
                _parse_file(nested, project_dir, reqs, digest, seen)
            else:
                digest.update(nested.read_bytes() if nested.is_file() else b"")
                reqs.lines.append(f"{option} {nested}")
            continue
        editable = option in ("-e", "--editable")
        spec = value.strip() if editable else line
        if spec.startswith("-"):
            reqs.lines.append(line)  # a pip option such as --extra-index-url
            continue
        if _is_self(spec, project_dir, path.parent):
            reqs.notes.append(f"{path.name}: skipped '{line}' (the app itself is packaged from its sources)")
            continue
        if editable or _is_direct(spec, path.parent):
            local = path.parent / spec.split(";")[0].strip()
            if local.exists():
                _fingerprint_path(local, digest)
                spec = str(local.resolve())
            reqs.direct.append(spec)
            continue
        reqs.lines.append(spec)
        match = _NAME.match(spec)
        if match:
            reqs.names.append(normalize_name(match.group(1)))


def _read_pyproject(path: Path, reqs: Requirements, digest: "hashlib._Hash") -> None:
    try:
        import tomllib  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:  # Python 3.10
        raise PackagingError(
            f"{path}: reading dependencies from pyproject.toml needs Python 3.11+; add a requirements.txt"
        ) from exc
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PackagingError(f"{path}: cannot be parsed ({exc})") from exc
    project = data.get("project") or {}
    dependencies = project.get("dependencies")
    if dependencies is None:
        if "poetry" in (data.get("tool") or {}):
            reqs.notes.append(f"{path.name}: [tool.poetry] dependencies are not read; export them to requirements.txt")
        return
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise PackagingError(f"{path}: [project].dependencies must be a list of strings")
    digest.update(("\n".join(dependencies)).encode())
    reqs.source = PYPROJECT_FILE
    for spec in dependencies:
        if " @ " in spec:
            reqs.direct.append(spec)
            continue
        reqs.lines.append(spec)
        match = _NAME.match(spec)
        if match:
            reqs.names.append(normalize_name(match.group(1)))


def read_requirements(project_dir: Path) -> Requirements:
    """The project's dependencies; an empty ``Requirements`` when it declares none."""
    digest = hashlib.sha256()
    requirements_file = project_dir / REQUIREMENTS_FILE
    pyproject = project_dir / PYPROJECT_FILE
    reqs = Requirements(source=None)
    if requirements_file.is_file():
        reqs.source = REQUIREMENTS_FILE
        _parse_file(requirements_file, project_dir, reqs, digest, set())
    elif pyproject.is_file():
        _read_pyproject(pyproject, reqs, digest)
    reqs.fingerprint = digest.hexdigest()
    return reqs
