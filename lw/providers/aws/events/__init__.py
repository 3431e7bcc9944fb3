"""AWS event sources: S3 notifications, SNS subscriptions, SQS/DynamoDB/Kinesis
mappings, EventBridge schedules and keep-warm, plus the role statements they need.

The rest of the AWS provider uses only the four functions re-exported here.
"""

from __future__ import annotations

from lw.providers.aws.events.plan import describe_events, plan_events, plan_events_removal
from lw.providers.aws.events.policy import policy_statements

__all__ = ["describe_events", "plan_events", "plan_events_removal", "policy_statements"]
