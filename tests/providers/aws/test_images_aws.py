"""``package_type: image`` on AWS: ECR repository, image functions, releases, undeploy.

The hooks run against moto behind the strict layer, which refuses what Lambda refuses
for image functions (tests/providers/aws/strict_aws/images.py). Without the engine's
registry, the image store behind ECR is the layer's record of pushed digests and
``push_image`` is replaced by a recorder; ``test_images_aws_registry.py`` runs the same
flow against a real registry.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_helpers import deploy, make_app, make_context, make_artifact, undeploy

from lw.core.errors import ConfigError
from lw.core.images import ImageSpec, PreparedImage, PushedImage
from lw.core.images.artifact import image_artifact
from lw.core.plan import Plan, apply_plan
from lw.providers.aws import ecr, plugin

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "core" / "images"))
from images_helpers import prepared_image, pushed_as  # noqa: E402

ACCOUNT = "123456789012"
REPO = "demo-dev"
REPO_URI = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{REPO}"


def image(tmp_path: Path, body: str = "v1") -> Any:
    spec = ImageSpec(registry=f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com", repository=REPO, base_image=None)
    return image_artifact(prepared_image(spec, body), "lw_handler.handler", tmp_path / "img")


@pytest.fixture
def pushes(strict_aws: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``push_image`` recorded: the digest lands in the strict layer's ECR store."""
    import lw.core.images

    pushed: list[str] = []

    def push(prepared: PreparedImage, credentials: Any, reporter: Any, **_: Any) -> PushedImage:
        assert credentials.username == "AWS" and credentials.password  # ECR's basic auth
        strict_aws.ecr_pushed.setdefault(prepared.spec.repository, {})[prepared.digest] = [prepared.spec.tag]
        pushed.append(prepared.digest)
        return pushed_as(prepared)

    monkeypatch.setattr(lw.core.images, "push_image", push)
    return pushed


def ctx_for(tmp_path: Path, **settings: Any) -> Any:
    settings.setdefault("apigateway", False)
    return make_context(make_app(tmp_path, package_type="image", **settings))


def lam() -> Any:
    return boto3.client("lambda", region_name="us-east-1")


def test_first_deploy_creates_the_repository_and_an_image_function(
    tmp_path: Path, strict_aws: Any, pushes: list[str]
) -> None:
    artifact = image(tmp_path)
    deploy(ctx_for(tmp_path), artifact)
    assert pushes == [artifact.image.digest]
    repo = boto3.client("ecr", region_name="us-east-1").describe_repositories(repositoryNames=[REPO])["repositories"][0]
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    client = boto3.client("ecr", region_name="us-east-1")
    tags = {t["Key"]: t["Value"] for t in client.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]}
    assert tags["lw:project"] == "demo" and tags["lw:stage"] == "dev"
    policy = json.loads(client.get_lifecycle_policy(repositoryName=REPO)["lifecyclePolicyText"])
    assert [r["selection"]["tagStatus"] for r in policy["rules"]] == ["untagged"]  # never a tagged (used) image
    found = lam().get_function(FunctionName="demo-dev")
    assert found["Configuration"]["PackageType"] == "Image"
    assert found["Code"]["ImageUri"] == f"{REPO_URI}@{artifact.image.digest}"
    assert found["Configuration"]["CodeSha256"] == artifact.sha256  # AWS reports the digest
    assert lam().get_alias(FunctionName="demo-dev", Name="live")["FunctionVersion"] == "1"
    facts = plugin.lw_status(ctx=ctx_for(tmp_path)).facts
    assert facts["package_type"] == "Image" and facts["image_digest"] == artifact.image.digest
    assert facts["image_uri"] == f"{REPO_URI}@{artifact.image.digest}"


def test_unchanged_redeploy_writes_nothing_and_pushes_nothing(
    tmp_path: Path, strict_aws: Any, pushes: list[str], call_counter: Any
) -> None:
    deploy(ctx_for(tmp_path), image(tmp_path))
    call_counter.clear()
    plan, _ = deploy(ctx_for(tmp_path), image(tmp_path))
    assert call_counter.mutating == []
    assert len(pushes) == 1
    assert not plan.mutating


