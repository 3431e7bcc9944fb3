"""``package_type: image`` on the local provider: the image's /var/task (layers unpacked
into a root folder) served by the real Lambda runtime client, pushed to and pulled back
from a real registry (docker-registry on 127.0.0.1) when ``image_registry`` is set."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from localrun import http, supervisor_pids

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "core" / "images"))
from registry_server import Registry, seed_lambda_base, start_registry, stop_registry  # noqa: E402

APP = """
import json, os

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    here = os.path.dirname(os.path.abspath(__file__))
    return [json.dumps({"message": "MESSAGE", "task_root": here}).encode()]
"""


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    from lw.core.images.registry import RegistryClient

    server = start_registry(tmp_path_factory.mktemp("registry"))
    seed_lambda_base(RegistryClient(server.host), "lambda/python", "3.11", tmp_path_factory.mktemp("base"))
    yield server
    stop_registry(server)


def make_project(root: Path, extra: str, message: str = "v1") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(APP.replace("MESSAGE", message))
    (root / "requirements.txt").write_text("")
    (root / "lw.yml").write_text(f"dev:\n  project_name: imgapp\n  app_function: app.app\n{extra}")
    return root


@pytest.mark.slow
@pytest.mark.subprocess
def test_image_pushed_pulled_and_served_then_code_only_swap(tmp_path: Path, deployment_of, registry: Registry) -> None:
    extra = (
        "  package_type: image\n"
        f"  image_registry: {registry.host}/team\n"
        f"  base_image: {registry.host}/lambda/python:3.11\n"
    )
    project = make_project(tmp_path / "img", extra)
    deployment = deployment_of(project)
    first = deployment.deploy()
    assert first.returncode == 0, first.stderr
    answer = http(deployment.url + "/").json()
    assert answer["message"] == "v1"
    root = Path(answer["task_root"]).parent.parent  # <package>/var/task -> <package>
    assert (root / "var" / "runtime" / "bootstrap").is_file()  # the base's layer, pulled from the registry
    assert "1 mounted" in first.stdout + first.stderr  # the base layer was never uploaded

    from lw.core.images.registry import RegistryClient

    client = RegistryClient(registry.host)
    first_tags = client.tags("team/imgapp-dev")
    assert "latest" in first_tags and len(first_tags) == 2  # latest + lw-<digest>
    assert client.manifest_digest("team/imgapp-dev", "latest") == "sha256:" + deployment.state()["package_sha256"]

    make_project(project, extra, message="v2")
    second = deployment.deploy()
    assert second.returncode == 0, second.stderr
    assert "1 layer(s) uploaded, 0 mounted, 1 already there" in second.stdout + second.stderr
    assert http(deployment.url + "/").json()["message"] == "v2"
    # The previous unpacked root goes once its workers have drained, in the background.
    deadline = time.monotonic() + 10
    while root.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not root.exists()

    # A package that fails to start is refused; its whole unpacked root goes with it (not
    # only its /var/task), so the next deploy of the same package unpacks it afresh.
    serving = sorted(root.parent.iterdir())
    (project / "app.py").write_text("raise RuntimeError('broken at import')\n")
    broken = deployment.deploy()
    assert broken.returncode != 0
    assert http(deployment.url + "/").json()["message"] == "v2"
    assert sorted(root.parent.iterdir()) == serving

    gone = deployment.lw("undeploy")
    assert gone.returncode == 0, gone.stderr
    assert supervisor_pids(project) == []
    assert client.tags("team/imgapp-dev") == []  # both images this stage pushed are gone
    assert client.tags("lambda/python")  # the base is not the stage's: kept


def test_a_package_over_lambdas_limit_becomes_an_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The switch itself (the real 250 MB limit is covered in tests/core/images with a
    sparse file; compressing 250 MB here would cost seconds)."""
    from lw.cli import main
    from lw.providers.local import image

    project = make_project(tmp_path / "big", "")
    (project / "data.bin").write_bytes(b"\0" * 200_000)
    monkeypatch.setattr(image, "LAMBDA_UNPACKED_LIMIT", 100_000)
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["package", "--provider", "local"])
    assert result.exit_code == 0, result.output
    assert "over AWS Lambda's 0 MB: deploying it as a container image instead" in result.stderr
    assert result.stdout.startswith("image local/imgapp-dev@sha256:")
    result = CliRunner().invoke(main, ["package", "--provider", "local", "--json"])
    assert json.loads(result.stdout)["package_type"] == "image"

    (project / "lw.yml").write_text((project / "lw.yml").read_text() + "  package_type: zip\n")
    result = CliRunner().invoke(main, ["package", "--provider", "local", "--json"])
    assert result.exit_code == 0, result.output
    assert "package_type" not in json.loads(result.stdout)
