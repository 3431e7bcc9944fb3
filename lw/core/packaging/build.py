"""The neutral build: the app's sources plus its dependencies, for one target.

``work_dir`` is the build's own folder (the CLI uses ``.lw/build/<provider>-<stage>/``).
Dependencies are installed once per (requirements, target) into ``<work_dir>/deps/<key>/``
and reused until either changes; ``<work_dir>/package/`` is then synced from that
install and the project's selected sources. With nothing changed the whole step is a
directory walk.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Sequence

from lw.core.artifact import Build, Target
from lw.core.context import Reporter
from lw.core.errors import PackagingError
from lw.core.model import AppModel
from lw.core.packaging import bytecode, content_scan, dists, django_static
from lw.core.packaging.archive import files_under
from lw.core.packaging.pip import install_requirements
from lw.core.packaging.requirements import Requirements, read_requirements
from lw.core.packaging.rules import DEPENDENCIES_MARKER
from lw.core.packaging.sources import collect_sources, gitignored_note
from lw.core.packaging.staging import sync

# Bump when the layout of an installed dependency folder changes, to invalidate caches.
_DEPS_FORMAT = "1"
_COMPLETE = DEPENDENCIES_MARKER
_SCAN_RECORD = "secret-scan.json"  # content_scan's verdicts, by path, size and mtime


def _deps_key(reqs: Requirements, target: Target, precompile: bool) -> str:
    digest = hashlib.sha256()
    parts = [
        _DEPS_FORMAT,
        reqs.fingerprint,
        "\n".join(reqs.lines),
        "\n".join(reqs.direct),
        target.python_version,
        target.architecture,
        ",".join(target.platforms),
        ",".join(sorted(target.exclude_packages)),
        f"pyc={precompile}",
        sys.version if precompile else "",
    ]
    digest.update("\0".join(parts).encode())
    return digest.hexdigest()[:20]


def _install_dependencies(
    reqs: Requirements,
    target: Target,
    dest: Path,
    *,
    project_dir: Path,
    cache_dir: Path,
    precompile: bool,
    reporter: Reporter,
) -> dict[str, object]:
    """Fill ``dest`` and return what the completion marker records."""
    notes: list[str] = []
    dest.mkdir(parents=True, exist_ok=True)
    if not reqs.empty:
        notes += install_requirements(
            reqs, target, dest, project_dir=project_dir, cache_dir=cache_dir, reporter=reporter
        )
    shutil.rmtree(dest / "bin", ignore_errors=True)  # console scripts point at this machine's Python
    installed = dists.installed(dest)
    dropped = dists.removable(installed, target.exclude_packages, reqs.names)
    for name in dropped:
        dists.remove(dest, installed[name])
    if dropped:
        notes.append("left out (provided by the runtime): " + ", ".join(installed[n].display_name for n in dropped))
    if precompile:
        reporter.progress("precompiling dependencies")
        bytecode.compile_tree(dest)
    return {"notes": notes, "sizes": dists.sizes_by_distribution(dest)}


def _dependencies(
    reqs: Requirements,
    target: Target,
    work_dir: Path,
    *,
    project_dir: Path,
    cache_dir: Path,
    precompile: bool,
    reporter: Reporter,
) -> tuple[Path, dict[str, Any]]:
    """The installed dependency folder for this input, built if it is not cached."""
    key = _deps_key(reqs, target, precompile)
    deps_dir = work_dir / "deps" / key
    marker = deps_dir / _COMPLETE
    cached = _read_marker(marker)
    if cached is not None:
        return deps_dir, cached
    staging = deps_dir.with_name(f"{key}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        info = _install_dependencies(
            reqs,
            target,
            staging,
            project_dir=project_dir,
            cache_dir=cache_dir,
            precompile=precompile,
            reporter=reporter,
        )
        (staging / _COMPLETE).write_text(json.dumps(info, indent=1), encoding="utf-8")
        finished = _read_marker(marker)
        if finished is not None:  # a concurrent build of another stage finished first
            return deps_dir, finished
        shutil.rmtree(deps_dir, ignore_errors=True)  # an interrupted earlier attempt
        staging.rename(deps_dir)
    except OSError as exc:
        raise PackagingError(f"cannot prepare dependencies in {deps_dir} ({exc})") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return deps_dir, info


def _files_under(folder: Path, skip: str) -> dict[str, Path]:
    found = files_under(folder)
    found.pop(skip, None)
    return found


def _prune_other_deps(work_dir: Path, current: str) -> None:
    """Drop earlier installs of this build (its requirements or target changed);
    unfinished ones of a crashed run go too, but not one another process is writing."""
    for folder in (work_dir / "deps").iterdir():
        if folder.name == current:
            continue
        if ".tmp-" in folder.name and _process_alive(folder.name.rsplit("-", 1)[-1].split(".")[0]):
            continue
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.unlink(missing_ok=True)


def _process_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def build_neutral(
    app: AppModel,
    target: Target,
    *,
    cache_dir: Path,
    work_dir: Path,
    reporter: Reporter,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Build:
    """Stage the app's sources and its dependencies for ``target`` (see module doc)."""
    project_dir = app.project_dir.resolve()
    if not project_dir.is_dir():
        raise PackagingError(f"{project_dir}: the project folder does not exist")
    work_dir = work_dir.resolve()
    cache_dir = cache_dir.expanduser().resolve()
    precompile = bytecode.can_precompile(target.python_version)
    reqs = read_requirements(project_dir)
    notes: list[str] = list(reqs.notes)

    deps_dir, info = _dependencies(
        reqs,
        target,
        work_dir,
        project_dir=project_dir,
        cache_dir=cache_dir,
        precompile=precompile,
        reporter=reporter,
    )
    notes += [str(n) for n in info.get("notes", [])]
    if not precompile:
        notes.append(bytecode.skipped_note(target.python_version))

    scan_record = work_dir / _SCAN_RECORD
    content_scan.load_cache(scan_record)
    sources = collect_sources(
        project_dir, exclude=exclude, include=include, skip_paths=(work_dir, cache_dir, app.config_file)
    )
    content_scan.save_cache(scan_record, project_dir)
    if sources.skipped_gitignored:
        notes.append(gitignored_note(sources.skipped_gitignored))
    dependency_files = _files_under(deps_dir, _COMPLETE)
    wanted = dict(dependency_files)
    shadowed = sorted(rel for rel in sources.files if rel in dependency_files)
    if shadowed:
        notes.append(f"app files replace dependency files: {', '.join(shadowed[:5])}")
    wanted.update(sources.files)
    if app.django_settings:
        static = django_static.collect(
            project_dir, deps_dir, work_dir, app.django_settings, sources.files, app.environment_variables
        )
        notes += static.notes
        wanted.update(static.files)
    pycs: dict[str, str] = {}
    if precompile:
        pycs = {rel: importlib.util.cache_from_source(rel) for rel in sources.files if rel.endswith(".py")}
    for pyc in pycs.values():
        wanted.pop(pyc, None)  # a shadowed dependency's bytecode must not stand in for the app's
    linked = set(dependency_files) - set(sources.files)

    root = work_dir / "package"
    reporter.progress("staging sources")
    try:
        changed = set(sync(root, wanted, linked=linked, keep=set(pycs.values())))
        stale = [rel for rel, pyc in pycs.items() if rel in changed or not (root / pyc).is_file()]
        bytecode.compile_files(root, stale)
        _prune_other_deps(work_dir, deps_dir.name)
    except OSError as exc:
        raise PackagingError(f"cannot stage the build in {root} ({exc})") from exc

    return Build(
        root=root,
        app_files=len(sources.files),
        dependency_files=len(dependency_files),
        skipped_secrets=tuple(sources.skipped_secrets),
        skipped_links=tuple(sources.skipped_links),
        bytecode=precompile,
        notes=tuple(notes),
        dependency_sizes=tuple((str(n), int(s)) for n, s in info.get("sizes", [])),
        dependency_dir=deps_dir,
        dependency_paths=frozenset(linked - set(pycs.values())),
        dependency_folder=target.dependency_folder,
    )


def _read_marker(marker: Path) -> dict[str, object] | None:
    """A finished install's record; a missing or damaged one (an interrupted write, a
    hand edit) just means "not cached", never an error."""
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
