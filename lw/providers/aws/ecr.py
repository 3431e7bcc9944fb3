"""The stage's ECR repository: where its container images live (``package_type: image``).

Lambda runs images only from Amazon ECR in the function's own region, so the image
registry on AWS is always an ECR registry: the account's by default, or the one
``image_registry`` names (which must be this account's, in the stage's region). The
repository is ``[<prefix>/]<project>-<stage>``; lw creates it tagged for the stage,
with scan-on-push and a lifecycle policy, and undeploy deletes it (images included)
only when those tags say lw made it.

Two addresses, on purpose: images are *named* by the repository's URI
(``<account>.dkr.ecr.<region>.amazonaws.com/<repo>``, what Lambda's ``ImageUri``
must use) and *pushed* to the ``proxyEndpoint`` ``GetAuthorizationToken`` returns
with the credentials (the address ``docker login`` uses). On AWS both are the same
host; a stand-in ECR (tests, LocalStack) may serve its registry elsewhere.

Lifecycle: ECR's lifecycle rules cannot see which images Lambda versions use (they
count or age images by tag), so a count rule could expire the image of a version
``lw rollback`` still needs. lw tags every image it pushes (``lw-<digest prefix>``)
and the policy only expires images that lost every tag, a day after their push: those
are never the image of a version lw published. Images of versions that
``num_retained_versions`` prunes are deleted by lw itself, in the same cleanup step,
once no kept version (nor ``$LATEST``) uses them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from lw.core.context import Context
from lw.core.errors import ConfigError, ProviderError
from lw.core.plan import Change, Outputs
from lw.providers.aws import names
from lw.providers.aws.errors import aws_call, read_or_none
from lw.providers.aws.session import AwsSession

UNTAGGED_EXPIRY_DAYS = 1
_ECR_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")

LIFECYCLE_POLICY: dict[str, Any] = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "lw: expire images that lost their tag (lw tags every image a Lambda version uses)",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": UNTAGGED_EXPIRY_DAYS,
            },
            "action": {"type": "expire"},
        }
    ]
}


@dataclass(frozen=True)
class EcrTarget:
    """Where a stage's images go: ``repository_uri`` names them (``ImageUri``),
    ``endpoint`` (``host[:port]``) receives the pushes with ``username``/``password``."""

    registry_id: str
    repository: str
    repository_uri: str
    endpoint: str
    username: str
    password: str

    def image_uri(self, digest: str) -> str:
        return f"{self.repository_uri}@{digest}"


def registry_host(aws: AwsSession) -> str:
    """The account's ECR registry in the session's region."""
    suffix = ".amazonaws.com.cn" if aws.partition == "aws-cn" else ".amazonaws.com"
    return f"{aws.account_id}.dkr.ecr.{aws.region}{suffix}"


def repository_name(ctx: Context, aws: AwsSession) -> str:
    """``[<prefix>/]<project>-<stage>``; ``image_registry`` must be this account's ECR
    in the stage's region (Lambda pulls from nowhere else)."""
    from lw.core.images.reference import RegistryLocation, parse_registry_setting, target_repository

    app = ctx.app
    setting = app.setting("image_registry")
    location = RegistryLocation(host=registry_host(aws))
    if setting:
        where = f"{app.config_file.name}: stage '{app.stage}': image_registry"
        try:
            location = parse_registry_setting(str(setting))
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        match = _ECR_HOST.match(location.host)
        if not match:
            raise ConfigError(
                f"{where} {setting!r} is not an Amazon ECR registry: Lambda runs images only from ECR "
                "(leave image_registry unset to use this account's ECR)"
            )
        if match["region"] != aws.region or match["account"] != aws.account_id:
            raise ConfigError(
                f"{where} {setting!r} is not this account's ECR in {aws.region} ({registry_host(aws)}): "
                "Lambda pulls images only from the function's own region"
            )
    return target_repository(location, app.project_name, app.stage)


def target(ctx: Context, aws: AwsSession) -> EcrTarget:
    """The stage's repository and fresh push credentials (``GetAuthorizationToken``,
    a read), fetched once per command."""
    cached = aws.memo.get("ecr_target")
    if cached is not None:
        return cached
    from lw.core.images.model import RegistryCredentials

    ecr = aws.client("ecr")
    repository = repository_name(ctx, aws)
    answer = aws_call("read", "ECR authorization token", lambda: ecr.get_authorization_token())
    data = (answer.get("authorizationData") or [{}])[0]
    try:
        credentials = RegistryCredentials.from_basic_token(str(data.get("authorizationToken") or ""))
    except ValueError as exc:
        raise ProviderError(f"ECR GetAuthorizationToken: {exc}") from None
    endpoint = urlparse(str(data.get("proxyEndpoint") or f"https://{registry_host(aws)}")).netloc
    found = EcrTarget(
        registry_id=aws.account_id,
        repository=repository,
        repository_uri=f"{registry_host(aws)}/{repository}",
        endpoint=endpoint,
        username=credentials.username or "AWS",
        password=credentials.password or "",
    )
    aws.memo["ecr_target"] = found
    return found


def image_tag(digest: str) -> str:
    """The image's never-moving ``lw-…`` tag (the engine's rule, imported only when an
    image is in play: the engine is not loaded at every ``lw`` start)."""
    from lw.core.images.ownership import release_tag

    return release_tag(digest)


def describe_repository(aws: AwsSession, repository: str) -> dict[str, Any] | None:
    ecr = aws.client("ecr")
    found = read_or_none(
        f"ECR repository {repository}", lambda: ecr.describe_repositories(repositoryNames=[repository])
    )
    repos = (found or {}).get("repositories") or []
    return dict(repos[0]) if repos else None


