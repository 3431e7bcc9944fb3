"""Assembling the whole template, in the order a deploy runs: role, function and
alias, front door, event sources, task resources."""

from __future__ import annotations

from typing import Any, Literal

from lw.core.context import Context
from lw.providers.aws import names
from lw.providers.aws.session import AwsSession
from lw.providers.aws.template import function as fn
from lw.providers.aws.template.alb import add_alb
from lw.providers.aws.template.events import add_events
from lw.providers.aws.template.front_doors import add_front_doors
from lw.providers.aws.template.function import CodeLocation
from lw.providers.aws.template.resources import TemplateParts
from lw.providers.aws.template.tasks import add_tasks

Format = Literal["cloudformation", "sam"]
FORMATS: tuple[str, ...] = ("cloudformation", "sam")
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"

__all__ = ["FORMATS", "CodeLocation", "Format", "build_template"]


def build_template(
    ctx: Context,
    aws: AwsSession,
    *,
    handler: str,
    code: CodeLocation,
    code_sha: str,
    fmt: Format = "cloudformation",
    layer: tuple[CodeLocation, str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The template and the notes about what it leaves out (reads only: account id
    and, for a DynamoDB table given by name, its stream). ``layer`` is where the
    dependency layer's zip is, and its hash, with ``dependency_layer: true``."""
    app = ctx.app
    function = names.function_name(app)
    alias_arn = names.alias_arn(aws, function)
    sam = fmt == "sam"
    parts = TemplateParts(sam=sam, alias_id=fn.SAM_ALIAS_ID if sam else fn.CFN_ALIAS_ID)
    role = fn.add_role(ctx, aws, parts, function)
    if layer is not None:
        fn.add_dependency_layer(ctx, parts, *layer)
    sam_function: dict[str, Any] | None = None
    if sam:
        sam_function = fn.sam_function_properties(ctx, function, role, handler, code, layer is not None)
        parts.add(fn.FUNCTION_ID, "AWS::Serverless::Function", sam_function)
        fn.sam_function_outputs(parts)
    else:
        fn.add_cloudformation_function(ctx, parts, function, role, handler, code, code_sha, layer is not None)
    add_front_doors(ctx, aws, parts, function, alias_arn, sam_function)
    add_alb(ctx, aws, parts, alias_arn)
    add_events(ctx, aws, parts, function, alias_arn)
    add_tasks(ctx, aws, parts, alias_arn)
    if sam_function is not None and parts.sam_events:
        sam_function["Events"] = parts.sam_events
    parts.notes.extend(_not_exported(ctx))
    template: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
    if sam:
        template["Transform"] = SAM_TRANSFORM
    template["Description"] = f"lw {app.project_name} {app.stage}: exported by lw template ({fmt})"
    template["Metadata"] = {
        "lw": {
            "project": app.project_name,
            "stage": app.stage,
            "region": aws.region,
            "package_sha256": code_sha,
            "not_exported": list(parts.notes),
        }
    }
    template["Resources"] = parts.resources
    template["Outputs"] = parts.outputs
    return template, list(parts.notes)


def _not_exported(ctx: Context) -> list[str]:
    """Settings lw acts on outside the stack; said aloud rather than dropped silently."""
    app = ctx.app
    notes: list[str] = []
    if app.setting("num_retained_versions"):
        notes.append("num_retained_versions is not exported: the stack keeps the versions it publishes")
    if app.setting("domain"):
        notes.append(
            f"domain {app.setting('domain')!r} is not exported: run lw certify, or declare the "
            "certificate, custom domain and DNS records in your own stack"
        )
    regions = app.setting("regions")
    if isinstance(regions, list) and len(regions) > 1:
        notes.append(
            f"regions: this template is for one region ({ctx.option('region') or regions[0]}); export "
            "the others with --region, and let only one stack own the IAM role (IAM is global)"
        )
    return notes
