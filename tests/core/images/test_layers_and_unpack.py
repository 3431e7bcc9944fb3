"""Deterministic layers, and unpacking untrusted layers safely (attack tests)."""

from __future__ import annotations

import io
import os
import tarfile
import time
from pathlib import Path

import pytest

from lw.core.errors import PackagingError
from lw.core.images.extract import apply_layer
from lw.core.images.layers import LAYER_MTIME, write_layer
from lw.core.images.reference import ReferenceError, parse_reference, parse_registry_setting, target_repository


def test_same_files_same_digest_whatever_their_mtime_owner_or_order(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    a, b = tmp_path / "src" / "a.py", tmp_path / "src" / "b.sh"
    a.write_text("print(1)\n")
    b.write_text("#!/bin/sh\n")
    b.chmod(0o750)
    one = write_layer({"pkg/a.py": a, "run.sh": b, "x.txt": b"data"}, tmp_path / "one.tar.gz", prefix="var/task")
    os.utime(a, (time.time() + 500, time.time() + 500))
    a.chmod(0o600)
    two = write_layer({"x.txt": b"data", "run.sh": b, "pkg/a.py": a}, tmp_path / "two.tar.gz", prefix="/var/task/")
    assert (one.digest, one.diff_id, one.size) == (two.digest, two.diff_id, two.size)
    with tarfile.open(one.path) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == [
        "var",
        "var/task",
        "var/task/pkg",
        "var/task/pkg/a.py",
        "var/task/run.sh",
        "var/task/x.txt",
    ]
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {(0, 0, "", "", LAYER_MTIME)}
    modes = {m.name: m.mode for m in members}
    assert modes["var/task/run.sh"] == 0o755 and modes["var/task/pkg/a.py"] == 0o644
    assert one.path.read_bytes()[4:8] == b"\0\0\0\0"  # gzip header mtime


def _layer(*entries: tarfile.TarInfo | tuple[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                tar.addfile(entry)
            else:
                info = tarfile.TarInfo(entry[0])
                info.size = len(entry[1])
                tar.addfile(info, io.BytesIO(entry[1]))
    buffer.seek(0)
    return buffer


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/evil", "var/../../escape.txt"])
def test_entries_outside_the_root_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(PackagingError, match="outside the image root"):
        apply_layer(_layer((name, b"x")), tmp_path / "root", "layer")
    assert not (tmp_path / "escape.txt").exists()


def test_writing_through_a_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    with pytest.raises(PackagingError, match="leads outside the image root"):
        apply_layer(_layer(_link("lib", "../../outside"), ("lib/payload", b"x")), tmp_path / "root", "layer")
    assert not (outside / "payload").exists()


def test_absolute_symlinks_stay_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    apply_layer(_layer(("usr/lib/real.so", b"so"), _link("lib", "/usr/lib")), root, "layer")
    assert os.readlink(root / "lib") == "usr/lib"
    assert (root / "lib" / "real.so").read_bytes() == b"so"


def test_hard_links_must_point_inside(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="refusing hard link"):
        apply_layer(_layer(_link("passwd", "/etc/passwd", tarfile.LNKTYPE)), tmp_path / "root", "layer")


def test_whiteouts_delete_from_lower_layers(tmp_path: Path) -> None:
    root = tmp_path / "root"
    apply_layer(_layer(("app/old.py", b"1"), ("app/keep.py", b"2"), ("cache/a", b"3"), ("cache/b", b"4")), root, "l1")
    apply_layer(_layer(("app/.wh.old.py", b""), ("cache/.wh..wh..opq", b""), ("cache/c", b"5")), root, "l2")
    assert sorted(p.name for p in (root / "app").iterdir()) == ["keep.py"]
    assert sorted(p.name for p in (root / "cache").iterdir()) == ["c"]


@pytest.mark.parametrize("name", [".wh...", "app/.wh...", ".wh..", "app/.wh..", ".wh.", "app/.wh."])
def test_a_whiteout_naming_no_plain_entry_is_refused(tmp_path: Path, name: str) -> None:
    """``.wh...`` would whiteout ``..``: the folder above the image root, with all it holds."""
    neighbour = tmp_path / "neighbour.txt"
    neighbour.write_text("not the image's")
    root = tmp_path / "root"
    apply_layer(_layer(("app/keep.py", b"1")), root, "l1")
    with pytest.raises(PackagingError, match="refusing whiteout"):
        apply_layer(_layer((name, b"")), root, "l2")
    assert neighbour.read_text() == "not the image's"
    assert (root / "app" / "keep.py").read_bytes() == b"1"


@pytest.mark.parametrize("header", ["path", "linkpath"])
def test_a_nul_byte_in_a_name_is_a_packaging_error(tmp_path: Path, header: str) -> None:
    """A pax header can carry what a ustar name cannot: a NUL, which the file system
    calls refuse with ValueError (a traceback, before)."""
    info = tarfile.TarInfo("entry")
    info.pax_headers = {header: "x\x00y"}
    if header == "linkpath":
        info.type = tarfile.SYMTYPE
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(b""))
    buffer.seek(0)
    with pytest.raises(PackagingError, match="cannot unpack"):
        apply_layer(buffer, tmp_path / "root", "layer")


def test_setuid_bits_are_dropped(tmp_path: Path) -> None:
    info = tarfile.TarInfo("bin/tool")
    info.size = 1
    info.mode = 0o4755
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.addfile(info, io.BytesIO(b"x"))
    buffer.seek(0)
    apply_layer(buffer, tmp_path / "root", "layer")
    assert (tmp_path / "root" / "bin" / "tool").stat().st_mode & 0o7777 == 0o755


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("python:3.11", ("registry-1.docker.io", "library/python", "3.11", None)),
        ("public.ecr.aws/lambda/python:3.12", ("public.ecr.aws", "lambda/python", "3.12", None)),
        ("localhost:5000/a/b", ("localhost:5000", "a/b", "latest", None)),
        (
            "127.0.0.1:5000/base@sha256:" + "0" * 64,
            ("127.0.0.1:5000", "base", None, "sha256:" + "0" * 64),
        ),
        (
            "docker.io/openwhisk/action-python-v3.11:latest",
            ("registry-1.docker.io", "openwhisk/action-python-v3.11", "latest", None),
        ),
    ],
)
def test_references_parse_as_docker_parses_them(text: str, expected: tuple[object, ...]) -> None:
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == expected


