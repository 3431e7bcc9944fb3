"""``package_type: image`` on OpenWhisk: a blackbox action on the pushed image, against
the fake controller, which validates blackbox ``exec`` as the controller does."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from fake_openwhisk import FakeOpenWhisk
from ow_helpers import GUEST_AUTH, make_app, make_ctx

from lw.core.errors import ConfigError
from lw.core.images import ImageSpec, PreparedImage, PushedImage
from lw.core.images.artifact import image_artifact
from lw.core.plan import Plan, apply_plan
from lw.providers.openwhisk import image, plugin

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "core" / "images"))
from images_helpers import prepared_image, pushed_as  # noqa: E402
from registry_server import Registry, seed_lambda_base, start_registry, stop_registry  # noqa: E402

REGISTRY = "registry.example.com:5000"


def artifact_for(body: str) -> Any:
    spec = ImageSpec(registry=REGISTRY, repository="team/shop-dev", base_image=None, task_root=image.TASK_ROOT)
    return image_artifact(prepared_image(spec, body), "main", Path("unused"))


@pytest.fixture
def pushes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import lw.core.images

    pushed: list[str] = []

    def push(prepared: PreparedImage, credentials: Any, reporter: Any, **_: Any) -> PushedImage:
        pushed.append(f"{prepared.spec.repository}:{prepared.spec.tag}")
        return pushed_as(prepared)

    monkeypatch.setattr(lw.core.images, "push_image", push)
    return pushed


def deploy(ctx: Any, artifact: Any) -> Plan:
    plan = Plan()
    plan.extend(plugin.lw_deploy(ctx=ctx, artifact=artifact))
    apply_plan(plan)
    return plan


def test_image_deploys_as_a_blackbox_web_action_and_redeploys_with_no_write(
    fake: FakeOpenWhisk, project: Path, pushes: list[str]
) -> None:
    app = make_app(project, fake, block={"image_registry": f"{REGISTRY}/team", "package_type": "image"})
    artifact = artifact_for("v1")
    deploy(make_ctx(app), artifact)
    tag = image.image_tag(artifact.image.digest)
    assert pushes == [f"team/shop-dev:{tag}"]
    action = fake.actions[("shop-dev", "app")]
    assert action["exec"]["kind"] == "blackbox"
    assert action["exec"]["image"] == f"{REGISTRY}/team/shop-dev:{tag}"  # by tag: the controller drops digests
    shim = zipfile.ZipFile(io.BytesIO(base64.b64decode(action["exec"]["code"])))
    assert shim.namelist() == ["__main__.py"] and b"/lw/__main__.py" in shim.read("__main__.py")
    assert {a["key"]: a["value"] for a in action["annotations"]}["web-export"] is True
    facts = plugin.lw_status(ctx=make_ctx(app)).facts
    assert facts["package_type"] == "image" and facts["image"] == action["exec"]["image"]
    fake.reset_log()
    plan = deploy(make_ctx(app), artifact_for("v1"))
    assert plan.is_noop and fake.writes() == [] and len(pushes) == 1
    deploy(make_ctx(app), artifact_for("v2"))
    assert len(pushes) == 2


def test_image_mode_needs_image_registry(project: Path, tmp_path: Path) -> None:
    from lw.core.artifact import Build

    app = make_app(project, None, block={"package_type": "image"})
    build = Build(root=tmp_path, app_files=0, dependency_files=0)
    with pytest.raises(ConfigError, match="openwhisk.image_registry"):
        plugin.lw_package(ctx=make_ctx(app), build=build)


@pytest.mark.parametrize(
    ("exec_", "status", "message"),
    [
        ({"kind": "blackbox"}, 400, "'image' must be a string"),
        ({"kind": "blackbox", "image": "Upper/Case"}, 400, "could not parse image name"),
        ({"kind": "blackbox", "image": "repo:tag with space"}, 400, "could not parse image name"),
        ({"kind": "blackbox", "image": "ok/img", "code": "A" * (48 * 1024 * 1024)}, 413, "exec larger than allowed"),
    ],
)
def test_fake_controller_refuses_blackbox_exec_as_the_controller_does(
    fake: FakeOpenWhisk, exec_: dict[str, Any], status: int, message: str
) -> None:
    answer = requests.put(
        f"{fake.url}/api/v1/namespaces/guest/actions/bad",
        json={"exec": exec_},
        auth=tuple(GUEST_AUTH.split(":", 1)),
        timeout=30,
    )
    assert answer.status_code == status and message in answer.text
    fake.violations.clear()


def test_fake_controller_keeps_a_valid_blackbox_image_by_name(fake: FakeOpenWhisk) -> None:
    answer = requests.put(
        f"{fake.url}/api/v1/namespaces/guest/actions/good",
        json={"exec": {"kind": "blackbox", "image": f"{REGISTRY}/team/app:lw-1@sha256:{'a' * 64}"}},
        auth=tuple(GUEST_AUTH.split(":", 1)),
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert fake.actions[("", "good")]["exec"]["image"] == f"{REGISTRY}/team/app:lw-1"


# ---------------------------------------------------------------------- a real registry


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    from lw.core.images.registry import RegistryClient

    server = start_registry(tmp_path_factory.mktemp("registry"))
    # a stand-in for the ActionLoop runtime image (no network here): any base will do
    seed_lambda_base(
        RegistryClient(server.host), "openwhisk/action-python-v3.11", "nightly", tmp_path_factory.mktemp("b")
    )
    yield server
    stop_registry(server)


RUN = """
import json, runpy, sys
root = sys.argv[1]
sys.path.insert(0, root)
main = runpy.run_path(root + "/__main__.py")["main"]
print(json.dumps(main({"__ow_method": "get", "__ow_path": "/form", "__ow_headers": {}, "__ow_query": "",
                       "__ow_body": ""})))
