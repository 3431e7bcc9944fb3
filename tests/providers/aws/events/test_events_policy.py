"""The role statements event sources need: exactly their actions on exactly their ARNs."""

from __future__ import annotations

from events_helpers import make_app, s3_event, schedule_event, sns_event, sqs_event, stream_event

from lw.providers.aws.events import policy_statements

QUEUE = "arn:aws:sqs:us-east-1:123456789012:jobs"
QUEUE_2 = "arn:aws:sqs:us-east-1:123456789012:alerts"
TABLE_STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-11-26T10:00:00.000"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/users"
KINESIS = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"


def _statements(*events):
    return policy_statements(make_app(list(events), keep_warm=True), "123456789012", "us-east-1")


def test_sqs_statement():
    assert _statements(sqs_event(QUEUE, name="a"), sqs_event(QUEUE_2, name="b")) == [
        {
            "Sid": "LwEventsSqs",
            "Effect": "Allow",
            "Action": [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            "Resource": [QUEUE_2, QUEUE],
        }
    ]


def test_dynamodb_statement_covers_every_stream_of_the_table():
    assert _statements(stream_event("dynamodb", TABLE_STREAM, name="a"), stream_event("dynamodb", TABLE, name="b")) == [
        {
            "Sid": "LwEventsDynamoDbStreams",
            "Effect": "Allow",
            "Action": [
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
            ],
            "Resource": [
                "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/*",
                "arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/*",
            ],
        }
    ]


def test_kinesis_statement():
    assert _statements(stream_event("kinesis", KINESIS)) == [
        {
            "Sid": "LwEventsKinesis",
            "Effect": "Allow",
            "Action": [
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:ListShards",
                "kinesis:SubscribeToShard",
            ],
            "Resource": [KINESIS],
        }
    ]


def test_push_sources_need_no_role_statement():
    """S3, SNS and EventBridge invoke through the alias's resource policy instead."""
    assert (
        _statements(s3_event(), sns_event("arn:aws:sns:us-east-1:123456789012:orders"), schedule_event("rate(1 hour)"))
        == []
    )


def test_every_kind_together_and_nothing_wider():
    statements = _statements(
        sqs_event(QUEUE), stream_event("dynamodb", TABLE_STREAM), stream_event("kinesis", KINESIS, name="k"), s3_event()
    )
    assert [s["Sid"] for s in statements] == ["LwEventsSqs", "LwEventsDynamoDbStreams", "LwEventsKinesis"]
    for statement in statements:
        assert all("*" not in a for a in statement["Action"])
        assert all(r.startswith("arn:aws:") and r != "*" for r in statement["Resource"])


def test_events_scoped_to_another_provider_are_ignored():
    import dataclasses

    scoped = dataclasses.replace(sqs_event(QUEUE), providers=("openwhisk",))
    assert _statements(scoped) == []
