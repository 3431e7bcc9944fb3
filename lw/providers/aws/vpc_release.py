"""Undeploy of a VPC function: wait for Lambda to let go of its network interfaces.

Lambda removes a VPC function's network interfaces (described "AWS Lambda VPC
ENI-<function>-…") some minutes after the function is deleted, acting with the
function's execution role. Deleting that role first leaves the interfaces stuck "in
use", and with them the subnets and security groups the user then cannot delete.
Terraform waits for them in the same way; lw waits before the role goes and, if they
outlast the wait, keeps the role and says to run ``lw undeploy`` again later.
"""

from __future__ import annotations

import time
from typing import Any

from lw.core.context import Context
from lw.core.errors import ProviderError
from lw.core.plan import Change, Outputs
from lw.providers.aws.errors import read_or_none
from lw.providers.aws.session import AwsSession

POLL_SECONDS = 15.0
# Lambda documents "up to 20 minutes" for releasing a hyperplane interface; allow twice.
TIMEOUT_SECONDS = 40 * 60.0
clock = time.monotonic


def interface_prefix(function: str) -> str:
    return f"AWS Lambda VPC ENI-{function}-"


def wait_change(ctx: Context, aws: AwsSession, function: str) -> list[Change]:
    """A cleanup change that waits for the interfaces, when the function is in a VPC."""
    lam = aws.client("lambda")
    config = read_or_none(f"Lambda function {function}", lambda: lam.get_function_configuration(FunctionName=function))
    if not config or not (config.get("VpcConfig") or {}).get("SubnetIds"):
        return []

    def wait(outputs: Outputs) -> None:
        wait_released(ctx, aws, function)

    return [
        Change(
            "delete",
            f"network interfaces of {function}",
            "Lambda releases them with the role: wait before deleting it",
            wait,
            phase="cleanup",
            step="wait for VPC network interfaces",
        )
    ]


def wait_released(ctx: Context, aws: AwsSession, function: str) -> None:
    from lw.providers.aws import waits

    ec2 = aws.client("ec2")
    deadline = clock() + TIMEOUT_SECONDS * waits.scale()
    while True:
        left = _interfaces(ec2, function)
        if not left:
            return
        if clock() >= deadline:
            raise ProviderError(
                f"{len(left)} network interface(s) of {function} ({', '.join(left[:3])}) are still held by Lambda "
                f"after {TIMEOUT_SECONDS / 60:.0f} minutes; the execution role is kept so Lambda can remove them: "
                "run lw undeploy again later"
            )
        ctx.reporter.progress(f"waiting for Lambda to release {len(left)} network interface(s) of {function}")
        waits.pause(POLL_SECONDS)


def _interfaces(ec2: Any, function: str) -> list[str]:
    found = ec2.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": [interface_prefix(function) + "*"]}]
    )
    return [str(i["NetworkInterfaceId"]) for i in found.get("NetworkInterfaces") or []]
