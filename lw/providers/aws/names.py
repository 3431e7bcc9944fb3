"""Deterministic names and ARNs: how lw finds its resources again without state.

Every resource of a stage is named ``<project>-<stage>[-suffix]`` and tagged
``lw:project``/``lw:stage``, so status, redeploy and undeploy work from any checkout.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from lw.core.errors import ConfigError
from lw.core.model import AppModel
from lw.providers.aws.session import AwsSession

ALIAS = "live"
LAMBDA_NAME_MAX = 64
ROLE_NAME_MAX = 64
POLICY_NAME = "lw-execution"
BUCKET_NAME_MIN = 3
BUCKET_NAME_MAX = 63
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]")

PAGE_SIZE = 500  # API Gateway's largest page for GetRestApis, GetApiKeys, GetUsagePlans

SID_REST = "lw-apigateway-rest"
SID_HTTP = "lw-apigateway-http"
SID_URL = "lw-function-url"
SID_URL_INVOKE = "lw-function-url-invoke"
SID_ALB = "lw-alb"

ELB_NAME_MAX = 32  # load balancer and target group names


def function_name(app: AppModel) -> str:
    name = app.name
    if len(name) > LAMBDA_NAME_MAX:
        raise ConfigError(
            f"{app.config_file.name}: stage '{app.stage}': function name {name!r} is longer than "
            f"{LAMBDA_NAME_MAX} characters; shorten project_name or the stage name"
        )
    return name


def role_name(app: AppModel) -> str:
    """The role lw manages (``role_name`` overrides the default ``<project>-<stage>``)."""
    name = str(app.setting("role_name") or app.name)
    if len(name) > ROLE_NAME_MAX:
        raise ConfigError(
            f"{app.config_file.name}: stage '{app.stage}': role_name {name!r} is longer than 64 characters"
        )
    return name


def api_name(app: AppModel) -> str:
    return app.name


def alb_name(app: AppModel) -> str:
    """The name of the stage's load balancer and target group (the two namespaces are
    separate): ``<project>-<stage>`` when it fits Elastic Load Balancing's 32 characters
    of letters, digits and ``-``, else shortened with a hash of the whole name, so two
    long stages never share one."""
    cleaned = re.sub(r"[^A-Za-z0-9-]", "-", app.name).strip("-")
    if cleaned.lower().startswith("internal-"):  # a prefix AWS reserves
        cleaned = "lw-" + cleaned
    if len(cleaned) <= ELB_NAME_MAX and cleaned == app.name:
        return cleaned
    digest = hashlib.sha1(app.name.encode()).hexdigest()[:8]
    return f"{cleaned[: ELB_NAME_MAX - len(digest) - 1].rstrip('-')}-{digest}"


def log_group(function: str) -> str:
    return f"/aws/lambda/{function}"


def function_arn(aws: AwsSession, function: str) -> str:
    return f"arn:{aws.partition}:lambda:{aws.region}:{aws.account_id}:function:{function}"


def alias_arn(aws: AwsSession, function: str) -> str:
    return f"{function_arn(aws, function)}:{ALIAS}"


def role_arn(aws: AwsSession, role: str) -> str:
    return f"arn:{aws.partition}:iam::{aws.account_id}:role/{role}"


def log_group_arn(aws: AwsSession, function: str) -> str:
    return f"arn:{aws.partition}:logs:{aws.region}:{aws.account_id}:log-group:{log_group(function)}"


def log_statement(partition: str, region: str, account_id: str, function: str) -> dict[str, Any]:
    """The one logging grant every lw role carries, whichever way its policy was made
    (fixed list or ``iam_policy: auto``). ``CreateLogGroup`` is in it because Lambda
    creates the group on the first invocation when nothing else has."""
    group = f"arn:{partition}:logs:{region}:{account_id}:log-group:{log_group(function)}"
    return {
        "Sid": "Logs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [group, f"{group}:*"],
    }


def execute_api_arn(aws: AwsSession, api_id: str) -> str:
    return f"arn:{aws.partition}:execute-api:{aws.region}:{aws.account_id}:{api_id}/*"


def artifact_bucket(app: AppModel, aws: AwsSession) -> str:
    """``s3_bucket`` or a per-stage default; S3 names are global, hence the account id.
    A global stage (``regions``) gets one bucket per region, named after it, because
    Lambda only reads code from a bucket in the function's own region. A long default
    is shortened in its project part: the account id is what keeps it from colliding
    with another account's bucket, so it is never cut."""
    configured = app.setting("s3_bucket")
    if configured:
        return check_bucket_name(app, str(configured), "s3_bucket")
    region = aws.region if app.setting("regions") else None
    return check_bucket_name(
        app, default_bucket(app.name, aws.account_id, region), "the default package bucket (set s3_bucket)"
    )


def default_bucket(stage_name: str, account_id: str, region: str | None) -> str:
    suffix = f"-lw-{account_id}" + (f"-{region}" if region else "")
    prefix = stage_name.lower().replace("_", "-")[: BUCKET_NAME_MAX - len(suffix)].strip(".")
    return prefix + suffix


def check_bucket_name(app: AppModel, name: str, what: str) -> str:
    """S3's rules, checked while planning so a bad name fails before anything is made."""
    if not (BUCKET_NAME_MIN <= len(name) <= BUCKET_NAME_MAX) or not _BUCKET_NAME.fullmatch(name) or ".." in name:
        raise ConfigError(
            f"{app.config_file.name}: stage '{app.stage}': {what}: {name!r} is not a valid S3 bucket name "
            f"({BUCKET_NAME_MIN}-{BUCKET_NAME_MAX} characters of a-z, 0-9, '.' and '-', starting and ending "
            "with a letter or digit)"
        )
    return name


def artifact_prefix(app: AppModel) -> str:
    return f"lw/{app.name}/"


def owns(tags: dict[str, str] | None, app: AppModel) -> bool:
    """Whether a resource's tags say lw made it for this stage."""
    tags = tags or {}
    return tags.get("lw:project") == app.project_name and tags.get("lw:stage") == app.stage


def tag_list(app: AppModel) -> list[dict[str, str]]:
    """Tags in the ``[{"Key":…, "Value":…}]`` form IAM and S3 use."""
    return [{"Key": k, "Value": v} for k, v in sorted(app.tags.items())]


def find_owned_apigateway_item(
    aws: AwsSession, app: AppModel, operation: str, what: str, **params: Any
) -> dict[str, Any] | None:
    """The API Gateway (REST) item named ``api_name(app)`` that carries this stage's
    tags, from a paginated ``get_*`` listing (REST APIs, API keys, usage plans).

    Name alone is not enough: another stage or team may use the same name."""
    from lw.providers.aws.errors import aws_call

    client = aws.client("apigateway")
    name = api_name(app)
    # 500 is the largest page API Gateway gives (its default is 25): one call where
    # an account with many APIs would otherwise take dozens, each against the quota.
    pages = aws_call(
        "list",
        what,
        lambda: list(client.get_paginator(operation).paginate(**params, PaginationConfig={"PageSize": PAGE_SIZE})),
    )
    for page in pages:
        for item in page.get("items") or []:
            if item.get("name") == name and owns(item.get("tags"), app):
                return dict(item)
    return None