def test_code_change_pushes_updates_releases_rolls_back_and_undeploys(
    tmp_path: Path, strict_aws: Any, pushes: list[str]
) -> None:
    first, second = image(tmp_path, "v1"), image(tmp_path, "v2")
    deploy(ctx_for(tmp_path), first)
    deploy(ctx_for(tmp_path), second)
    assert pushes == [first.image.digest, second.image.digest]
    live = lam().get_function(FunctionName="demo-dev", Qualifier="live")
    assert live["Code"]["ImageUri"].endswith(second.image.digest)
    from lw.core.provider import RollbackTarget

    ctx = ctx_for(tmp_path)
    apply_plan(Plan(changes=list(plugin.lw_rollback(ctx=ctx, target=RollbackTarget(steps=1)))))
    live = lam().get_function_configuration(FunctionName="demo-dev", Qualifier="live")
    assert live["Version"] == "1" and live["CodeSha256"] == first.sha256  # the older version's image

    undeploy(ctx_for(tmp_path))  # the repository lw made goes, with every image in it
    assert boto3.client("ecr", region_name="us-east-1").describe_repositories()["repositories"] == []
    assert not strict_aws.ecr_pushed.get(REPO)


def test_switching_package_type_stops_with_the_fix(tmp_path: Path, strict_aws: Any, pushes: list[str]) -> None:
    deploy(make_context(make_app(tmp_path, apigateway=False)), make_artifact(tmp_path / "zip"))
    with pytest.raises(ConfigError) as caught:
        deploy(ctx_for(tmp_path), image(tmp_path))
    message = str(caught.value)
    assert "\n" not in message and "package type" in message and "lw undeploy" in message
    assert pushes == []  # nothing written before the refusal
    assert lam().get_function(FunctionName="demo-dev")["Configuration"]["PackageType"] == "Zip"


def test_image_to_zip_is_refused_too(tmp_path: Path, strict_aws: Any, pushes: list[str]) -> None:
    deploy(ctx_for(tmp_path), image(tmp_path))
    with pytest.raises(ConfigError, match="is a Image function|is a Image"):
        deploy(make_context(make_app(tmp_path, apigateway=False, package_type="zip")), make_artifact(tmp_path / "z"))


def test_pruned_versions_take_their_images_along(tmp_path: Path, strict_aws: Any, pushes: list[str]) -> None:
    for body in ("v1", "v2", "v3"):
        deploy(ctx_for(tmp_path, num_retained_versions=2), image(tmp_path, body))
    kept = strict_aws.ecr_pushed[REPO]
    assert image(tmp_path, "v1").image.digest not in kept
    assert {image(tmp_path, b).image.digest for b in ("v2", "v3")} <= set(kept)


def test_undeploy_leaves_a_repository_lw_did_not_make(tmp_path: Path, strict_aws: Any, pushes: list[str]) -> None:
    client = boto3.client("ecr", region_name="us-east-1")
    with strict_aws.paused():
        client.create_repository(repositoryName=REPO)
    deploy(ctx_for(tmp_path), image(tmp_path))
    undeploy(ctx_for(tmp_path))
    assert [r["repositoryName"] for r in client.describe_repositories()["repositories"]] == [REPO]


def test_image_registry_must_be_this_accounts_ecr_in_the_region(tmp_path: Path, strict_aws: Any) -> None:
    for registry, expected in (
        ("ghcr.io/acme", "is not an Amazon ECR registry"),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "own region"),
        ("999999999999.dkr.ecr.us-east-1.amazonaws.com", "not this account's ECR"),
    ):
        ctx = ctx_for(tmp_path, image_registry=registry)
        with pytest.raises(ConfigError, match=expected):
            ecr.repository_name(ctx, plugin.session_for(ctx))


# ---------------------------------------------------------------------- the strict layer itself


def _role() -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/r"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"PackageType": "Image", "Code": {"ImageUri": f"{REPO_URI}:latest"}, "Handler": "a.b"},
            "Please don't provide Handler or Runtime or Layer",
        ),
        ({"PackageType": "Image", "Code": {"ImageUri": f"{REPO_URI}@sha256:{'0' * 64}"}}, "does not exist"),
        ({"PackageType": "Image", "Code": {"ImageUri": "docker.io/library/python:3.11"}}, "not valid"),
        (
            {"PackageType": "Image", "Code": {"ImageUri": f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/{REPO}:x"}},
            "same account and region",
        ),
        ({"Code": {"ImageUri": f"{REPO_URI}:latest"}, "Runtime": "python3.11", "Handler": "a.b"}, "PackageType is Zip"),
    ],
)
def test_strict_layer_refuses_what_lambda_refuses(strict_aws: Any, params: dict[str, Any], message: str) -> None:
    from botocore.exceptions import ClientError

    with strict_aws.paused():
        boto3.client("ecr", region_name="us-east-1").create_repository(repositoryName=REPO)
    with pytest.raises(ClientError, match=message):
        lam().create_function(FunctionName="f", Role=_role(), **params)


