"""Fixtures for the event-source tests: a deployed function with its ``live`` alias
(created directly with boto3, independent of lw's own deploy code) and the sources."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from events_helpers import REGION, create_function, s3_event, schedule_event, sns_event, sqs_event, stream_event

from lw.core.model import EventBinding


@pytest.fixture
def aws(aws_env: str) -> Any:
    from lw.providers.aws.session import AwsSession

    return AwsSession(region=REGION)


@pytest.fixture
def function(aws: Any) -> str:
    return create_function(aws)


@pytest.fixture
def sources(aws: Any) -> dict[str, str]:
    """One source of each kind: bucket name and topic/queue/stream ARNs."""
    aws.client("s3").create_bucket(Bucket="upload-bucket")
    topic = aws.client("sns").create_topic(Name="orders")["TopicArn"]
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    table = aws.client("dynamodb").create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    kinesis = aws.client("kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    stream = kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"]["StreamARN"]
    return {
        "bucket": "upload-bucket",
        "topic": topic,
        "queue": queue,
        "table": table["TableArn"],
        "table_stream": table["LatestStreamArn"],
        "kinesis": stream,
    }


@pytest.fixture
def all_events(sources: dict[str, str]) -> Callable[[], list[EventBinding]]:
    def build() -> list[EventBinding]:
        return [
            s3_event(key_filters=[{"type": "prefix", "value": "uploads/"}, {"type": "suffix", "value": ".jpg"}]),
            sns_event(sources["topic"], filters={"kind": ["order"]}),
            sqs_event(sources["queue"], batch_size=5),
            stream_event("dynamodb", sources["table_stream"], batch_size=50),
            stream_event("kinesis", sources["kinesis"], starting_position="TRIM_HORIZON"),
            schedule_event("rate(1 hour)", "cron(0 3 * * ? *)"),
        ]

    return build
