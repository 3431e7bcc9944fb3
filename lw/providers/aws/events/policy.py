"""The execution role's statements for the event sources Lambda polls on its behalf.

Only pull sources need the role: Lambda reads SQS, DynamoDB streams and Kinesis with
the function's own identity. S3, SNS and EventBridge push through the alias's
resource policy instead (see ``permissions``), so they add nothing here; reading the
objects an S3 event names is the app's business (``extra_permissions``). Each
statement lists only its kind's actions on exactly the configured ARNs, where Zappa
granted every action of every one of these services on every resource.
"""

from __future__ import annotations

from typing import Any

from lw.core.model import AppModel
from lw.providers.aws.events.arns import dynamodb_streams_arn, parse_source
from lw.providers.aws.events.bindings import MAPPING_KINDS, source_arn

ACTIONS: dict[str, tuple[str, ...]] = {
    "sqs": ("sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"),
    "dynamodb": ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"),
    "kinesis": (
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
        "kinesis:SubscribeToShard",
    ),
}
_SIDS = {"sqs": "LwEventsSqs", "dynamodb": "LwEventsDynamoDbStreams", "kinesis": "LwEventsKinesis"}


def policy_statements(app: AppModel, account_id: str, region: str) -> list[dict[str, Any]]:
    """One statement per polled kind, its resources sorted so the policy document is
    byte-identical between deploys (an unchanged policy must not be rewritten).

    ``account_id`` and ``region`` are part of the contract for sources given by name;
    configured sources are full ARNs, so they are used as written.
    """
    resources: dict[str, set[str]] = {kind: set() for kind in ACTIONS}
    for binding in app.events_for("aws"):
        if binding.kind not in MAPPING_KINDS:
            continue
        arn = source_arn(binding)
        parsed = parse_source(binding.kind, arn)
        if parsed is None:
            continue  # rejected with a ConfigError naming the event when events are planned
        resources[binding.kind].add(dynamodb_streams_arn(parsed) if binding.kind == "dynamodb" else arn)
    return [
        {"Sid": _SIDS[kind], "Effect": "Allow", "Action": list(ACTIONS[kind]), "Resource": sorted(arns)}
        for kind, arns in resources.items()
        if arns
    ]
