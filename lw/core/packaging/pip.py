"""Installing dependencies for the target platform with pip.

pip resolves for a foreign platform only from wheels (``--platform`` requires
``--only-binary=:all:``), yet many pure-Python projects publish sdists only. So the
install is retried: each distribution pip reports as missing is built locally into a
wheel, accepted only if the wheel is pure Python (a compiled one would be for this
machine, not the target), and offered back to pip through ``--find-links``. Direct
references (paths, URLs) are built the same way up front, because pip would otherwise
compile them for the local machine without a word.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from lw.core.artifact import Target
from lw.core.context import Reporter
from lw.core.errors import PackagingError
from lw.core.packaging.requirements import Requirements

_MISSING = re.compile(r"No matching distribution found for ([^\s;]+)")
_MAX_SDIST_BUILDS = 20


def _pip_base() -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]


def _run(args: Sequence[str], cwd: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    env.update(env_extra or {})
    try:
        return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise PackagingError(f"cannot run pip with {sys.executable} ({exc.strerror})") from exc


def _last_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    return (errors[-1] if errors else (lines[-1] if lines else "no output")).removeprefix("ERROR: ")


def parse_wheel_name(filename: str) -> tuple[str, str, str, str]:
    """``(name, python tags, abi tags, platform tags)`` of a wheel file name."""
    parts = filename[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        raise PackagingError(f"{filename}: not a valid wheel file name")
    return parts[0], parts[-3], parts[-2], parts[-1]


def wheel_fits(filename: str, target: Target) -> bool:
    """Whether a wheel runs on the target: pure Python, or built for its platform."""
    _, python_tags, abi_tags, platform_tags = parse_wheel_name(filename)
    cp = "cp" + target.python_version.replace(".", "")
    if platform_tags == "any":
        return abi_tags == "none" and any(t.startswith("py3") or t == cp for t in python_tags.split("."))
    wanted_platforms = set(target.platforms)
    platform_ok = any(p in wanted_platforms for p in platform_tags.split("."))
    abi_ok = any(a in (cp, "abi3", "none") for a in abi_tags.split("."))
    return platform_ok and abi_ok


def _display(spec: str) -> str:
    return Path(spec).name if os.sep in spec or "/" in spec else spec


_INDEX_OPTIONS = (
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--pre",
    "--no-index",
)


def index_options(lines: Sequence[str]) -> list[str]:
    """The requirements' pip options that say where distributions come from, so that
    building an sdist looks in the same places as the install did."""
    options: list[str] = []
    for line in lines:
        try:
            parts = shlex.split(line.replace("=", " ", 1) if line.startswith("--") else line)
        except ValueError:
            continue  # unbalanced quotes: pip itself will report the line
        if parts and parts[0] in _INDEX_OPTIONS:
            options += parts
    return options


def build_wheel(
    spec: str, target: Target, out_dir: Path, *, cwd: Path, from_sdist: bool, options: Sequence[str] = ()
) -> Path:
    """Build ``spec`` into one wheel in ``out_dir``; refuse it unless it fits the target."""
    with tempfile.TemporaryDirectory(prefix="lw-wheel-") as scratch:
        args = [*_pip_base(), "wheel", "--no-deps", "--wheel-dir", scratch, *options]
        if from_sdist:
            args += ["--no-binary", ":all:"]
        result = _run([*args, spec], cwd)
        wheels = sorted(Path(scratch).glob("*.whl"))
        platform = target.platform_label
        output = result.stdout + result.stderr
        if result.returncode != 0 and "No matching distribution found" in output:
            raise PackagingError(
                f"{_display(spec)}: no distribution found for {platform} (Python {target.python_version}) "
                f"in the configured indexes: {_last_error(output)}"
            )
        if result.returncode != 0 or not wheels:
            raise PackagingError(
                f"{_display(spec)} has no wheel for {platform} (Python {target.python_version}) and could not be "
                f"built from source: {_last_error(output)}"
            )
        wheel = wheels[0]
        if not wheel_fits(wheel.name, target):
            raise PackagingError(
                f"{_display(spec)} has no wheel for {platform} (Python {target.python_version}) and needs "
                f"compiling (built {wheel.name} for this machine); use a version that publishes "
                f"{platform} wheels, or build the package on the target platform"
            )
        out_dir.mkdir(parents=True, exist_ok=True)
        final = out_dir / wheel.name
        shutil.move(str(wheel), final)
        return final


def _install_args(target: Target, dest: Path, requirements_file: Path, cache_dir: Path, links: Path) -> list[str]:
    args = [*_pip_base(), "install", "--target", str(dest), "--no-compile", "--no-warn-conflicts"]
    args += ["--progress-bar", "off"]
    for platform in target.platforms:
        args += ["--platform", platform]
    args += [
        "--python-version",
        target.python_version,
        "--implementation",
        "cp",
        "--only-binary=:all:",
        "--cache-dir",
        str(cache_dir / "pip"),
        "--find-links",
        str(links),
        "--upgrade",
        "-r",
        str(requirements_file),
    ]
    return args


def install_requirements(
    reqs: Requirements,
    target: Target,
    dest: Path,
    *,
    project_dir: Path,
    cache_dir: Path,
    reporter: Reporter,
) -> list[str]:
    """Install ``reqs`` into ``dest`` (created fresh) for ``target``; returns notes."""
    notes: list[str] = []
    built_dir = cache_dir / "built-wheels" / f"py{target.python_version}"
    built_dir.mkdir(parents=True, exist_ok=True)
    lines = list(reqs.lines)
    for spec in reqs.direct:
        reporter.progress(f"building {_display(spec)}")
        wheel = build_wheel(spec, target, dest.parent / f"{dest.name}.direct", cwd=project_dir, from_sdist=False)
        lines.append(str(wheel))
        notes.append(f"built {wheel.name} from {_display(spec)}")
    requirements_file = dest.parent / f"{dest.name}.requirements.txt"
    requirements_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tried: set[str] = set()
    try:
        for _ in range(_MAX_SDIST_BUILDS):
            shutil.rmtree(dest, ignore_errors=True)
            reporter.progress(f"installing dependencies for {target.platform_label}, Python {target.python_version}")
            args = _install_args(target, dest, requirements_file, cache_dir, built_dir)
            reporter.debug(" ".join(args))
            result = _run(args, project_dir)
            if result.returncode == 0:
                return notes
            output = result.stdout + result.stderr
            missing = _MISSING.search(output)
            if not missing or missing.group(1) in tried:
                raise PackagingError(
                    f"pip could not install the dependencies from {reqs.source or 'the requirements'}: "
                    f"{_last_error(output)}"
                )
            spec = missing.group(1)
            tried.add(spec)
            reporter.progress(f"building {spec} from its source distribution")
            wheel = build_wheel(
                spec, target, built_dir, cwd=project_dir, from_sdist=True, options=index_options(reqs.lines)
            )
            notes.append(f"{spec} has no wheel: built pure-Python {wheel.name} from its sdist")
        raise PackagingError(f"gave up after building {_MAX_SDIST_BUILDS} source distributions")
    finally:
        requirements_file.unlink(missing_ok=True)
        shutil.rmtree(dest.parent / f"{dest.name}.direct", ignore_errors=True)
