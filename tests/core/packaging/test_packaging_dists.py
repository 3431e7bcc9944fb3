"""Distributions in an install folder: removing what the runtime provides, sizes."""

from __future__ import annotations

from pathlib import Path

from lw.core.packaging import dists


def fake_dist(target: Path, name: str, requires: list[str], files: dict[str, int]) -> None:
    info = target / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n\n")
    record = []
    for rel, size in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
        record.append(f"{rel},,")
    record += [f"{info.name}/METADATA,,", f"{info.name}/RECORD,,", "../../../bin/tool,,"]
    (info / "RECORD").write_text("\n".join(record) + "\n")


def aws_like(target: Path) -> None:
    fake_dist(target, "boto3", ["botocore>=1", "jmespath", "s3transfer"], {"boto3/__init__.py": 10})
    fake_dist(target, "botocore", ["jmespath", "python-dateutil", "urllib3<3"], {"botocore/__init__.py": 10})
    fake_dist(target, "s3transfer", ["botocore"], {"s3transfer/__init__.py": 10})
    fake_dist(target, "jmespath", [], {"jmespath/__init__.py": 10})
    fake_dist(target, "python_dateutil", ["six>=1.5"], {"dateutil/__init__.py": 10})
    fake_dist(target, "six", [], {"six.py": 10})
    fake_dist(target, "urllib3", ["brotli; extra == 'brotli'"], {"urllib3/__init__.py": 10})
    fake_dist(target, "requests", ["urllib3", "idna"], {"requests/__init__.py": 10})
    fake_dist(target, "idna", [], {"idna/__init__.py": 10})


def test_provided_packages_and_their_exclusive_dependencies_are_removable(tmp_path: Path) -> None:
    aws_like(tmp_path)
    found = dists.installed(tmp_path)
    removable = dists.removable(found, ("boto3", "botocore", "s3transfer"), roots=["boto3", "requests"])
    # urllib3 stays: requests (an app requirement) needs it.
    assert removable == ["boto3", "botocore", "jmespath", "python-dateutil", "s3transfer", "six"]


def test_a_root_requirement_is_kept_even_if_a_provided_package_needs_it(tmp_path: Path) -> None:
    aws_like(tmp_path)
    found = dists.installed(tmp_path)
    removable = dists.removable(found, ("boto3", "botocore", "s3transfer"), roots=["boto3", "six"])
    assert "six" not in removable and "python-dateutil" in removable and "jmespath" in removable


def test_a_distribution_nobody_requires_counts_as_requested(tmp_path: Path) -> None:
    aws_like(tmp_path)
    fake_dist(tmp_path, "mylib", ["six"], {"mylib.py": 10})  # from a local path: its name was never spelled out
    found = dists.installed(tmp_path)
    removable = dists.removable(found, ("boto3", "botocore", "s3transfer"), roots=["boto3"])
    assert "six" not in removable and "mylib" not in removable
    assert "python-dateutil" in removable


def test_remove_deletes_owned_files_and_empty_folders(tmp_path: Path) -> None:
    aws_like(tmp_path)
    found = dists.installed(tmp_path)
    dists.remove(tmp_path, found["python-dateutil"])
    dists.remove(tmp_path, found["six"])
    assert not (tmp_path / "dateutil").exists()
    assert not (tmp_path / "six.py").exists()
    assert not list(tmp_path.glob("six-*.dist-info"))
    assert (tmp_path / "requests" / "__init__.py").exists()


def test_sizes_are_summed_per_distribution(tmp_path: Path) -> None:
    fake_dist(tmp_path, "python_dateutil", [], {"dateutil/__init__.py": 1000, "dateutil/tz/tz.py": 500})
    fake_dist(tmp_path, "six", [], {"six.py": 100})
    (tmp_path / "stray.py").write_bytes(b"y" * 50)
    sizes = dict(dists.sizes_by_distribution(tmp_path))
    assert sizes["python_dateutil"] > 1500 > sizes["six"] > 100
    assert sizes["stray.py"] == 50
