"""AWS's "not yet" answers, recognised so that lw waits them out instead of failing.

IAM is eventually consistent: for seconds (sometimes a minute or more) after a role or
one of its policies is written, Lambda still sees the old one and refuses with one of
several ``InvalidParameterValueException`` messages, depending on which permission it
checked. Each is listed here with the call that produces it; all are retried the same
way, for up to two minutes (as Terraform does for the same messages).
"""

from __future__ import annotations

import re
from typing import Any, Callable, TypeVar

from lw.providers.aws.errors import aws_message, error_code
from lw.providers.aws.waits import retry_while

T = TypeVar("T")

IAM_BUDGET_SECONDS = 120.0

# (pattern, what lw tells the user while it waits)
_IAM_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    # CreateFunction / UpdateFunctionConfiguration with a role IAM just created
    (re.compile(r"cannot be assumed by Lambda", re.I), "the new IAM role cannot be assumed by Lambda yet"),
    # VPC functions: the role's ec2:CreateNetworkInterface grant not visible yet
    (
        re.compile(r"does not have permissions? to call CreateNetworkInterface on EC2", re.I),
        "the role's VPC permissions are not visible to Lambda yet",
    ),
    # dead-letter queue / topic: sqs:SendMessage or sns:Publish not visible yet
    (
        re.compile(r"does not have permissions? to call (SendMessage on SQS|Publish on SNS)", re.I),
        "the role's dead-letter permission is not visible to Lambda yet",
    ),
    # Create/UpdateEventSourceMapping on SQS: sqs:ReceiveMessage (and friends)
    (
        re.compile(r"does not have permissions? to call \w+ on SQS", re.I),
        "the role's queue permissions are not visible to Lambda yet",
    ),
    # streams: "...execution role does not have permissions to call GetRecords..." or
    # "Cannot access stream ... Please ensure the role can perform the GetRecords, ..."
    (
        re.compile(
            r"(permissions? to call (GetRecords|GetShardIterator|DescribeStream|ListStreams|ListShards))"
            r"|(ensure the role can perform the GetRecords)",
            re.I,
        ),
        "the role's stream permissions are not visible to Lambda yet",
    ),
    # any other "execution role does not have permissions to call X" Lambda checks
    (
        re.compile(r"execution role does not have permissions? to call", re.I),
        "the role's permissions are not visible to Lambda yet",
    ),
)


def iam_not_propagated(exc: BaseException) -> str | None:
    """Why ``exc`` is IAM still propagating (``None``: it is a real refusal)."""
    if error_code(exc) not in {"InvalidParameterValueException", "InvalidParameterValue"}:
        return None
    message = aws_message(exc)
    for pattern, reason in _IAM_MESSAGES:
        if pattern.search(message):
            return reason
    return None


def retry_iam(
    call: Callable[[], T], progress: Callable[[str], None] | None = None, *, budget: float = IAM_BUDGET_SECONDS
) -> T:
    """``call()``, retried with backoff while Lambda answers with an IAM-propagation
    message, for up to ``budget`` seconds; every wait is reported through ``progress``."""
    return retry_while(call, iam_not_propagated, progress=progress, budget=budget)


def resource_busy(exc: BaseException) -> str | None:
    """Lambda's "wait until the previous operation finished" answers."""
    code = error_code(exc)
    if code == "ResourceConflictException":
        message = aws_message(exc)
        if re.search(r"in progress|currently in the following state|at this time|pending", message, re.I):
            return "Lambda is still applying the previous change"
        return None
    if code == "ResourceInUseException":
        return "the resource is still changing state"
    return None


def no_op_progress(message: str) -> None:  # pragma: no cover - trivial
    """A progress sink for callers without a reporter."""


def reporter_progress(ctx: Any) -> Callable[[str], None]:
    """The progress callable of a ``Context`` (or a no-op when there is none)."""
    reporter = getattr(ctx, "reporter", None)
    return reporter.progress if reporter is not None else no_op_progress
