"""Narrowing a statement's Resource from the literal arguments of a call.

A call whose bucket, table, queue, topic… is a literal string in the code gets that
resource's ARN; one whose name is computed at run time gets ``"*"`` and a warning,
because granting less would break the app. Only parameters whose ARN format is
certain are narrowed; the rules are per IAM prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeGuard

WILDCARD = "*"


@dataclass(frozen=True)
class Place:
    """Where the call is being granted: partition, region and account of the ARNs."""

    region: str = "*"
    account: str = "*"

    @property
    def partition(self) -> str:
        from lw.providers.aws.session import partition_of

        return partition_of(self.region)

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region, account = (self.region, self.account) if regional else ("", "")
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"


@dataclass(frozen=True)
class Narrowed:
    """The resources one action of a call is granted on; ``widened`` names the
    parameter that kept it from being narrower."""

    resources: tuple[str, ...]
    widened: str | None = None


def _is_text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value)


def _given_arn(params: Mapping[str, Any]) -> tuple[str, ...] | None:
    """Any ``...Arn`` parameter holding a literal ARN names the resource exactly."""
    arns = tuple(
        sorted(v for k, v in params.items() if k.lower().endswith("arn") and _is_text(v) and v.startswith("arn:"))
    )
    return arns or None


def _s3(operation: str, action: str, params: Mapping[str, Any], members: frozenset[str], place: Place) -> Narrowed:
    object_level = "Key" in members or operation == "DeleteObjects"
    if (
        action.endswith(":GetObject")
        and operation in ("CopyObject", "UploadPartCopy")
        or operation == "HeadObject"
        and "CopySource" in params
    ):
        return _s3_copy_source(params.get("CopySource"), place)
    if "Bucket" not in members:
        return Narrowed((WILDCARD,))
    bucket = params.get("Bucket")
    if not _is_text(bucket):
        return Narrowed((WILDCARD,), "Bucket")
    if bucket.startswith("arn:"):
        return Narrowed((f"{bucket}/object/*" if object_level else bucket,))
    base = f"arn:{place.partition}:s3:::{bucket}"
    return Narrowed((f"{base}/*" if object_level else base,))


def _s3_copy_source(source: Any, place: Place) -> Narrowed:
    bucket: Any = None
    if isinstance(source, dict):
        bucket = source.get("Bucket")
    elif _is_text(source):
        bucket = source.lstrip("/").split("/", 1)[0] if "/" in source.lstrip("/") else None
    if not _is_text(bucket):
        return Narrowed((WILDCARD,), "CopySource")
    return Narrowed((f"arn:{place.partition}:s3:::{bucket}/*",))


def _dynamodb(
    operation: str, action: str, params: Mapping[str, Any], members: frozenset[str], place: Place
) -> Narrowed:
    if "RequestItems" in members and "TableName" not in params:
        items = params.get("RequestItems")
        if isinstance(items, dict) and items and all(_is_text(k) for k in items):
            return Narrowed(tuple(sorted(place.arn("dynamodb", f"table/{t}") for t in items)))
        return Narrowed((WILDCARD,), "RequestItems")
    if "TableName" not in members and "TableName" not in params:
        return Narrowed((WILDCARD,))
    table = params.get("TableName")
    if not _is_text(table):
        return Narrowed((WILDCARD,), "TableName")
    arn = table if table.startswith("arn:") else place.arn("dynamodb", f"table/{table}")
    if "IndexName" in params:
        return Narrowed((arn, f"{arn}/index/*"))
    return Narrowed((arn,))


_QUEUE_URL = re.compile(r"^https?://(?:sqs\.)?([a-z0-9-]+)?\.?(?:queue\.)?amazonaws\.com[^/]*/(\d{12})/([^/?#]+)$")


def _sqs(operation: str, action: str, params: Mapping[str, Any], members: frozenset[str], place: Place) -> Narrowed:
    if "QueueUrl" in members:
        url = params.get("QueueUrl")
        match = _QUEUE_URL.match(url) if _is_text(url) else None
        if match is None:
            return Narrowed((WILDCARD,), "QueueUrl")
        region = match.group(1) if match.group(1) and match.group(1) not in ("sqs", "queue") else place.region
        return Narrowed((Place(region, match.group(2)).arn("sqs", match.group(3)),))
    if "QueueName" in members:
        name = params.get("QueueName")
        return Narrowed((place.arn("sqs", name),)) if _is_text(name) else Narrowed((WILDCARD,), "QueueName")
    return Narrowed((WILDCARD,))


def _named(param: str, resource: Callable[[str, Place], str]) -> Callable[..., Narrowed]:
    """A rule for services whose resource is named by one parameter (or given as an ARN)."""

    def rule(operation: str, action: str, params: Mapping[str, Any], members: frozenset[str], place: Place) -> Narrowed:
        if param not in members:
            return Narrowed(_given_arn(params) or (WILDCARD,))
        value = params.get(param)
        if not _is_text(value):
            return Narrowed((WILDCARD,), param)
        return Narrowed((value if value.startswith("arn:") else resource(value, place),))

    return rule


def _sns(operation: str, action: str, params: Mapping[str, Any], members: frozenset[str], place: Place) -> Narrowed:
    for param in ("TopicArn", "TargetArn"):
        if param in members and _is_text(params.get(param)):
            return Narrowed((str(params[param]),))
    if "TopicArn" in members and "PhoneNumber" not in params:
        return Narrowed((WILDCARD,), "TopicArn")
    return Narrowed((WILDCARD,))


def _ssm(operation: str, action: str, params: Mapping[str, Any], members: frozenset[str], place: Place) -> Narrowed:
    def parameter(name: str) -> str:
        return name if name.startswith("arn:") else place.arn("ssm", "parameter/" + name.lstrip("/"))

    if "Names" in members:
        names = params.get("Names")
        if isinstance(names, list) and names and all(_is_text(n) for n in names):
            return Narrowed(tuple(sorted(parameter(n) for n in names)))
        return Narrowed((WILDCARD,), "Names")
    if "Path" in members:
        path = params.get("Path")
        if _is_text(path):
            return Narrowed((parameter(path.rstrip("/")), parameter(path.rstrip("/") + "/*")))
        return Narrowed((WILDCARD,), "Path")
    if "Name" in members:
        name = params.get("Name")
        return Narrowed((parameter(name),)) if _is_text(name) else Narrowed((WILDCARD,), "Name")
    return Narrowed((WILDCARD,))


Rule = Callable[[str, str, Mapping[str, Any], frozenset, Place], Narrowed]

RULES: dict[str, Rule] = {
    "s3": _s3,
    "dynamodb": _dynamodb,
    "sqs": _sqs,
    "sns": _sns,
    "ssm": _ssm,
    "lambda": _named("FunctionName", lambda v, p: p.arn("lambda", f"function:{v}")),
    "secretsmanager": _named("SecretId", lambda v, p: p.arn("secretsmanager", f"secret:{v}-*")),
    "kinesis": _named("StreamName", lambda v, p: p.arn("kinesis", f"stream/{v}")),
    "states": _named("stateMachineArn", lambda v, p: v),
    "events": _named("EventBusName", lambda v, p: p.arn("events", f"event-bus/{v}")),
    # ECR: repository-level actions narrow to the repository; GetAuthorizationToken
    # (no repositoryName) accepts only "*", which is what the rule gives it.
    "ecr": _named("repositoryName", lambda v, p: p.arn("ecr", f"repository/{v}")),
}


def narrow(
    prefix: str, operation: str, action: str, params: Mapping[str, Any], members: frozenset[str], place: Place
) -> Narrowed | None:
    """The resources for ``action`` of this call, or None when no rule knows the
    service (the caller then grants ``"*"`` and says so once per service)."""
    if params.get("**"):
        return Narrowed((WILDCARD,), "**kwargs")
    rule = RULES.get(prefix)
    if rule is None:
        given = _given_arn(params)
        return Narrowed(given) if given else None
    return rule(operation, action, params, members, place)
