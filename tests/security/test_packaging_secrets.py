"""Planted secrets and symlinks: what a careless or hostile project folder holds must
never reach a package (AWS or OpenWhisk zip), and the build says what it left out."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lw.core.errors import PackagingError
from lw.core.packaging.content_scan import MAX_SCAN_BYTES, secret_content
from lw.core.packaging.sources import collect_sources

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example, 40 characters
OW_AUTH = "dev:\n  openwhisk:\n    auth: 23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP\n"


def write(root: Path, rel: str, text: str = "x = 1\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A credentials file of the building machine, outside the project."""
    secret = tmp_path / "home" / ".aws" / "credentials"
    secret.parent.mkdir(parents=True)
    secret.write_text(f"[default]\naws_secret_access_key = {AWS_SECRET}\n")
    return secret


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(root, "app.py", "def app(environ, start_response):\n    return []\n")
    return root


# ------------------------------------------------------------------ symlinks


def test_links_out_of_the_project_are_never_followed(project: Path, outside: Path) -> None:
    (project / "config.txt").symlink_to(outside)  # innocently named
    (project / "x").symlink_to("/etc/passwd")
    (project / "y").symlink_to("../../../../../../../../../etc/shadow")
    (project / "home").symlink_to(outside.parent, target_is_directory=True)
    result = collect_sources(project)
    assert set(result.files) == {"app.py"}
    assert sorted(result.skipped_links) == [
        f"config.txt -> {outside}",
        f"home -> {outside.parent}",
        "x -> /etc/passwd",
        "y -> ../../../../../../../../../etc/shadow",
    ]


def test_a_link_to_the_root_folder_does_not_walk_the_machine(project: Path) -> None:
    (project / "everything").symlink_to("/", target_is_directory=True)
    result = collect_sources(project)
    assert set(result.files) == {"app.py"} and result.skipped_links == ["everything -> /"]


def test_a_chain_of_links_that_ends_outside_is_outside(project: Path, outside: Path) -> None:
    (project / "hop").symlink_to(outside)
    (project / "innocent.py").symlink_to(project / "hop")
    assert set(collect_sources(project).files) == {"app.py"}


def test_including_a_link_out_of_the_project_is_an_error_saying_why(project: Path, outside: Path) -> None:
    (project / "creds.ini").symlink_to(outside)
    with pytest.raises(PackagingError, match=r"creds.ini: listed in include, but it is a symbolic link to .*outside"):
        collect_sources(project, include=["creds.ini"])


def test_links_inside_the_project_are_followed_once(project: Path) -> None:
    write(project, "pkg/mod.py")
    (project / "pkg" / "loop").symlink_to(project / "pkg", target_is_directory=True)
    (project / "alias").symlink_to(project / "pkg", target_is_directory=True)
    (project / "same.py").symlink_to(project / "app.py")
    (project / "a").mkdir()
    (project / "b").mkdir()
    (project / "a" / "to_b").symlink_to(project / "b", target_is_directory=True)
    (project / "b" / "to_a").symlink_to(project / "a", target_is_directory=True)
    files = set(collect_sources(project).files)
    assert files == {"app.py", "same.py", "pkg/mod.py", "alias/mod.py"}


def test_a_link_inside_the_project_to_a_secret_is_a_secret(project: Path) -> None:
    write(project, ".env", "SECRET=1\n")
    write(project, "keys/.aws/credentials", "[default]\n")
    (project / "settings.txt").symlink_to(project / ".env")
    (project / "conf").symlink_to(project / "keys" / ".aws", target_is_directory=True)
    result = collect_sources(project)
    assert set(result.files) == {"app.py"}
    assert {".env", "settings.txt", "conf/", "keys/.aws/"} <= set(result.skipped_secrets)


# ------------------------------------------------------------------ config copies and secret files


@pytest.mark.parametrize(
    "rel",
    [
        "sub/lw.yml",
        "lw.prod.yml",
        "lw.yml.bak",
        "conf/lw.yaml",
        "deploy/lw.json",
        "lw.yml~",
        "lw.yml.orig",
        "lw-old.yaml",
        ".#lw.yml",
        "#lw.yml#",
        "_netrc",
        "secrets.yml",
        "secrets.yaml",
        "config/secrets.yml",
    ],
)
def test_config_copies_and_secret_files_are_left_out(project: Path, rel: str) -> None:
    write(project, rel, OW_AUTH)
    result = collect_sources(project)
    assert set(result.files) == {"app.py"}
    assert rel in result.skipped_secrets


