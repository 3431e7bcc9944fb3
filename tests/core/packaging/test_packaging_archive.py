"""The deterministic zip and its size checks."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from lw.core.artifact import Build
from lw.core.errors import PackagingError
from lw.core.packaging import SizeLimits, write_zip
from lw.providers.aws.settings import LIMITS as AWS_LIMITS
from lw.providers.openwhisk.plugin import LIMITS as OPENWHISK_LIMITS
from lw.core.packaging.archive import check_limits

FILES = {
    "app.py": b"print('hi')\n",
    "pkg/__init__.py": b"",
    "pkg/data/blob.bin": bytes(range(256)) * 40,
    "flask/__init__.py": b"# flask\n" * 100,
    "tool.sh": b"#!/bin/sh\necho hi\n",
}


def make_build(root: Path, mtime: int, sizes: tuple[tuple[str, int], ...] = ()) -> Build:
    for rel, content in reversed(list(FILES.items())):  # creation order must not matter
        path = root / "package" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        os.utime(path, (mtime, mtime))
    os.chmod(root / "package" / "tool.sh", 0o775)
    return Build(root=root / "package", app_files=3, dependency_files=1, dependency_sizes=sizes)


def test_same_inputs_give_same_bytes_whatever_the_mtimes_and_folders(tmp_path: Path) -> None:
    first = write_zip(make_build(tmp_path / "a", 1_600_000_000), [], tmp_path / "a.zip", handler="h.handler")
    second = write_zip(make_build(tmp_path / "b", 1_700_000_000), [], tmp_path / "b.zip", handler="h.handler")
    assert first.sha256 == second.sha256
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert first.file_count == len(FILES)
    assert first.unpacked_size == sum(len(c) for c in FILES.values())
    assert first.size == (tmp_path / "a.zip").stat().st_size


def test_entries_are_sorted_with_fixed_times_and_permissions(tmp_path: Path) -> None:
    write_zip(make_build(tmp_path, 1_650_000_000), [], tmp_path / "out.zip", handler="h.handler")
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(FILES)
    assert not any(n.endswith("/") for n in names)
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        mode = info.external_attr >> 16
        assert stat.S_IMODE(mode) == (0o755 if info.filename == "tool.sh" else 0o644)


def test_extra_files_override_build_files(tmp_path: Path) -> None:
    build = make_build(tmp_path, 1_650_000_000)
    artifact = write_zip(
        build,
        [("app.py", b"override\n"), ("lw_settings.json", b"{}")],
        tmp_path / "o.zip",
        handler="lw_handler.handler",
    )
    with zipfile.ZipFile(tmp_path / "o.zip") as archive:
        assert archive.read("app.py") == b"override\n"
        assert archive.read("lw_settings.json") == b"{}"
        assert archive.namelist().count("app.py") == 1
    assert artifact.file_count == len(FILES) + 1
    assert artifact.handler == "lw_handler.handler"


def test_extra_files_must_stay_inside_the_package(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="relative path"):
        write_zip(make_build(tmp_path, 1), [("../evil.py", b"")], tmp_path / "o.zip", handler="h")


def test_unchanged_rebuild_reuses_the_zip_and_a_change_rewrites_it(tmp_path: Path) -> None:
    build = make_build(tmp_path, 1_650_000_000)
    out = tmp_path / "o.zip"
    first = write_zip(build, [("x.py", b"1")], out, handler="h")
    written = out.stat().st_mtime_ns
    again = write_zip(build, [("x.py", b"1")], out, handler="h")
    assert again == first and out.stat().st_mtime_ns == written  # not rewritten
    changed = write_zip(build, [("x.py", b"2")], out, handler="h")
    assert changed.sha256 != first.sha256
    (build.root / "app.py").write_bytes(b"print('changed')\n")
    assert write_zip(build, [("x.py", b"2")], out, handler="h").sha256 != changed.sha256


def test_a_zip_edited_behind_our_back_is_rewritten(tmp_path: Path) -> None:
    build = make_build(tmp_path, 1_650_000_000)
    out = tmp_path / "o.zip"
    first = write_zip(build, [], out, handler="h")
    out.write_bytes(b"garbage")
    assert write_zip(build, [], out, handler="h").sha256 == first.sha256
    assert zipfile.is_zipfile(out)


def test_largest_dependencies_are_the_ten_biggest(tmp_path: Path) -> None:
    sizes = tuple((f"dist{i}", i * 100) for i in range(15))
    artifact = write_zip(make_build(tmp_path, 1, sizes), [], tmp_path / "o.zip", handler="h")
    assert [name for name, _ in artifact.largest_dependencies] == [f"dist{i}" for i in range(14, 4, -1)]
    assert artifact.to_json()["largest_dependencies"][0] == ["dist14", 1400]


def test_limits_warn_at_eighty_percent_and_name_the_limit() -> None:
    limits = SizeLimits(zipped_bytes=1000, unpacked_bytes=10_000, label="Test")
    assert check_limits(700, 7000, limits, ()) == []
    warnings = check_limits(850, 8500, limits, (("numpy", 5000),))
    assert len(warnings) == 2
    assert "85% of Test's" in warnings[0] and "zipped" in warnings[0]
    assert "unzipped" in warnings[1] and "numpy" in warnings[1]


def test_zipped_limit_is_soft_but_unpacked_and_base64_are_hard() -> None:
    assert "object storage" in check_limits(60 * 2**20, 100 * 2**20, AWS_LIMITS, ())[0]
    hard = r"unzipped, over AWS Lambda's 250.0 MiB limit; largest dependencies: numpy"
    with pytest.raises(PackagingError, match=hard):
        check_limits(60 * 2**20, 300 * 2**20, AWS_LIMITS, (("numpy", 100 * 2**20),))
    with pytest.raises(PackagingError, match="base64-encoded, over OpenWhisk's 48.0 MiB"):
        check_limits(37 * 2**20, 100 * 2**20, OPENWHISK_LIMITS, ())
    assert "base64" in check_limits(30 * 2**20, 100 * 2**20, OPENWHISK_LIMITS, ())[0]


def test_limits_are_checked_by_write_zip(tmp_path: Path) -> None:
    tiny = SizeLimits(unpacked_bytes=100, label="Tiny")
    with pytest.raises(PackagingError, match="Tiny"):
        write_zip(make_build(tmp_path, 1), [], tmp_path / "o.zip", handler="h", size_limits=tiny)


def test_omitted_build_paths_are_left_out(tmp_path: Path) -> None:
    build = make_build(tmp_path, 1_650_000_000)
    artifact = write_zip(build, [], tmp_path / "o.zip", handler="main", omit=["tool.sh", "/app.py", "absent"])
    with zipfile.ZipFile(artifact.path) as archive:
        names = set(archive.namelist())
    assert "tool.sh" not in names and "app.py" not in names and artifact.file_count == len(FILES) - 2


def test_extra_python_files_ship_with_bytecode_when_the_build_has_it(tmp_path: Path) -> None:
    """The runtime shim and entry module are what every cold start imports first."""
    from dataclasses import replace

    from lw.core import entry

    from lw.providers.aws.package import entry_module

    extras = [entry_module(), *entry.runtime_files()]
    zips = []
    for name in ("one", "two"):
        build = replace(make_build(tmp_path / name, 1_600_000_000), bytecode=True)
        zips.append(write_zip(build, extras, tmp_path / f"{name}.zip", handler="lw_handler.handler"))
    assert zips[0].sha256 == zips[1].sha256
    names = zipfile.ZipFile(zips[0].path).namelist()
    tag = f"cpython-{__import__('sys').version_info.major}{__import__('sys').version_info.minor}"
    assert f"__pycache__/lw_handler.{tag}.pyc" in names
    assert f"lw/runtime/__pycache__/aws.{tag}.pyc" in names
    plain = write_zip(make_build(tmp_path / "three", 1_600_000_000), extras, tmp_path / "three.zip", handler="h")
    assert not any(n.endswith(".pyc") for n in zipfile.ZipFile(plain.path).namelist())
