"""Packaging benchmark: a Flask hello-world built the way ``lw package`` builds it.

Prints one table: package size, file count and build time for a cold wheel cache, a
warm wheel cache (dependencies reinstalled from cache) and an unchanged rebuild, next
to the figures the issue quotes for ``zappa package``; then what shipping precompiled
bytecode saves when ``import flask`` runs from the unpacked package on a read-only
folder, as at a Lambda cold start.

Usage: python benchmarks/package.py [--runs N] [--keep-cache DIR]
Needs network access to PyPI for the cold build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from lw.core.artifact import Artifact, Target
from lw.core.context import Reporter
from lw.core.entry import AWS_HANDLER, SETTINGS_FILE, aws_entry_module, runtime_files, settings_json
from lw.core.model import AppModel
from lw.core.packaging import AWS_LIMITS, AWS_PROVIDED_PACKAGES, build_neutral, write_zip

MIB = 1024 * 1024
APP = """from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, world!"
"""
# Quoted from issue 2: `zappa package` of the same hello-world.
ZAPPA = {"size": 27.7 * MIB, "files": 4755, "seconds": 15.7}

IMPORT_PROBE = "import time; t = time.perf_counter(); import flask; print(time.perf_counter() - t)"


def make_project(root: Path) -> AppModel:
    root.mkdir(parents=True)
    (root / "app.py").write_text(APP)
    (root / "requirements.txt").write_text("flask\n")
    (root / "lw.yml").write_text("dev:\n  app_function: app.app\n")
    return AppModel(
        project_name="hello",
        stage="dev",
        provider="aws",
        project_dir=root,
        config_file=root / "lw.yml",
        app_function="app.app",
    )


def package(app: AppModel, cache: Path, out: Path) -> tuple[Artifact, float]:
    started = time.perf_counter()
    build = build_neutral(
        app,
        Target(python_version="3.11", exclude_packages=AWS_PROVIDED_PACKAGES),
        cache_dir=cache,
        work_dir=app.project_dir / ".lw" / "build" / "aws-dev",
        reporter=Reporter(json_mode=True),
    )
    extra = [*runtime_files(), aws_entry_module(), (SETTINGS_FILE, settings_json(app))]
    artifact = write_zip(build, extra, out, entry_point=AWS_HANDLER, size_limits=AWS_LIMITS)
    return artifact, time.perf_counter() - started


def read_only_copy(artifact: Path, folder: Path, *, with_bytecode: bool) -> Path:
    """Unpack like Lambda does into /var/task, then make it read-only."""
    with zipfile.ZipFile(artifact) as archive:
        archive.extractall(folder)
    if not with_bytecode:
        for cache in list(folder.rglob("__pycache__")):
            shutil.rmtree(cache)
    for path in folder.rglob("*"):
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return folder


def import_time(folder: Path, runs: int) -> float:
    """Median seconds of ``import flask`` from ``folder`` only (no site-packages)."""
    env = {**os.environ, "PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-S", "-s", "-c", IMPORT_PROBE],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(float(out.stdout))
    return statistics.median(samples)


def make_writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="import-time samples per variant")
    args = parser.parse_args()
    if sys.version_info[:2] != (3, 11):
        print("note: Python is not 3.11, so bytecode is not precompiled and the pyc comparison is skipped")

    scratch = Path(tempfile.mkdtemp(prefix="lw-bench-"))
    try:
        cache = scratch / "cache"
        app = make_project(scratch / "hello")
        out = scratch / "hello.zip"
        rows = []
        artifact, seconds = package(app, cache, out)
        rows.append(("lw, cold wheel cache", artifact, seconds))
        shutil.rmtree(app.project_dir / ".lw")
        out.unlink()
        artifact, seconds = package(app, cache, out)
        rows.append(("lw, warm wheel cache", artifact, seconds))
        first_sha = artifact.sha256
        artifact, seconds = package(app, cache, out)
        rows.append(("lw, unchanged rebuild", artifact, seconds))
        assert artifact.sha256 == first_sha, "an unchanged rebuild must give the same sha256"
        (app.project_dir / "app.py").write_text(APP.replace("Hello, world!", "Hello, edited world!"))
        edited, seconds = package(app, cache, out)
        rows.append(("lw, app.py edited", edited, seconds))

        print(
            f"\nFlask hello-world package (target: AWS Lambda python3.11 x86_64; local Python {sys.version.split()[0]})"
        )
        print(f"{'build':<24} {'size (MiB)':>10} {'files':>7} {'time (s)':>9}")
        print(
            f"{'zappa package (issue)':<24} {ZAPPA['size'] / MIB:>10.1f} {ZAPPA['files']:>7,} {ZAPPA['seconds']:>9.1f}"
        )
        for label, art, secs in rows:
            print(f"{label:<24} {art.size / MIB:>10.2f} {art.file_count:>7,} {secs:>9.2f}")
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"targets: size <= 2.8 MiB, warm build < 5 s, unchanged rebuild < 1 s; sha256 {first_sha[:16]}…")
        print("largest dependencies:", ", ".join(f"{n} {s / 1024:.0f} KiB" for n, s in artifact.largest_dependencies))

        if sys.version_info[:2] == (3, 11):
            with_pyc = read_only_copy(out, scratch / "task-pyc", with_bytecode=True)
            without = read_only_copy(out, scratch / "task-src", with_bytecode=False)
            import_time(with_pyc, 2)  # warm the OS file cache for both
            import_time(without, 2)
            fast = import_time(with_pyc, args.runs)
            slow = import_time(without, args.runs)
            print(f"\nCold-start `import flask` from a read-only unpacked package (median of {args.runs})")
            print(f"{'variant':<28} {'import (ms)':>11}")
            print(f"{'shipped .pyc (lw)':<28} {fast * 1000:>11.1f}")
            print(f"{'sources only':<28} {slow * 1000:>11.1f}")
            print(f"saving per cold start: {(slow - fast) * 1000:.1f} ms ({(1 - fast / slow) * 100:.0f}%)")
            print(f"package size with .pyc: {artifact.size / MIB:.2f} MiB")
            make_writable(with_pyc)
            make_writable(without)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
