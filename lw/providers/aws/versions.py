"""Pruning old published versions (``num_retained_versions``).

Every release publishes a version and Lambda's code storage is capped per region, so a
long-lived stage eventually needs old versions removed. Pruning runs in the cleanup
phase, after the release, and never removes the version the alias points to (before or
after the move), so rollback to the previous release always works.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.core.plan import Change, Outputs
from lw.providers.aws import names
from lw.providers.aws.errors import aws_call
from lw.providers.aws.session import AwsSession


def published_versions(aws: AwsSession, function: str) -> list[dict[str, Any]]:
    """Every published version's configuration, oldest first (``$LATEST`` left out:
    it is the draft, not a release). Lambda pages this listing at 50."""
    lam = aws.client("lambda")
    pages = aws_call(
        "list versions of",
        f"Lambda function {function}",
        lambda: list(lam.get_paginator("list_versions_by_function").paginate(FunctionName=function)),
    )
    return [v for page in pages for v in page["Versions"] if v["Version"] != "$LATEST"]


def version_numbers(aws: AwsSession, function: str) -> list[int]:
    return sorted(int(v["Version"]) for v in published_versions(aws, function) if v["Version"].isdigit())


def retained(ctx: Context) -> int | None:
    value = ctx.app.setting("num_retained_versions")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ConfigError(
            f"{ctx.app.config_file.name}: stage '{ctx.app.stage}': num_retained_versions must be an "
            "integer of at least 2 (the live release and the one before it)"
        )
    return value


def prune_change(ctx: Context, aws: AwsSession, function: str) -> list[Change]:
    """A cleanup change that deletes versions beyond the newest ``num_retained_versions``.

    Which versions go is decided when it runs (the release may have published a new
    one), so the plan shows the rule rather than a list."""
    keep = retained(ctx)
    if keep is None:
        return []
    lam = aws.client("lambda")

    def prune(outputs: Outputs) -> None:
        versions = version_numbers(aws, function)
        live = lam.get_alias(FunctionName=function, Name=names.ALIAS)["FunctionVersion"]
        protected = {live, str(outputs.get("version") or live), str(outputs.get("previous_version") or live)}
        pruned = False
        for version in versions[:-keep]:
            if str(version) not in protected:
                lam.delete_function(FunctionName=function, Qualifier=str(version))
                pruned = True
        if pruned and lam.get_function(FunctionName=function)["Configuration"].get("PackageType") == "Image":
            _prune_images(ctx, aws, function)

    return [
        Change(
            "update",
            f"Lambda function {function}",
            f"keep the newest {keep} versions",
            prune,
            phase="cleanup",
            step="prune versions",
        )
    ]


def _prune_images(ctx: Context, aws: AwsSession, function: str) -> None:
    """The images no remaining version (nor ``$LATEST``) runs go with their versions:
    ECR's lifecycle rules cannot tell which images Lambda still uses (see ``ecr``).
    An image function's ``CodeSha256`` is its image's digest."""
    from lw.providers.aws import ecr

    lam = aws.client("lambda")
    pages = lam.get_paginator("list_versions_by_function").paginate(FunctionName=function)
    keep = {f"sha256:{v['CodeSha256']}" for page in pages for v in page["Versions"] if v.get("CodeSha256")}
    ecr.prune_images(ctx, aws, keep)
