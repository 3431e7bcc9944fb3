"""Django's ``collectstatic`` at package time, into the package, when ``STATIC_ROOT`` is set.

A Django project that serves its static files from the package (WhiteNoise, or
``django.views.static.serve``) reads them from ``STATIC_ROOT``, which only
``collectstatic`` fills, and the folder is usually git-ignored (so never packaged).
Running it by hand before each deploy is the step everyone forgets: the site then
deploys without its CSS. lw runs it for every build of a Django stage whose settings
set ``STATIC_ROOT`` under the project folder, with the package's own dependencies, into
lw's build folder (the developer's tree is not written), and ships the result at
``STATIC_ROOT``'s place in the package.

Only for a file-system storage: with a remote one (django-storages' S3) collectstatic
uploads, which a build (and ``--dry-run``) must not do; lw then says to run
``lw manage collectstatic --noinput`` after the deploy, where the function's role
reaches the bucket.

The settings are imported in a child interpreter (``-I -S``: the project and its
installed dependencies only, as in the function; ``-B``: no bytecode written into the
project), with the stage's environment
variables; a settings module that cannot be imported at build time is a note, not an
error (its static files are then the developer's business, as before).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from lw.core.errors import PackagingError
from lw.core.packaging.archive import files_under

_MARK = "LW-COLLECTSTATIC "
# Run in the child: report STATIC_ROOT and the storage, and collect when it is a
# file-system storage. argv: project, dependencies, target folder.
_SCRIPT = """
import json, os, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
def report(**answer):
    print(%(mark)r + json.dumps(answer))
    sys.exit(0)
try:
    import django
    from django.conf import settings
    django.setup()
    root = getattr(settings, "STATIC_ROOT", None)
except Exception as exc:
    report(error="%%s: %%s" %% (type(exc).__name__, exc))
if not root:
    report(static_root=None)
if "django.contrib.staticfiles" not in settings.INSTALLED_APPS:
    report(static_root=str(root), skipped="django.contrib.staticfiles is not in INSTALLED_APPS")
settings.STATIC_ROOT = sys.argv[3]
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import FileSystemStorage
staticfiles_storage._setup()
storage = staticfiles_storage._wrapped
if not isinstance(storage, FileSystemStorage):
    report(static_root=str(root), remote=type(storage).__module__ + "." + type(storage).__name__)
from django.core.management import call_command
call_command("collectstatic", interactive=False, verbosity=0, clear=True)
report(static_root=str(root), collected=True)
""" % {"mark": _MARK}


@dataclass
class Collected:
    """What the build adds: package path -> file, and notes for the build summary."""

    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def collect(
    project_dir: Path,
    deps_dir: Path,
    work_dir: Path,
    settings_module: str,
    sources: Mapping[str, Path],
    environment: Mapping[str, str],
) -> Collected:
    """Collect the project's static files for the package (see the module doc). Reuses
    the previous collection while the sources and dependencies are unchanged."""
    out = work_dir / "static"
    collected = out / "collected"
    record = out / "record.json"
    key = _fingerprint(settings_module, deps_dir, sources, environment)
    previous = _read(record)
    if previous is None or previous.get("key") != key:
        shutil.rmtree(out, ignore_errors=True)
        collected.mkdir(parents=True)
        previous = {"key": key, **_run(project_dir, deps_dir, collected, settings_module, environment)}
        record.write_text(json.dumps(previous), encoding="utf-8")
    return _result(previous, project_dir, collected)


def _result(answer: dict[str, object], project_dir: Path, collected: Path) -> Collected:
    result = Collected()
    if answer.get("error"):
        result.notes.append(f"static files not collected: the settings do not import at build time ({answer['error']})")
        return result
    root = answer.get("static_root")
    if not root:
        return result
    if answer.get("skipped"):
        result.notes.append(f"static files not collected: {answer['skipped']}")
        return result
    if answer.get("remote"):
        result.notes.append(
            f"static files not collected: STATICFILES storage {answer['remote']} is remote; "
            "run `lw manage collectstatic --noinput` after the deploy"
        )
        return result
    try:
        relative = Path(str(root)).resolve().relative_to(project_dir)
    except ValueError:
        result.notes.append(
            f"static files not collected: STATIC_ROOT {root} is outside the project, so not in the package "
            "(set it under the project, e.g. BASE_DIR / 'staticfiles')"
        )
        return result
    prefix = relative.as_posix().strip(".").strip("/")
    for rel, path in files_under(collected).items():
        result.files[f"{prefix}/{rel}" if prefix else rel] = path
    result.notes.append(f"collectstatic: {len(result.files)} static files packaged at {prefix or '.'}/ (STATIC_ROOT)")
    return result


def _run(
    project_dir: Path, deps_dir: Path, target: Path, settings_module: str, environment: Mapping[str, str]
) -> dict[str, object]:
    env = {**os.environ, **environment, "DJANGO_SETTINGS_MODULE": settings_module}
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(name, None)
    command = [sys.executable, "-I", "-S", "-B", "-c", _SCRIPT, str(project_dir), str(deps_dir), str(target)]
    try:
        done = subprocess.run(
            command, cwd=project_dir, env=env, capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise PackagingError(f"collectstatic ({settings_module}) could not run: {exc}") from exc
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(_MARK):
            return dict(json.loads(line[len(_MARK) :]))
    last = (done.stderr.strip().splitlines() or ["no output"])[-1]
    raise PackagingError(f"collectstatic ({settings_module}) failed while packaging: {last}")


def _fingerprint(
    settings_module: str, deps_dir: Path, sources: Mapping[str, Path], environment: Mapping[str, str]
) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([settings_module, deps_dir.name, sorted(environment.items())]).encode())
    for rel in sorted(sources):
        try:
            info = sources[rel].stat()
        except OSError:
            continue
        digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _read(record: Path) -> dict[str, object] | None:
    try:
        found = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None
