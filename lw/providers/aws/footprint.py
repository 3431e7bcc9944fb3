"""Which API Gateway control-plane APIs hold a stage's resources: a tag on its function.

Planning a stage also plans the removal of front doors it no longer uses, which
means reading them. Reading both APIs every time made ``lw deploy --dry-run`` fail for
a deployer whose IAM policy allows only what the stage uses (REST APIs only: no
``apigateway:GET`` on ``/apis``, the HTTP API side). So the function carries
``lw:apigateway`` listing the APIs the stage has resources in: ``v1`` (REST APIs,
their base path mappings) and ``v2`` (HTTP APIs, and the API mappings a multi-level
REST ``base_path`` needs). lw reads only those, and rewrites the tag after the plan's
routes ran, so a removal that failed is still looked for next time. ``elbv2`` says
the stage has an Application Load Balancer front door (``alb``): a stage that never had
one never reads Elastic Load Balancing, so its deployer needs no permission there.

A function lw made before this tag existed says nothing: both APIs are read, as
before. Without a function nothing of the stage's front doors can exist for a deploy,
while an undeploy still looks everywhere to clean up what a failed run left.
"""

from __future__ import annotations

from lw.core.context import Context
from lw.core.plan import Change, Outputs
from lw.providers.aws import names
from lw.providers.aws.errors import read_or_none
from lw.providers.aws.session import AwsSession

TAG = "lw:apigateway"
V1 = "v1"
V2 = "v2"
ALB = "elbv2"
BOTH = frozenset({V1, V2})
_NONE = "none"  # a tag value cannot be empty everywhere: spell "no API Gateway"
_MISSING = object()


def _memo_key(function: str) -> str:
    return f"tags:{function}"


def _function_tags(aws: AwsSession, function: str) -> dict[str, str] | None:
    """The function's tags, read once per session (``None``: no such function)."""
    key = _memo_key(function)
    cached = aws.memo.get(key, _MISSING)
    if cached is _MISSING:
        lam = aws.client("lambda")
        found = read_or_none(f"Lambda function {function}", lambda: lam.get_function(FunctionName=function))
        cached = None if found is None else dict(found.get("Tags") or {})
        aws.memo[key] = cached
    return cached


def parse(value: str | None) -> frozenset[str]:
    return frozenset(v for v in (value or "").split() if v in BOTH or v == ALB)


def render(apis: frozenset[str] | set[str]) -> str:
    return " ".join(sorted(apis)) or _NONE


def used(ctx: Context, aws: AwsSession, *, undeploying: bool = False) -> frozenset[str]:
    """The APIs to read for this stage's existing front doors."""
    tags = _function_tags(aws, names.function_name(ctx.app))
    if tags is None:
        return BOTH | {ALB} if undeploying else frozenset()
    if TAG not in tags:
        return BOTH
    return parse(tags[TAG])


def wanted(kind: str | None, base_path: str | None, *, alb: bool = False) -> frozenset[str]:
    """The APIs the configuration puts resources in: a REST API (v1) and, for a
    ``base_path`` of several segments, its v2 API mapping; an HTTP API (v2); a load
    balancer's target group (elbv2)."""
    apis: set[str] = {ALB} if alb else set()
    if kind == "rest":
        apis.add(V1)
        if base_path and "/" in base_path.strip("/"):
            apis.add(V2)
    elif kind == "http":
        apis.add(V2)
    return frozenset(apis)


def tag_change(ctx: Context, aws: AwsSession, apis: frozenset[str]) -> list[Change]:
    """Record ``apis`` on the function, after the routes it follows have run."""
    function = names.function_name(ctx.app)
    tags = _function_tags(aws, function)
    value = render(apis)
    if tags is not None and tags.get(TAG) == value:
        return []

    def apply(outputs: Outputs) -> None:
        aws.client("lambda").tag_resource(Resource=names.function_arn(aws, function), Tags={TAG: value})
        aws.memo[_memo_key(function)] = {**(tags or {}), TAG: value}  # a later plan in this session sees it

    return [
        Change(
            "update",
            f"Lambda function {function}",
            f"tag {TAG}={value} (the API Gateway APIs it uses)",
            apply,
            step="tag function",
        )
    ]