@pytest.mark.parametrize("text", ["", "https://x.io/a", "x.io/A", "x.io/a@sha256:12", "x.io/a:", "bad host:1/a"])
def test_bad_references_are_refused(text: str) -> None:
    with pytest.raises(ReferenceError):
        parse_reference(text)


def test_registry_setting_and_repository() -> None:
    location = parse_registry_setting("registry.example.com:5443/team/apps/")
    assert (location.host, location.prefix) == ("registry.example.com:5443", "team/apps")
    assert target_repository(location, "shop", "prod") == "team/apps/shop-prod"
    assert target_repository(parse_registry_setting("127.0.0.1:5000"), "shop", "dev") == "shop-dev"
    for bad in ("https://r.io", "r.io:99999", "r.io/Team"):
        with pytest.raises(ReferenceError):
            parse_registry_setting(bad)


def test_lower_layers_are_unpacked_once_and_never_changed_by_the_top_one(tmp_path: Path) -> None:
    """The snapshot of the base and dependency layers is hard-linked into each root; the
    app layer replacing or deleting one of those files must not reach the snapshot."""
    from functools import partial

    from lw.core.images.extract import LayerSource, _local_blob, unpack_layers

    blobs = {}
    contents = {
        "base": [("var/runtime/bootstrap", b"boot"), ("var/task/dep.py", b"dep = 1")],
        "app1": [("var/task/dep.py", b"shadowed"), ("var/task/.wh.gone.txt", b"")],
        "app2": [("var/task/app.py", b"v2")],
    }
    for name, entries in contents.items():
        path = tmp_path / f"{name}.tar.gz"
        path.write_bytes(_layer(*entries).getvalue())
        blobs[name] = LayerSource(f"sha256:{name:0>64}", partial(_local_blob, path))
    cache = tmp_path / "cache"
    cache.mkdir()
    unpack_layers([blobs["base"], blobs["app1"]], tmp_path / "one", label="t", cache_dir=cache)
    assert (tmp_path / "one/var/task/dep.py").read_bytes() == b"shadowed"
    unpack_layers([blobs["base"], blobs["app2"]], tmp_path / "two", label="t", cache_dir=cache)
    assert (tmp_path / "two/var/task/dep.py").read_bytes() == b"dep = 1"
    assert (tmp_path / "two/var/task/app.py").read_bytes() == b"v2"
    assert len(list(cache.glob("root-*"))) == 1


@pytest.mark.parametrize("layers", [["sha256:" + "a" * 64], [{"digest": "../../manifests/x"}], [{"size": 1}], "x"])
def test_a_manifest_whose_layers_are_not_digests_is_a_provider_error(
    layers: object, monkeypatch, tmp_path: Path
) -> None:
    import json

    from lw.core.context import Reporter
    from lw.core.errors import ProviderError
    from lw.core.images import extract
    from lw.core.images.registry import Manifest

    body = json.dumps({"mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": layers}).encode()
    manifest = Manifest(body, "application/vnd.oci.image.manifest.v1+json", "sha256:" + "0" * 64)
    monkeypatch.setattr(extract, "_manifest_for", lambda *args: manifest)
    with pytest.raises(ProviderError, match="layer"):
        extract.unpack_image("registry.example.com/team/app:1", tmp_path / "root", Reporter())
