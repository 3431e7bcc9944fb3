"""The function half of ``lw deploy``: its role, then its code, configuration and release."""

from __future__ import annotations

from lw.core.artifact import Artifact
from lw.core.context import Context
from lw.core.plan import Change
from lw.providers.aws import layer, names, snapstart
from lw.providers.aws.concurrency import plan_provisioned
from lw.providers.aws.function import plan_function
from lw.providers.aws.iam import plan_role
from lw.providers.aws.session import AwsSession
from lw.providers.aws.versions import prune_change


def plan_deploy(ctx: Context, aws: AwsSession, artifact: Artifact) -> list[Change]:
    function = names.function_name(ctx.app)
    role = plan_role(ctx, aws, function)
    return [*role.changes, *plan_release(ctx, aws, artifact, role.arn)]


def plan_release(ctx: Context, aws: AwsSession, artifact: Artifact, role_arn: str) -> list[Change]:
    """Everything but the role, which a global stage plans once for all regions."""
    snapstart.check(ctx)
    function = names.function_name(ctx.app)
    # An image carries its dependencies: no layer (a zip stage's old one is removed).
    deps = layer.plan_layer(ctx, aws, artifact) if artifact.image is None else None
    changes = [*(deps.changes if deps else layer.removal(ctx, aws))]
    changes += plan_function(ctx, aws, artifact, role_arn, extra_layers=(deps.arn,) if deps else ())
    alias_exists = not any(c.step == "create alias" for c in changes)
    changes += plan_provisioned(ctx, aws, function, alias_exists=alias_exists)
    if any(c.step in {"create alias", "move alias"} for c in changes):
        changes += prune_change(ctx, aws, function)
    return changes
