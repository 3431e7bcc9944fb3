"""The function's execution role: least privilege, derived from the stage's config.

The default policy allows writing logs to this function's own log group and, for each
configured event source, only what that source needs on that source's ARN (from the
events module). Zappa's default grants every S3/SQS/SNS/DynamoDB/Kinesis action on
everything; here a broader grant has to be written explicitly in ``extra_permissions``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lw.core.context import Context
from lw.core.errors import ConfigError, ProviderError
from lw.core.plan import Change, Outputs
from lw.providers.aws import names
from lw.providers.aws.errors import aws_call, read_or_none
from lw.providers.aws.events_bridge import policy_statements as event_statements
from lw.providers.aws.session import AwsSession
from lw.providers.aws.tasks import role_statements as task_statements

TRUST_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@dataclass(frozen=True)
class RolePlan:
    """The role the function runs as and the changes needed to make it right."""

    arn: str
    managed: bool
    changes: list[Change]


def execution_policy(ctx: Context, aws: AwsSession, function: str) -> dict[str, Any]:
    """The inline policy lw attaches to a role it manages.

    ``iam_policy: auto`` starts from the policy derived from the app's own boto3 calls
    (``lw policy``); any other ``iam_policy`` replaces the document whole.
    """
    app = ctx.app
    replacement = app.setting("iam_policy")
    if replacement and replacement != "auto":
        return _policy_from_setting(ctx, replacement)
    if replacement == "auto":
        from lw.providers.aws.policygen import policy_report

        report = policy_report(app, aws.account_id, aws.region)
        for warning in report.warnings:
            ctx.reporter.warn(f"iam_policy auto: {warning}")
        statements = list(report.policy["Statement"])
    else:
        statements = [
            _logs_statement(aws, function),
            *event_statements(app, aws.account_id, aws.region),
            *_runtime_reads(ctx, aws),
        ]
    statements += _feature_statements(ctx)
    statements += task_statements(ctx, aws, function)
    extra = app.setting("extra_permissions") or []
    if not isinstance(extra, list) or not all(isinstance(s, dict) for s in extra):
        raise ConfigError(
            f"{app.config_file.name}: stage '{app.stage}': extra_permissions must be a list of IAM statements (mappings)"
        )
    statements.extend(dict(s) for s in extra)
    return {"Version": "2012-10-17", "Statement": statements}


def _logs_statement(aws: AwsSession, function: str) -> dict[str, Any]:
    return names.log_statement(aws.partition, aws.region, aws.account_id, function)


def _runtime_reads(ctx: Context, aws: AwsSession) -> list[dict[str, Any]]:
    """What the runtime reads at cold start (``remote_env``, ``${ssm:…}``,
    ``${secretsmanager:…}``): without it the function could not start."""
    from lw.providers.aws.policygen.config_sources import config_statements

    statements, warnings = config_statements(ctx.app, aws.account_id, aws.region)
    for warning in warnings:
        ctx.reporter.warn(warning)
    return statements


def _feature_statements(ctx: Context) -> list[dict[str, Any]]:
    """Grants that Lambda features need only when they are turned on."""
    app = ctx.app
    statements: list[dict[str, Any]] = []
    if app.setting("xray_tracing"):
        # X-Ray's write actions do not support resource-level permissions.
        ctx.reporter.warn(
            "xray_tracing: the role may send trace data to X-Ray on Resource '*' "
            "(X-Ray's write actions cannot be limited to an ARN)"
        )
        statements.append(
            {
                "Sid": "XRay",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            }
        )
    if app.setting("vpc_config"):
        # ENI management for VPC functions cannot be scoped to an ARN either.
        ctx.reporter.warn(
            "vpc_config: the role may create, describe and delete network interfaces on "
            "Resource '*' (Lambda needs them in the VPC and EC2 cannot limit these actions "
            "to an ARN)"
        )
        statements.append(
            {
                "Sid": "VpcNetworkInterfaces",
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "Resource": "*",
            }
        )
    dead_letter = app.setting("dead_letter_arn")
    if dead_letter:
        action = "sns:Publish" if ":sns:" in str(dead_letter) else "sqs:SendMessage"
        statements.append({"Sid": "DeadLetter", "Effect": "Allow", "Action": action, "Resource": str(dead_letter)})
    return statements


def _policy_from_setting(ctx: Context, value: Any) -> dict[str, Any]:
    """``iam_policy``: a whole document, inline or in a JSON file next to lw.yml."""
    where = f"{ctx.app.config_file.name}: stage '{ctx.app.stage}': iam_policy"
    if isinstance(value, dict):
        document = value
    else:
        path = ctx.project_dir / str(value)
        try:
            document = json.loads(path.read_text())
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read {path}: {exc.strerror}") from exc
        except ValueError as exc:
            raise ConfigError(f"{where}: {path} is not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), list):
        raise ConfigError(f"{where}: must be a policy document with a Statement list")
    return document


def _canonical(document: Any) -> str:
    if isinstance(document, str):
        from urllib.parse import unquote

        document = json.loads(unquote(document))
    return json.dumps(_normalise(document), sort_keys=True)


def _normalise(value: Any) -> Any:
    """IAM may return single-item lists as scalars and vice versa; compare them equal."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_normalise(v) for v in value]
        return items[0] if len(items) == 1 else items
    return value