def repository_tags(aws: AwsSession, repository: dict[str, Any]) -> dict[str, str]:
    ecr = aws.client("ecr")
    answer = aws_call(
        "read tags of",
        f"ECR repository {repository['repositoryName']}",
        lambda: ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"]),
    )
    return {t["Key"]: t["Value"] for t in answer.get("tags") or []}


def _lifecycle_differs(aws: AwsSession, repository: str) -> bool:
    ecr = aws.client("ecr")
    found = read_or_none(
        f"lifecycle policy of ECR repository {repository}", lambda: ecr.get_lifecycle_policy(repositoryName=repository)
    )
    if found is None:
        return True
    try:
        return bool(json.loads(found["lifecyclePolicyText"]) != LIFECYCLE_POLICY)
    except ValueError:
        return True


def plan_repository(ctx: Context, aws: AwsSession) -> list[Change]:
    """Create the repository (tagged, scan-on-push, lifecycle) or bring lw's own back
    to that shape; a repository lw did not make is used as it is."""
    app = ctx.app
    ecr = aws.client("ecr")
    repository = target(ctx, aws).repository
    resource = f"ECR repository {repository}"
    policy = json.dumps(LIFECYCLE_POLICY, sort_keys=True)
    found = describe_repository(aws, repository)
    if found is None:

        def create(outputs: Outputs) -> None:
            ecr.create_repository(
                repositoryName=repository,
                tags=names.tag_list(app),
                imageScanningConfiguration={"scanOnPush": True},
                imageTagMutability="MUTABLE",
            )
            ecr.put_lifecycle_policy(repositoryName=repository, lifecyclePolicyText=policy)

        return [Change("create", resource, "images of this stage, scan on push", create, step="create repository")]
    if not names.owns(repository_tags(aws, found), app):
        ctx.reporter.info(f"{resource} was not made by lw for this stage: pushing to it as it is")
        return []
    changes: list[Change] = []
    if not (found.get("imageScanningConfiguration") or {}).get("scanOnPush"):
        changes.append(
            Change(
                "update",
                resource,
                "turn scan on push on",
                lambda o: ecr.put_image_scanning_configuration(
                    repositoryName=repository, imageScanningConfiguration={"scanOnPush": True}
                ),
                step="repository scanning",
            )
        )
    if _lifecycle_differs(aws, repository):
        changes.append(
            Change(
                "update",
                resource,
                "lifecycle policy: expire untagged images",
                lambda o: ecr.put_lifecycle_policy(repositoryName=repository, lifecyclePolicyText=policy),
                step="repository lifecycle",
            )
        )
    return changes


def removal(ctx: Context, aws: AwsSession) -> list[Change]:
    """Undeploy: the repository and its images, only when lw made it for this stage."""
    try:
        repository = repository_name(ctx, aws)
    except ConfigError:
        return []
    try:
        found = describe_repository(aws, repository)
    except ProviderError:
        # A zip stage's deployer may have no ECR rights at all: its undeploy must not
        # fail on a repository it never used.
        if ctx.app.setting("package_type") == "image":
            raise
        return []
    if found is None:
        return []
    if not names.owns(repository_tags(aws, found), ctx.app):
        ctx.reporter.warn(f"ECR repository {repository} is not tagged for this stage; leaving it and its images")
        return []
    ecr = aws.client("ecr")
    return [
        Change(
            "delete",
            f"ECR repository {repository}",
            "with its images (made by lw for this stage)",
            lambda o: ecr.delete_repository(repositoryName=repository, force=True),
            phase="cleanup",
            step="delete repository",
        )
    ]


def prune_images(ctx: Context, aws: AwsSession, keep: set[str]) -> None:
    """Delete lw's images of this stage that no kept version uses (runs inside the
    version prune, after the versions went)."""
    from lw.core.images.ownership import RELEASE_TAG_PREFIX

    repository = repository_name(ctx, aws)
    found = describe_repository(aws, repository)
    if found is None or not names.owns(repository_tags(aws, found), ctx.app):
        return
    ecr = aws.client("ecr")
    doomed: list[dict[str, str]] = []
    for page in ecr.get_paginator("describe_images").paginate(repositoryName=repository):
        for image in page.get("imageDetails") or []:
            tags = image.get("imageTags") or []
            if image["imageDigest"] not in keep and any(t.startswith(RELEASE_TAG_PREFIX) for t in tags):
                doomed.append({"imageDigest": image["imageDigest"]})
    for start in range(0, len(doomed), 100):  # BatchDeleteImage takes at most 100 ids
        ecr.batch_delete_image(repositoryName=repository, imageIds=doomed[start : start + 100])


def sibling_repositories(ctx: Context, aws: AwsSession, own: str) -> tuple[str, ...]:
    """The project's other stages' repositories (``<prefix>/<project>-*``): they hold the
    same base layers, so a new stage's first push mounts them instead of uploading."""
    ecr = aws.client("ecr")
    prefix = own[: len(own) - len(ctx.app.stage)]  # "[<prefix>/]<project>-"
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        pages = list(ecr.get_paginator("describe_repositories").paginate())
    except (BotoCoreError, ClientError):  # only an optimisation: a deployer not allowed to list still deploys
        return ()
    names = (str(r["repositoryName"]) for page in pages for r in page.get("repositories") or [])
    return tuple(sorted(n for n in names if n.startswith(prefix) and n != own))[:10]
