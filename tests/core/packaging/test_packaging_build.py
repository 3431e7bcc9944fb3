"""``build_neutral`` end to end, with real pip installs from PyPI.

These are the tests that prove the package runs on the target: a manylinux wheel
(markupsafe, which has a C speedup module) lands with the target's ``.so``, a
pure-Python dependency (six) at the zip root next to the app, and nothing secret.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lw.core.artifact import Target
from lw.core.context import Reporter
from lw.core.errors import PackagingError
from lw.core.packaging import build_neutral, write_zip
from lw.providers.aws.settings import LIMITS as AWS_LIMITS
from lw.core.packaging import build as build_module

from packaging_helpers import make_app, make_sdist, write_project

LOCAL = f"{sys.version_info.major}.{sys.version_info.minor}"
TAG = sys.implementation.cache_tag


def build(project: Path, cache: Path, target: Target | None = None, **kwargs: object):
    return build_neutral(
        make_app(project),
        target or Target(python_version=LOCAL),
        cache_dir=cache,
        work_dir=project / ".lw",
        reporter=Reporter(json_mode=True),
        **kwargs,  # type: ignore[arg-type]
    )


def zip_names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def test_manylinux_and_pure_dependencies_land_at_the_zip_root(tmp_path: Path, wheel_cache: Path) -> None:
    project = write_project(
        tmp_path / "proj",
        "markupsafe\nsix\n",
        {
            "app.py": "VALUE = 'original'\n",
            "pkg/__init__.py": "",
            ".env": "TOKEN=1\n",
            "tests/test_app.py": "",
        },
    )
    result = build(project, wheel_cache)
    artifact = write_zip(
        result,
        [("lw_handler.py", b"handler = None\n")],
        tmp_path / "out.zip",
        handler="lw_handler.handler",
        size_limits=AWS_LIMITS,
    )
    names = zip_names(artifact.path)
    assert {"app.py", "pkg/__init__.py", "lw_handler.py", "six.py", "markupsafe/__init__.py"} <= names
    assert f"markupsafe/_speedups.cpython-{LOCAL.replace('.', '')}-x86_64-linux-gnu.so" in names
    assert any(n.startswith("six-") and n.endswith(".dist-info/METADATA") for n in names)
    assert not any(n.startswith(("tests/", ".lw/", "bin/")) or n in (".env", "lw.yml") for n in names)
    assert result.skipped_secrets == (".env",)
    assert result.bytecode and f"markupsafe/__pycache__/__init__.{TAG}.pyc" in names
    assert f"__pycache__/app.{TAG}.pyc" in names and f"__pycache__/six.{TAG}.pyc" in names
    assert {name for name, _ in artifact.largest_dependencies} >= {"MarkupSafe", "six"}
    assert artifact.file_count == len(names) and artifact.warnings == ()


def test_arm64_target_gets_aarch64_wheels(tmp_path: Path, wheel_cache: Path) -> None:
    project = write_project(tmp_path / "proj", "markupsafe\n")
    result = build(project, wheel_cache, Target(python_version=LOCAL, architecture="arm64"))
    libraries = [p.name for p in result.root.rglob("*.so")]
    assert libraries and all("aarch64" in name for name in libraries)


def test_shipped_bytecode_is_used_without_checking_sources(tmp_path: Path, wheel_cache: Path) -> None:
    project = write_project(tmp_path / "proj", "six\n")
    artifact = write_zip(build(project, wheel_cache), [], tmp_path / "out.zip", handler="h")
    task = tmp_path / "task"
    with zipfile.ZipFile(artifact.path) as archive:
        archive.extractall(task)
        pyc = archive.read(f"__pycache__/app.{TAG}.pyc")
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, unchecked (PEP 552)
    # Unpacking changes every mtime; the unchecked pyc must still be the one imported.
    (task / "app.py").write_text("VALUE = 'recompiled from source'\n")
    out = subprocess.run(
        [sys.executable, "-c", "import app, six; print(app.VALUE)"],
        cwd=task,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(task)},
        check=True,
    )
    assert out.stdout.strip() == "original"


def test_same_inputs_in_different_folders_give_the_same_sha256(tmp_path: Path, wheel_cache: Path) -> None:
    first = write_project(tmp_path / "one", "six\n", {"app.py": "A = 1\n", "pkg/mod.py": "B = 2\n"})
    second = write_project(tmp_path / "two", "six\n", {"pkg/mod.py": "B = 2\n", "app.py": "A = 1\n"})
    for path in second.rglob("*"):
        os.utime(path, (1_500_000_000, 1_500_000_000))
    a = write_zip(build(first, wheel_cache), [("x", b"1")], tmp_path / "a.zip", handler="h")
    b = write_zip(build(second, wheel_cache), [("x", b"1")], tmp_path / "b.zip", handler="h")
    assert a.sha256 == b.sha256 and a.size == b.size


def test_unchanged_rebuild_reuses_the_install_and_changes_are_synced(
    tmp_path: Path, wheel_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write_project(tmp_path / "proj", "six\n", {"app.py": "A = 1\n", "old.py": "X = 0\n"})
    first = build(project, wheel_cache)
    zip_a = write_zip(first, [], tmp_path / "o.zip", handler="h")

    def no_pip(*_args: object, **_kwargs: object) -> list[str]:
        raise AssertionError("dependencies were installed again")

    monkeypatch.setattr(build_module, "install_requirements", no_pip)
    again = build(project, wheel_cache)
    assert again == first
    assert write_zip(again, [], tmp_path / "o.zip", handler="h").sha256 == zip_a.sha256

    (project / "app.py").write_text("A = 2  # edited\n")
    (project / "old.py").unlink()
    changed = build(project, wheel_cache)
    assert (changed.root / "app.py").read_text() == "A = 2  # edited\n"
    assert not (changed.root / "old.py").exists()
    assert not (changed.root / "__pycache__" / f"old.{TAG}.pyc").exists()
    assert write_zip(changed, [], tmp_path / "o.zip", handler="h").sha256 != zip_a.sha256
    with zipfile.ZipFile(tmp_path / "o.zip") as archive:
        code = archive.read(f"__pycache__/app.{TAG}.pyc")
    assert b"edited" not in code and code != b""  # recompiled (comments are not in bytecode)


def test_changed_requirements_reinstall_and_prune_the_old_install(tmp_path: Path, wheel_cache: Path) -> None:
    project = write_project(tmp_path / "proj", "six\n")
    build(project, wheel_cache)
    (project / "requirements.txt").write_text("")
    result = build(project, wheel_cache)
    assert not (result.root / "six.py").exists()
    assert len(list((project / ".lw" / "deps").iterdir())) == 1


def test_packages_provided_by_the_runtime_are_left_out(tmp_path: Path, wheel_cache: Path) -> None:
    project = write_project(tmp_path / "proj", "six\nmarkupsafe\n")
    result = build(project, wheel_cache, Target(python_version=LOCAL, exclude_packages=("six",)))
    assert not (result.root / "six.py").exists() and (result.root / "markupsafe").is_dir()
    assert any("six" in note and "provided by the runtime" in note for note in result.notes)


def test_no_requirements_packages_only_the_app(tmp_path: Path, wheel_cache: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "app.py").write_text("A = 1\n")
    result = build(project, wheel_cache)
    assert result.dependency_files == 0 and result.app_files == 1


def test_other_python_version_is_not_precompiled_and_says_so(tmp_path: Path, wheel_cache: Path) -> None:
    other = "3.12" if LOCAL != "3.12" else "3.11"
    project = write_project(tmp_path / "proj", "six\n")
    result = build(project, wheel_cache, Target(python_version=other))
    assert not result.bytecode and (result.root / "six.py").exists()
    assert not list(result.root.rglob("*.pyc"))
    assert any("bytecode not precompiled" in note and other in note for note in result.notes)


def test_pure_python_sdist_without_wheel_is_built_into_a_wheel(tmp_path: Path, wheel_cache: Path) -> None:
    project = write_project(tmp_path / "proj", "--find-links ./sdists\nlw-test-pure-only-sdist==1.0\n")
    make_sdist(project / "sdists", "lw-test-pure-only-sdist", c_extension=False)
    result = build(project, wheel_cache, exclude=["/sdists/"])
    assert (result.root / "lw_test_pure_only_sdist.py").read_text() == "ANSWER = 42\n"
    assert any("built pure-Python" in note for note in result.notes)


def test_sdist_needing_compilation_fails_naming_it(tmp_path: Path, wheel_cache: Path) -> None:
    project = write_project(tmp_path / "proj", "./vendor/lw-test-cext-1.0.tar.gz\n")
    make_sdist(project / "vendor", "lw-test-cext", c_extension=True)
    with pytest.raises(PackagingError, match=r"lw-test-cext-1.0.tar.gz has no wheel for manylinux2014_x86_64"):
        build(project, wheel_cache)


def test_unknown_distribution_fails_with_pips_reason(tmp_path: Path, wheel_cache: Path) -> None:
    project = write_project(tmp_path / "proj", "--no-index\nlw-test-does-not-exist-anywhere\n")
    with pytest.raises(PackagingError, match="lw-test-does-not-exist-anywhere"):
        build(project, wheel_cache)


def test_app_file_shadowing_a_dependency_ships_its_own_bytecode(tmp_path: Path, wheel_cache: Path) -> None:
    project = write_project(tmp_path / "proj", "six\n", {"six.py": "SHADOW = True\n"})
    for _ in range(2):  # the second, unchanged build must not restore six's own bytecode
        result = build(project, wheel_cache)
        assert (result.root / "six.py").read_text() == "SHADOW = True\n"
        pyc = (result.root / "__pycache__" / f"six.{TAG}.pyc").read_bytes()
        assert b"SHADOW" in pyc and b"add_metaclass" not in pyc
    assert any("replace dependency files: six.py" in note for note in result.notes)