"""


@pytest.mark.slow
@pytest.mark.subprocess
def test_image_app_on_the_fake_and_a_real_registry(
    fake: FakeOpenWhisk, project: Path, tmp_path: Path, registry: Registry
) -> None:
    from ow_helpers import deploy_app

    from lw.core.context import Reporter
    from lw.core.images import unpack_image
    from lw.core.images.registry import RegistryClient

    block = {
        "image_registry": f"{registry.host}/team",
        "package_type": "image",
        "base_image": f"{registry.host}/openwhisk/action-python-v3.11:nightly",
    }
    deploy_app(make_app(project, fake, block=block), tmp_path / "one")
    client = RegistryClient(registry.host)
    action = fake.actions[("shop-dev", "app")]
    reference = action["exec"]["image"]
    assert reference.startswith(f"{registry.host}/team/shop-dev:lw-")
    assert client.tags("team/shop-dev") == [reference.rpartition(":")[2]]

    # what the invoker would pull: the base, then lw's runtime, entry and app under /lw
    root = tmp_path / "rootfs"
    unpack_image(reference, root, Reporter())
    assert (root / "var" / "runtime" / "bootstrap").is_file() and (root / "lw" / "__main__.py").is_file()
    ran = subprocess.run([sys.executable, "-c", RUN, str(root / "lw")], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout.strip().splitlines()[-1])["statusCode"] == 200

    # served through the fake: the controller runs the blackbox action from its image
    answer = requests.get(f"{fake.url}/api/v1/web/guest/shop-dev/app/hello?x=1", timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["path"] == "/hello" and answer.json()["query"] == "x=1"

    # a code-only change: the app layer, the config and the manifest
    before = registry.blob_sizes()
    (project / "wsgi_app.py").write_text((project / "wsgi_app.py").read_text() + "\nVERSION = 2\n")
    deploy_app(make_app(project, fake, block={**block, "keep_releases": 1}), tmp_path / "two")
    new = {k: v for k, v in registry.blob_sizes().items() if k not in before}
    assert 1 <= len(new) <= 3 and sum(new.values()) < 1_000_000, new
    second = fake.actions[("shop-dev", "app")]["exec"]["image"]
    assert second != reference
    # keep_releases: 1 pruned the first release, and its image with it
    assert client.tags("team/shop-dev") == [second.rpartition(":")[2]]
    assert requests.get(f"{fake.url}/api/v1/web/guest/shop-dev/app/", timeout=60).status_code == 200

    # an image someone else pushed to the stage's repository, tagged like lw's but
    # without this stage's labels: undeploy keeps it
    from images_helpers import make_build

    from lw.core.images import RegistryCredentials, prepare_image, push_image

    spec = ImageSpec(registry.host, "team/shop-dev", block["base_image"], tag="lw-not-ours")
    push_image(prepare_image(make_build(tmp_path / "theirs"), [], spec, Reporter()), RegistryCredentials(), Reporter())

    plan = Plan(changes=list(plugin.lw_undeploy(ctx=make_ctx(make_app(project, fake, block=block)), keep_logs=False)))
    apply_plan(plan)
    assert client.tags("team/shop-dev") == ["lw-not-ours"]


def test_the_default_base_is_the_runtime_image_the_cluster_names(fake: FakeOpenWhisk, project: Path) -> None:
    app = make_app(project, fake, block={"image_registry": REGISTRY, "package_type": "image"}, runtime="python3.11")
    assert image.runtime_image(make_ctx(app)) == "docker.io/openwhisk/action-python-v3.11:nightly"