@pytest.mark.parametrize(
    ("rel", "text", "reason"),
    [
        ("firebase-adminsdk.json", '{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE\\n"}', "private key"),
        ("server.crt", "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n" + PEM, "private key"),
        ("deploy/key.txt", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n", "private key"),
        ("enc.txt", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nb3Bl\n", "private key"),
        ("ec.txt", "-----BEGIN EC PRIVATE KEY-----\nb3Bl\n", "private key"),
        ("settings_local.py", f'AWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"\n', "AWS secret access key"),
        ("config.ini", f"aws_secret_access_key={AWS_SECRET}\n", "AWS secret access key"),
        ("conf.json", f'{{"SecretAccessKey": "{AWS_SECRET}"}}', "AWS secret access key"),
        ("env.yml", f"aws_secret_key: '{AWS_SECRET}'\n", "AWS secret access key"),
    ],
)
def test_files_holding_keys_are_refused_whatever_their_name(project: Path, rel: str, text: str, reason: str) -> None:
    write(project, rel, text)
    result = collect_sources(project)
    assert set(result.files) == {"app.py"}
    assert any(s.startswith(rel) and reason in s for s in result.skipped_secrets), result.skipped_secrets


def test_include_ships_a_scanned_file_on_purpose(project: Path) -> None:
    write(project, "certs/test-key.txt", PEM)
    assert "certs/test-key.txt" in collect_sources(project, include=["certs/test-key.txt"]).files


@pytest.mark.parametrize(
    "text",
    [
        "public = '-----BEGIN PUBLIC KEY-----'\n",
        "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n",
        "aws_secret_access_key = os.environ['AWS_SECRET_ACCESS_KEY']\n",
        f"checksum = '{AWS_SECRET}'\n",  # 40 characters, but not named as a secret key
        "PRIVATE KEY docs: write -----BEGIN and then ...\n",
    ],
)
def test_ordinary_files_are_kept(project: Path, text: str) -> None:
    write(project, "mod.py", text)
    assert "mod.py" in collect_sources(project).files


def test_the_scan_skips_large_and_binary_files(tmp_path: Path) -> None:
    big = write(tmp_path, "big.txt", PEM + "x" * MAX_SCAN_BYTES)
    binary = tmp_path / "blob.dat"
    binary.write_bytes(b"\0" + PEM.encode())
    image = write(tmp_path, "logo.png", PEM)
    assert secret_content(str(big)) is None
    assert secret_content(str(binary)) is None
    assert secret_content(str(image)) is None


# ------------------------------------------------------------------ the real CLI, both providers


@pytest.mark.parametrize("provider", ["aws", "openwhisk"])
def test_package_holds_none_of_the_planted_secrets(project: Path, outside: Path, tmp_path: Path, provider: str) -> None:
    (project / "requirements.txt").write_text("")
    (project / "lw.yml").write_text("dev:\n  app_function: app.app\n")
    write(project, "sub/lw.yml", OW_AUTH)
    write(project, "lw.prod.yml", OW_AUTH)
    write(project, "lw.yml.bak", OW_AUTH)
    write(project, "server.crt", PEM)
    write(project, "_netrc", "machine x password y\n")
    (project / "passwd").symlink_to("/etc/passwd")
    (project / "credentials.txt").symlink_to(outside)
    (project / "slash").symlink_to("/", target_is_directory=True)
    out = tmp_path / f"{provider}.zip"
    env = {**os.environ, "LW_CACHE_DIR": str(tmp_path / "cache"), "CI": "1"}
    env.pop("LW_PROVIDER", None)
    done = subprocess.run(
        [sys.executable, "-m", "lw", "package", "--provider", provider, "-o", str(out)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        contents = b"".join(archive.read(n) for n in names if not n.startswith("lw/"))
    assert not {"sub/lw.yml", "lw.prod.yml", "lw.yml.bak", "server.crt", "_netrc", "passwd", "credentials.txt"} & names
    assert not any(n.startswith("slash/") for n in names)
    assert b"PRIVATE KEY" not in contents and AWS_SECRET.encode() not in contents and b"root:x:0:0" not in contents
    assert b"123zO3xZCLrMN6v2" not in contents
    for line in (
        "not packaged (a symbolic link to outside the project): passwd -> /etc/passwd",
        "not packaged (a symbolic link to outside the project): slash -> /",
        "server.crt (holds a private key)",
        "sub/lw.yml",
        "lw.prod.yml",
        "lw.yml.bak",
        "_netrc",
    ):
        assert line in done.stderr, done.stderr


def test_scan_verdicts_survive_between_builds_and_expire_on_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lw.core.packaging import content_scan

    key = write(tmp_path / "project", "key.txt", PEM)
    record = tmp_path / "work" / "secret-scan.json"
    assert secret_content(str(key)) == "holds a private key"
    content_scan.save_cache(record, tmp_path / "project")
    monkeypatch.setattr(content_scan, "_CACHE", {})
    content_scan.load_cache(record)
    monkeypatch.setattr(content_scan.os, "open", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    assert secret_content(str(key)) == "holds a private key"  # from the record, no read
    monkeypatch.undo()
    key.write_text(PEM + "more\n")  # changed: scanned again
    assert secret_content(str(key)) == "holds a private key"
    record.write_text("not json")
    content_scan.load_cache(record)  # a damaged record is only a cache miss