def plan_role(ctx: Context, aws: AwsSession, function: str) -> RolePlan:
    """Read the role and return what must change; ``role_arn``/``manage_roles: false``
    name an existing role that lw never touches."""
    app = ctx.app
    if app.setting("role_arn"):
        return RolePlan(arn=str(app.setting("role_arn")), managed=False, changes=[])
    role = names.role_name(app)
    iam = aws.client("iam")
    if app.setting("manage_roles", True) is False:
        if not app.setting("role_name"):
            raise ConfigError(
                f"{app.config_file.name}: stage '{app.stage}': manage_roles is false, so set role_name or role_arn"
            )
        existing = _get_role(iam, role)
        if existing is None:
            raise ConfigError(f"{app.config_file.name}: stage '{app.stage}': role_name {role!r} does not exist in IAM")
        return RolePlan(arn=existing["Arn"], managed=False, changes=[])

    policy = execution_policy(ctx, aws, function)
    check_inline_policy_size(ctx, policy)
    arn = names.role_arn(aws, role)
    resource = f"IAM role {role}"
    existing = _get_role(iam, role)
    if existing is None:

        def create(outputs: Outputs) -> None:
            iam.create_role(
                RoleName=role,
                AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
                Description=f"lw execution role for {function}",
                Tags=names.tag_list(app),
            )
            iam.put_role_policy(RoleName=role, PolicyName=names.POLICY_NAME, PolicyDocument=json.dumps(policy))
            outputs["role_created"] = True

        created = Change("create", resource, "new execution role", create, step="create role")
        return RolePlan(arn=arn, managed=True, changes=[created])

    tags = {t["Key"]: t["Value"] for t in existing.get("Tags") or []}
    if not names.owns(tags, app):
        raise ProviderError(
            f"IAM role {role} exists but is not tagged lw:project={app.project_name}, lw:stage={app.stage}; "
            "lw will not change a role it did not make",
            hint="use it as is with role_arn, or choose another role_name",
        )
    changes: list[Change] = []
    if _canonical(existing.get("AssumeRolePolicyDocument") or {}) != _canonical(TRUST_POLICY):
        changes.append(
            Change(
                "update",
                resource,
                "trust policy differs",
                lambda o: iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(TRUST_POLICY)),
                step="update trust policy",
            )
        )
    current = _get_inline_policy(iam, role)
    if current is None or _canonical(current) != _canonical(policy):
        changes.append(
            Change(
                "update",
                f"{resource} policy {names.POLICY_NAME}",
                "permissions changed" if current is not None else "inline policy missing",
                lambda o: iam.put_role_policy(
                    RoleName=role, PolicyName=names.POLICY_NAME, PolicyDocument=json.dumps(policy)
                ),
                step="update role policy",
            )
        )
    missing = {k: v for k, v in app.tags.items() if tags.get(k) != v}
    if missing:
        changes.append(
            Change(
                "update",
                resource,
                "tags differ",
                lambda o: iam.tag_role(
                    RoleName=role, Tags=[{"Key": k, "Value": v} for k, v in sorted(missing.items())]
                ),
                step="tag role",
            )
        )
    if not changes:
        changes.append(Change("noop", resource, "up to date"))
    return RolePlan(arn=existing.get("Arn") or arn, managed=True, changes=changes)


# IAM's quota on the inline policies of one role, together, counted without whitespace.
INLINE_POLICY_LIMIT = 10_240


def policy_size(policy: dict[str, Any]) -> int:
    """The characters IAM counts for ``policy`` (it ignores whitespace)."""
    return len(json.dumps(policy, separators=(",", ":")))


def check_inline_policy_size(ctx: Context, policy: dict[str, Any]) -> None:
    """IAM refuses the role's policy past 10,240 characters, which a stage with many
    event sources, secrets or an ``iam_policy`` file reaches; say so before any write."""
    size = policy_size(policy)
    if size > INLINE_POLICY_LIMIT:
        app = ctx.app
        raise ConfigError(
            f"{app.config_file.name}: stage '{app.stage}': the execution role's policy would be {size:,} characters, "
            f"over IAM's {INLINE_POLICY_LIMIT:,} for a role's inline policies; merge statements (wildcards over "
            "related ARNs), shorten iam_policy, or give a role you manage with role_arn"
        )


def _get_role(iam: Any, role: str) -> dict[str, Any] | None:
    return read_or_none(f"IAM role {role}", lambda: iam.get_role(RoleName=role)["Role"])


def _get_inline_policy(iam: Any, role: str) -> Any:
    return read_or_none(
        f"IAM role {role}",
        lambda: iam.get_role_policy(RoleName=role, PolicyName=names.POLICY_NAME)["PolicyDocument"],
    )


def delete_role_changes(ctx: Context, aws: AwsSession) -> list[Change]:
    """Removal of the role, only when lw manages it and its tags say lw made it."""
    app = ctx.app
    if app.setting("role_arn") or app.setting("manage_roles", True) is False:
        return []
    role = names.role_name(app)
    iam = aws.client("iam")
    existing = _get_role(iam, role)
    if existing is None:
        return []
    tags = {t["Key"]: t["Value"] for t in existing.get("Tags") or []}
    if not tags:
        tags = {
            t["Key"]: t["Value"]
            for t in aws_call("read tags of", f"IAM role {role}", lambda: iam.list_role_tags(RoleName=role))["Tags"]
        }
    if not names.owns(tags, app):
        ctx.reporter.warn(f"IAM role {role} is not tagged as made by lw for this stage; leaving it")
        return []

    def delete(outputs: Outputs) -> None:
        for policy in iam.get_paginator("list_role_policies").paginate(RoleName=role):
            for name in policy["PolicyNames"]:
                iam.delete_role_policy(RoleName=role, PolicyName=name)
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role):
            for attached in page["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=role, PolicyArn=attached["PolicyArn"])
        iam.delete_role(RoleName=role)

    return [
        Change("delete", f"IAM role {role}", "made by lw for this stage", delete, phase="cleanup", step="delete role")
    ]
