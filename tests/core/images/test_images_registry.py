"""The image engine against a real registry (Debian's docker-registry on 127.0.0.1),
checked with an independent client (skopeo) and run under the real Lambda runtime
client: what ``publish_image`` pushes is an image other tools read and Lambda could run."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from images_helpers import answer_from_unpacked, extras, make_build
from lw.core.context import Reporter
from lw.core.errors import PackagingError, ProviderError
from lw.core.images import ImageSpec, RegistryCredentials, prepare_image, publish_image
from lw.core.images.registry import RegistryClient
from registry_server import Registry, seed_lambda_base, start_registry, stop_registry

BASE_REPO = "lambda/python"


def skopeo(*args: str) -> str:
    if not shutil.which("skopeo"):
        pytest.skip("skopeo is not installed (apt-get install skopeo; .ci/run installs it)")
    done = subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def base(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    client = RegistryClient(registry.host)
    work = tmp_path_factory.mktemp("base")
    digests = seed_lambda_base(client, BASE_REPO, "3.11", work, filler=300_000)
    digests.update({f"oci-{k}": v for k, v in seed_lambda_base(client, BASE_REPO, "oci", work, oci=True).items()})
    return digests


def spec_for(registry: Registry, repository: str = "demo-dev", **extra: object) -> ImageSpec:
    options: dict[str, object] = {
        "registry": registry.host,
        "repository": repository,
        "base_image": f"{registry.host}/{BASE_REPO}:3.11",
        "cmd": ("lw_handler.handler",),
        **extra,
    }
    return ImageSpec(**options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def first_push(registry: Registry, base: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("project")
    build = make_build(root)
    pushed = publish_image(build, extras(root), spec_for(registry), RegistryCredentials.anonymous(), Reporter())
    return root, build, pushed


def test_first_push_mounts_the_base_and_uploads_only_lws_layers(
    registry: Registry, base: dict[str, str], first_push
) -> None:
    _root, _build, pushed = first_push
    assert pushed.base_bytes_uploaded == 0
    assert len(pushed.layers_mounted) == 1  # the base layer, linked from lambda/python
    assert len(pushed.layers_uploaded) == 2  # dependencies, app
    assert pushed.uri == f"{registry.host}/demo-dev@{pushed.digest}"
    assert pushed.bytes_uploaded < 300_000  # the base's 300 kB filler never travelled


def test_skopeo_reads_the_pushed_image(registry: Registry, base: dict[str, str], first_push) -> None:
    _root, _build, pushed = first_push
    raw = skopeo("inspect", "--tls-verify=false", "--raw", f"docker://{pushed.uri}")
    manifest = json.loads(raw)
    assert manifest["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"  # the base's family
    assert [layer["digest"] for layer in manifest["layers"]] == list(pushed.layer_digests)
    config = json.loads(
        skopeo("inspect", "--tls-verify=false", "--config", f"docker://{registry.host}/demo-dev:latest")
    )
    assert config["architecture"] == "amd64"
    assert "LAMBDA_TASK_ROOT=/var/task" in config["config"]["Env"]
    assert config["config"]["Entrypoint"] == ["/lambda-entrypoint.sh"]
    assert config["config"]["Cmd"] == ["lw_handler.handler"]
    assert config["config"]["WorkingDir"] == "/var/task"
    assert len(config["rootfs"]["diff_ids"]) == 3


def test_the_unpacked_image_answers_an_http_event_under_awslambdaric(
    registry: Registry, first_push, tmp_path: Path
) -> None:
    """skopeo copies the image out, tar unpacks it (no lw code on this side), and the
    real runtime client runs /var/task."""
    _root, _build, pushed = first_push
    skopeo("copy", "--src-tls-verify=false", f"docker://{pushed.uri}", f"dir:{tmp_path / 'copy'}")
    manifest = json.loads((tmp_path / "copy" / "manifest.json").read_text())
    rootfs = tmp_path / "rootfs"
    rootfs.mkdir()
    for layer in manifest["layers"]:
        with tarfile.open(tmp_path / "copy" / layer["digest"].removeprefix("sha256:")) as tar:
            tar.extractall(rootfs, filter="data")
    assert (rootfs / "var/runtime/bootstrap").is_file()
    assert (rootfs / "var/task/lw_handler.py").is_file()
    assert (rootfs / "var/task/tinydep/__init__.py").is_file()
    assert (rootfs / "var/task/lw/runtime/__pycache__").is_dir()  # bytecode, as in the zip

    answer = answer_from_unpacked(rootfs, tmp_path / "runtime", "/hello", function_name="demo-dev", region="eu-west-1")
    assert json.loads(answer["body"]) == {"message": "v1", "dep": "1.0", "path": "/hello"}


def test_an_unchanged_redeploy_sends_nothing(registry: Registry, first_push) -> None:
    root, build, pushed = first_push
    again = publish_image(build, extras(root), spec_for(registry), RegistryCredentials.anonymous(), Reporter())
    assert again.digest == pushed.digest
    assert again.bytes_uploaded == 0
    assert not again.manifest_pushed and not again.layers_uploaded


def test_a_code_only_redeploy_pushes_the_app_layer_and_manifest(registry: Registry, first_push) -> None:
    root, _build, pushed = first_push
    deps_blob = next((root / "package").parent.glob("image/layers/deps-*.tar.gz"))
    built_at = deps_blob.stat().st_mtime_ns
    changed = make_build(root, message="v2")
    again = publish_image(changed, extras(root), spec_for(registry), RegistryCredentials.anonymous(), Reporter())
    assert again.digest != pushed.digest
    assert again.layer_digests[:2] == pushed.layer_digests[:2]  # base and dependencies: same blobs
    assert again.layers_uploaded == (again.layer_digests[2],)  # the app layer only
    assert again.bytes_uploaded < 1024 * 1024
    assert deps_blob.stat().st_mtime_ns == built_at  # the dependencies layer was not rebuilt


def test_the_same_inputs_give_the_same_digests(registry: Registry, base: dict[str, str], tmp_path: Path) -> None:
    one = prepare_image(make_build(tmp_path / "a"), extras(tmp_path), spec_for(registry), Reporter())
    build = make_build(tmp_path / "b")
    (build.root / "app.py").touch()
    (build.root / "app.py").chmod(0o600)
    two = prepare_image(build, extras(tmp_path), spec_for(registry), Reporter())
    assert one.digest == two.digest and one.layer_digests == two.layer_digests


def test_arm64_is_picked_from_the_manifest_list(registry: Registry, base: dict[str, str], tmp_path: Path) -> None:
    prepared = prepare_image(
        make_build(tmp_path), extras(tmp_path), spec_for(registry, platform="linux/arm64"), Reporter()
    )
    config = json.loads(prepared.config)
    assert config["architecture"] == "arm64"
    client = RegistryClient(registry.host)
    arm = json.loads(client.get_manifest(BASE_REPO, base["arm64"]).body)
    assert prepared.layer_digests[0] == arm["layers"][0]["digest"]


def test_an_oci_base_gives_an_oci_image(registry: Registry, base: dict[str, str], tmp_path: Path) -> None:
    spec = spec_for(registry, "demo-oci", base_image=f"{registry.host}/{BASE_REPO}:oci")
    pushed = publish_image(make_build(tmp_path), extras(tmp_path), spec, RegistryCredentials.anonymous(), Reporter())
    raw = json.loads(skopeo("inspect", "--tls-verify=false", "--raw", f"docker://{pushed.uri}"))
    assert raw["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert {layer["mediaType"] for layer in raw["layers"]} == {"application/vnd.oci.image.layer.v1.tar+gzip"}


def test_a_platform_the_base_lacks_is_one_clear_error(registry: Registry, base: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match=r"has no linux/s390x image \(it offers linux/amd64, linux/arm64\)"):
        prepare_image(make_build(tmp_path), extras(tmp_path), spec_for(registry, platform="linux/s390x"), Reporter())


@pytest.fixture(scope="module")
def private_registry(tmp_path_factory: pytest.TempPathFactory):
    server = start_registry(tmp_path_factory.mktemp("private"), htpasswd=("lw", "s3cret"))
    yield server
    stop_registry(server)


def test_a_base_on_another_registry_is_streamed_across_then_mounted(
    registry: Registry, base: dict[str, str], private_registry: Registry, tmp_path: Path
) -> None:
    """Basic auth (as ECR's token gives), base layers copied registry to registry once;
    another stage's repository then mounts them instead of copying again."""
    creds = RegistryCredentials("lw", "s3cret")
    spec = ImageSpec(
        registry=private_registry.host,
        repository="team/demo-dev",
        base_image=f"{registry.host}/{BASE_REPO}:3.11",
        cmd=("lw_handler.handler",),
    )
    build = make_build(tmp_path)
    first = publish_image(build, extras(tmp_path), spec, creds, Reporter())
    assert first.base_bytes_uploaded > 300_000  # streamed from the base registry
    second = publish_image(
        build,
        extras(tmp_path),
        ImageSpec(**{**spec.__dict__, "repository": "team/demo-prod", "mount_from": ("team/demo-dev",)}),
        creds,
        Reporter(),
    )
    assert second.base_bytes_uploaded == 0 and second.bytes_uploaded < 4096
    assert len(second.layers_mounted) == 3


def test_wrong_credentials_are_one_line(private_registry: Registry, tmp_path: Path) -> None:
    client = RegistryClient(private_registry.host, RegistryCredentials("lw", "wrong"))
    with pytest.raises(ProviderError) as caught:
        client.tags("team/demo-dev")
    assert "not authorized (401)" in str(caught.value) and "\n" not in str(caught.value)
    assert "wrong" not in str(caught.value)