def test_plan_reads_only(tmp_path: Path, strict_aws: Any, pushes: list[str], call_counter: Any) -> None:
    from aws_helpers import plan_deploy

    plan_deploy(ctx_for(tmp_path), image(tmp_path))
    assert call_counter.mutating == [] and pushes == []


def test_other_stages_repositories_are_mount_sources(tmp_path: Path, strict_aws: Any) -> None:
    client = boto3.client("ecr", region_name="us-east-1")
    with strict_aws.paused():
        for name in ("demo-prod", "demo-staging", "other-dev", REPO):
            client.create_repository(repositoryName=name)
    ctx = ctx_for(tmp_path)
    assert ecr.sibling_repositories(ctx, plugin.session_for(ctx), REPO) == ("demo-prod", "demo-staging")


def test_a_package_over_lambdas_limit_becomes_an_image_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lw.core.artifact import Build
    from lw.core.packaging.archive import SizeLimits
    from lw.providers.aws import image as aws_image
    from lw.providers.aws import package

    (tmp_path / "big.bin").write_bytes(b"\0" * 200_000)
    monkeypatch.setattr(package, "LIMITS", SizeLimits(unpacked_bytes=100_000, label="AWS Lambda"))
    seen: dict[str, Any] = {}
    monkeypatch.setattr(aws_image, "package_image", lambda ctx, aws, build, files, **kw: seen.update(kw) or "image")
    ctx = make_context(make_app(tmp_path, apigateway=False))
    build = Build(root=tmp_path, app_files=1, dependency_files=0)
    assert package.package(ctx, build, session=lambda: None) == "image"  # type: ignore[arg-type,return-value]
    assert "over AWS Lambda's" in seen["note"] and "container image" in seen["note"]
    # package_type: zip never switches
    zip_ctx = make_context(make_app(tmp_path, apigateway=False, package_type="zip"))
    assert package._package_choice(zip_ctx, Build(root=tmp_path, app_files=1, dependency_files=0), []).is_image is False


def test_a_global_stage_cannot_ship_an_image_yet(tmp_path: Path) -> None:
    from lw.core.artifact import Build
    from lw.providers.aws import image as aws_image

    ctx = ctx_for(tmp_path, regions=["us-east-1", "eu-west-1"])
    with pytest.raises(ConfigError, match="regions"):
        aws_image.package_image(ctx, None, Build(root=tmp_path, app_files=0, dependency_files=0), [], handler="h")


def test_strict_layer_refuses_a_package_type_switch_in_update_function_code(tmp_path: Path, strict_aws: Any) -> None:
    from botocore.exceptions import ClientError

    data = make_artifact(tmp_path).path.read_bytes()
    with strict_aws.paused():
        boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    lam().create_function(FunctionName="f", Role=_role(), Runtime="python3.11", Handler="a.b", Code={"ZipFile": data})
    import time

    time.sleep(0.05)  # the strict layer's Pending state
    with pytest.raises(ClientError, match="Please don't provide ImageUri"):
        lam().update_function_code(FunctionName="f", ImageUri=f"{REPO_URI}:x")


def test_layers_with_an_image_are_refused_before_any_write(tmp_path: Path, strict_aws: Any, pushes: list[str]) -> None:
    ctx = ctx_for(tmp_path, layers=["arn:aws:lambda:us-east-1:123456789012:layer:x:1"])
    with pytest.raises(ConfigError, match="layers cannot be used with package_type image"):
        deploy(ctx, image(tmp_path))
    assert pushes == []


def test_a_zip_stages_undeploy_needs_no_ecr_rights(tmp_path: Path, strict_aws: Any, fault: Any) -> None:
    deploy(make_context(make_app(tmp_path, apigateway=False)), make_artifact(tmp_path / "zip"))
    fault.fail("ecr", "DescribeRepositories", "AccessDeniedException", "not allowed", status=400, times=5)
    undeploy(make_context(make_app(tmp_path, apigateway=False)))
    assert lam().list_functions()["Functions"] == []
