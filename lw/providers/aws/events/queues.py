"""What an SQS queue must allow before Lambda may poll it, checked while planning.

``CreateEventSourceMapping`` refuses a queue whose visibility timeout is shorter
than the function's timeout (a message would reappear while the function still works
on it). Finding that out at apply time leaves the stage half-wired, so the queue's
setting is read during the plan and a mismatch is a configuration error naming both
values and the two ways out.
"""

from __future__ import annotations

from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.core.model import EventBinding
from lw.providers.aws.events.arns import parse_source
from lw.providers.aws.events.bindings import label, source_arn
from lw.providers.aws.events.reads import read_optional
from lw.providers.aws.session import AwsSession


def check_visibility_timeouts(ctx: Context, aws: AwsSession, bindings: list[EventBinding]) -> None:
    """Raise one ``ConfigError`` listing each SQS binding whose queue hides a message
    for less time than the function may run (a missing queue is left to the plan)."""
    timeout = int(ctx.app.timeout_seconds)
    sqs = aws.client("sqs")
    problems: list[str] = []
    for binding in bindings:
        if binding.kind != "sqs":
            continue
        parsed = parse_source("sqs", source_arn(binding))
        if parsed is None:
            continue
        queue = read_optional(
            "find",
            f"SQS queue {parsed.name}",
            lambda: sqs.get_queue_url(QueueName=parsed.name, QueueOwnerAWSAccountId=parsed.account),
        )
        if queue is None:
            continue
        attributes = read_optional(
            "read",
            f"SQS queue {parsed.name}",
            lambda: sqs.get_queue_attributes(QueueUrl=queue["QueueUrl"], AttributeNames=["VisibilityTimeout"]),
        )
        visibility = int(((attributes or {}).get("Attributes") or {}).get("VisibilityTimeout", timeout))
        if visibility < timeout:
            problems.append(
                f"{label(binding)}: queue {parsed.name} has a visibility timeout of {visibility}s, less "
                f"than the function's timeout_seconds ({timeout}s); Lambda refuses to poll it. Raise "
                f"the queue's VisibilityTimeout to at least {timeout} (AWS advises 6x) or lower "
                "timeout_seconds"
            )
    if problems:
        app = ctx.app
        raise ConfigError(f"{app.config_file.name}: stage '{app.stage}': " + "; ".join(problems))
