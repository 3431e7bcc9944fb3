"""An image app deployed by the real CLI to moto + a real registry standing in for ECR's
data plane (Debian's docker-registry on 127.0.0.1, seeded with a synthetic Lambda base):
the image is assembled and pushed by lw's engine, Lambda (the strict layer) checks it
exists, a code-only redeploy pushes only the app layer and the manifest, an unchanged
one writes nothing, and undeploy leaves no repository and no image."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
import yaml
from cli_helpers import lw_run

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "core" / "images"))
from registry_server import Registry, seed_lambda_base, start_registry, stop_registry  # noqa: E402

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"MESSAGE"]
"""
REPO = "imgapp-dev"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    from lw.core.images.registry import RegistryClient

    server = start_registry(tmp_path_factory.mktemp("registry"))
    seed_lambda_base(RegistryClient(server.host), "lambda/python", "3.11", tmp_path_factory.mktemp("base"))
    yield server
    stop_registry(server)


def write_project(root: Path, registry: Registry, message: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(APP.replace("MESSAGE", message))
    (root / "requirements.txt").write_text("")
    (root / "lw.yml").write_text(
        "dev:\n  project_name: imgapp\n  app_function: app.app\n  apigateway: false\n  keep_warm: false\n"
        f"  package_type: image\n  base_image: {registry.host}/lambda/python:3.11\n"
    )
    return root


def answers_under_awslambdaric(reference: str, work: Path) -> bytes:
    """The pushed image unpacked and its /var/task run by the real runtime client
    (lw's local worker pool), as Lambda runs the image's command: the HTTP answer body."""
    from images_helpers import answer_from_unpacked

    from lw.core.context import Reporter
    from lw.core.images import unpack_image

    rootfs = work / "rootfs"
    unpack_image(reference, rootfs, Reporter())
    assert (rootfs / "var/runtime/bootstrap").is_file() and (rootfs / "var/task/lw_handler.py").is_file()
    answer = answer_from_unpacked(rootfs, work / "runtime", "/", function_name=REPO, region="us-east-1")
    body = answer["body"]
    return base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()


def writes(strict: Any) -> list[tuple[str, str, str]]:
    return [e for e in strict.journal if not e[1].startswith(("Get", "List", "Describe", "Head"))]


def test_image_app_deploys_to_moto_and_a_real_registry(tmp_path: Path, strict_aws: Any, registry: Registry) -> None:
    from lw.core.images.registry import RegistryClient
    from lw.providers.aws import ecr

    strict_aws.serve_ecr_from(f"http://{registry.host}")
    project = write_project(tmp_path / "p", registry, "v1")
    first = lw_run(project, "deploy")
    assert first.exit_code == 0, first.stderr + first.stdout
    client = RegistryClient(registry.host)
    lam = boto3.client("lambda", region_name="us-east-1")
    function = lam.get_function(FunctionName=REPO)
    uri = function["Code"]["ImageUri"]
    assert uri.startswith(f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{REPO}@sha256:")
    digest = uri.rpartition("@")[2]
    assert client.manifest_digest(REPO, digest) == digest  # the pinned image is in the registry
    assert client.tags(REPO) == [ecr.image_tag(digest)]
    manifest = json.loads(client.get_manifest(REPO, digest).body)
    assert len(manifest["layers"]) >= 2  # the base's layer, then lw's
    assert answers_under_awslambdaric(f"{registry.host}/{REPO}@{digest}", tmp_path / "run") == b"v1"

    # code-only redeploy: the app layer, the config and the manifest; nothing of the base
    before = registry.blob_sizes()
    write_project(project, registry, "v2")
    second = lw_run(project, "deploy")
    assert second.exit_code == 0, second.stderr + second.stdout
    new = {k: v for k, v in registry.blob_sizes().items() if k not in before}
    assert 1 <= len(new) <= 3 and sum(new.values()) < 1_000_000, new
    live = lam.get_function_configuration(FunctionName=REPO, Qualifier="live")
    assert live["Version"] == "2" and f"sha256:{live['CodeSha256']}" != digest

    # unchanged: no AWS write, nothing pushed
    strict_aws.journal.clear()
    before = registry.blob_sizes()
    third = lw_run(project, "deploy")
    assert third.exit_code == 0, third.stderr + third.stdout
    assert writes(strict_aws) == [] and registry.blob_sizes() == before

    status = json.loads(lw_run(project, "status", "--json").stdout)
    facts = status.get("facts", status)
    assert facts["package_type"] == "Image" and facts["image_digest"] == f"sha256:{live['CodeSha256']}"

    # lw template exports the image function (and lints clean)
    out = tmp_path / "template.yaml"
    exported = lw_run(project, "template", "-o", str(out))
    assert exported.exit_code == 0, exported.stderr + exported.stdout
    template = yaml.safe_load(out.read_text())
    function = next(r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    assert function["PackageType"] == "Image" and function["Code"] == {
        "ImageUri": uri.rpartition("@")[0] + "@" + f"sha256:{live['CodeSha256']}"
    }
    assert not {"Runtime", "Handler", "Layers"} & set(function)
    from cfnlint.api import lint

    problems = [str(m) for m in lint(json.dumps(template), regions=["us-east-1"]) if m.rule.id[0] in "EW"]
    assert problems == [] or all(p.split()[0].strip("[]") in ("E2533", "W2531") for p in problems), problems

    gone = lw_run(project, "undeploy", "--yes")
    assert gone.exit_code == 0, gone.stderr + gone.stdout
    assert boto3.client("ecr", region_name="us-east-1").describe_repositories()["repositories"] == []
    assert client.tags(REPO) == [] and client.manifest_digest(REPO, digest) is None
