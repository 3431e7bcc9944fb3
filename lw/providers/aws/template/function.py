"""The execution role and the Lambda function, from deploy's own builders.

``iam.execution_policy`` and ``function.desired_configuration`` are what deploy sends
to IAM and Lambda; the template only renames their keys where CloudFormation or SAM
spell a property differently, and leaves out values that equal AWS's defaults.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.providers.aws import names
from lw.providers.aws.concurrency import provisioned, reserved
from lw.providers.aws.function import desired_configuration
from lw.providers.aws.iam import TRUST_POLICY, execution_policy
from lw.providers.aws.session import AwsSession
from lw.providers.aws.template.ids import short_hash
from lw.providers.aws.template.resources import TemplateParts, tag_map

FUNCTION_ID = "Function"
ROLE_ID = "ExecutionRole"
CFN_ALIAS_ID = "LiveAlias"
# SAM names the alias it makes for ``AutoPublishAlias`` <function id>Alias<alias name>.
SAM_ALIAS_ID = f"{FUNCTION_ID}Alias{names.ALIAS}"
LAYER_ID = "DependencyLayer"
_ROLE_PLACEHOLDER = "lw:role"
_LAYER_PLACEHOLDER = "lw:dependency-layer"


@dataclass(frozen=True)
class CodeLocation:
    """Where the template takes the package from: an S3 object, or (SAM only) a local
    zip that ``sam deploy`` uploads itself."""

    bucket: str | None = None
    key: str | None = None
    local_path: str | None = None
    image_uri: str | None = None  # package_type image: the ECR image, pinned by digest

    @property
    def package_type(self) -> str:
        return "Image" if self.image_uri else "Zip"

    def cloudformation(self) -> dict[str, str]:
        if self.image_uri:
            return {"ImageUri": self.image_uri}
        assert self.bucket and self.key, "CloudFormation needs the package in S3"
        return {"S3Bucket": self.bucket, "S3Key": self.key}

    def sam(self) -> Any:
        if self.local_path:
            return self.local_path
        return {"Bucket": self.bucket, "Key": self.key}


def add_role(ctx: Context, aws: AwsSession, parts: TemplateParts, function: str) -> Any:
    """The role resource when lw manages it; otherwise the ARN of the existing role."""
    app = ctx.app
    if app.setting("role_arn"):
        return str(app.setting("role_arn"))
    role = names.role_name(app)
    if app.setting("manage_roles", True) is False:
        if not app.setting("role_name"):
            raise ConfigError(
                f"{app.config_file.name}: stage '{app.stage}': manage_roles is false, so set role_name or role_arn"
            )
        return names.role_arn(aws, role)
    parts.add(
        ROLE_ID,
        "AWS::IAM::Role",
        {
            "RoleName": role,
            "Description": f"lw execution role for {function}",
            "AssumeRolePolicyDocument": TRUST_POLICY,
            "Policies": [{"PolicyName": names.POLICY_NAME, "PolicyDocument": _policy(ctx, aws, function)}],
            "Tags": names.tag_list(app),
        },
    )
    parts.output("RoleArn", {"Fn::GetAtt": [ROLE_ID, "Arn"]}, "The function's execution role")
    return {"Fn::GetAtt": [ROLE_ID, "Arn"]}


def _policy(ctx: Context, aws: AwsSession, function: str) -> dict[str, Any]:
    """A global stage's one role serves every region, so deploy builds its policy with
    region ``*``; the export does the same so that the documents are equal."""
    from lw.providers.aws import regions

    if regions.is_global(ctx):
        return execution_policy(ctx, regions.AnyRegion(aws), function)  # type: ignore[arg-type]
    return execution_policy(ctx, aws, function)


def lambda_configuration(
    ctx: Context, role: Any, handler: str, with_layer: bool, *, image: bool = False
) -> dict[str, Any]:
    """Deploy's desired configuration with the role (and the dependency layer) swapped
    for the template's references and default-valued keys dropped (CloudFormation
    applies the same defaults; fewer keys keep the template readable)."""
    config = desired_configuration(
        ctx, _ROLE_PLACEHOLDER, handler, extra_layers=(_LAYER_PLACEHOLDER,) if with_layer else ()
    )
    if image:
        from lw.providers.aws.image import image_configuration

        config = image_configuration(config)
        config["Layers"] = []
    config["Role"] = role
    config["Layers"] = [{"Ref": LAYER_ID} if x == _LAYER_PLACEHOLDER else x for x in config["Layers"]]
    if not config["Environment"]["Variables"]:
        del config["Environment"]
    if not config["Layers"]:
        del config["Layers"]
    return config


def add_dependency_layer(ctx: Context, parts: TemplateParts, code: CodeLocation, dependencies_sha: str) -> None:
    """``dependency_layer: true``: the dependencies as their own layer version, named
    and described (by their hash) as deploy publishes it."""
    from lw.providers.aws import layer

    app = ctx.app
    properties: dict[str, Any] = {
        "LayerName": layer.layer_name(ctx),
        "Description": f"{layer.DESCRIPTION_PREFIX}{dependencies_sha}",
        "CompatibleRuntimes": [app.runtime],
        "CompatibleArchitectures": [app.architecture],
    }
    if parts.sam:
        parts.add(LAYER_ID, "AWS::Serverless::LayerVersion", {**properties, "ContentUri": code.sam()})
    else:
        parts.add(LAYER_ID, "AWS::Lambda::LayerVersion", {**properties, "Content": code.cloudformation()})


def add_cloudformation_function(
    ctx: Context,
    parts: TemplateParts,
    function: str,
    role: Any,
    handler: str,
    code: CodeLocation,
    code_sha: str,
    with_layer: bool,
) -> None:
    """Function, a version named after the package and configuration (a new logical id
    is what makes CloudFormation publish again), and the ``live`` alias on it."""
    app = ctx.app
    config = lambda_configuration(ctx, role, handler, with_layer, image=bool(code.image_uri))
    properties: dict[str, Any] = {
        "FunctionName": function,
        "PackageType": code.package_type,
        "Code": code.cloudformation(),
        "Architectures": [app.architecture],
        **config,
        "Tags": names.tag_list(app),
    }
    concurrency = reserved(ctx)
    if concurrency is not None:
        properties["ReservedConcurrentExecutions"] = concurrency
    parts.add(FUNCTION_ID, "AWS::Lambda::Function", properties)
    version_id = f"FunctionVersion{short_hash(code_sha + json.dumps(config, sort_keys=True, default=str))}"
    parts.add(version_id, "AWS::Lambda::Version", {"FunctionName": {"Ref": FUNCTION_ID}})
    alias: dict[str, Any] = {
        "FunctionName": {"Ref": FUNCTION_ID},
        "FunctionVersion": {"Fn::GetAtt": [version_id, "Version"]},
        "Name": names.ALIAS,
        "Description": "lw: the version serving traffic",
    }
    warm = provisioned(ctx)
    if warm:
        alias["ProvisionedConcurrencyConfig"] = {"ProvisionedConcurrentExecutions": warm}
    parts.add(CFN_ALIAS_ID, "AWS::Lambda::Alias", alias)
    _function_outputs(parts)


def sam_function_properties(
    ctx: Context, function: str, role: Any, handler: str, code: CodeLocation, with_layer: bool
) -> dict[str, Any]:
    """The same function as ``AWS::Serverless::Function``: SAM publishes a version and
    moves the ``live`` alias itself (``AutoPublishAlias``)."""
    app = ctx.app
    config = lambda_configuration(ctx, role, handler, with_layer, image=bool(code.image_uri))
    properties: dict[str, Any] = {
        "FunctionName": function,
        **({"ImageUri": code.image_uri} if code.image_uri else {"CodeUri": code.sam()}),
        "PackageType": code.package_type,
        "Architectures": [app.architecture],
    }
    for key in (
        "Runtime",
        "Role",
        "Handler",
        "MemorySize",
        "Timeout",
        "Description",
        "Environment",
        "EphemeralStorage",
        "Layers",
        "SnapStart",
        "VpcConfig",
    ):
        if key in config:
            properties[key] = config[key]
    properties["Tracing"] = config["TracingConfig"]["Mode"]
    dead_letter = (config.get("DeadLetterConfig") or {}).get("TargetArn")
    if dead_letter:
        properties["DeadLetterQueue"] = {"Type": "SNS" if ":sns:" in dead_letter else "SQS", "TargetArn": dead_letter}
    properties["Tags"] = tag_map(app.tags)
    concurrency = reserved(ctx)
    if concurrency is not None:
        properties["ReservedConcurrentExecutions"] = concurrency
    properties["AutoPublishAlias"] = names.ALIAS
    warm = provisioned(ctx)
    if warm:
        properties["ProvisionedConcurrencyConfig"] = {"ProvisionedConcurrentExecutions": warm}
    return properties


def _function_outputs(parts: TemplateParts) -> None:
    parts.output("FunctionName", {"Ref": FUNCTION_ID}, "The Lambda function")
    parts.output("LiveAliasArn", {"Ref": parts.alias_id}, "The alias every front door and event source invokes")


def sam_function_outputs(parts: TemplateParts) -> None:
    _function_outputs(parts)
