"""Source ARNs: checking that an ARN names the kind of resource its event expects.

A typo such as a topic ARN under an SQS event otherwise surfaces only as a cryptic
AWS error halfway through a deploy; parsing here lets validation name the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARTITION = r"aws(?:-[a-z]+)*"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
_ACCOUNT = r"\d{12}"

_PATTERNS: dict[str, re.Pattern[str]] = {
    "s3": re.compile(rf"arn:(?P<partition>{_PARTITION}):s3:::(?P<name>[a-z0-9][a-z0-9.-]{{1,61}}[a-z0-9])"),
    "sns": re.compile(
        rf"arn:(?P<partition>{_PARTITION}):sns:(?P<region>{_REGION}):(?P<account>{_ACCOUNT}):(?P<name>[A-Za-z0-9_-]{{1,256}}(?:\.fifo)?)"
    ),
    "sqs": re.compile(
        rf"arn:(?P<partition>{_PARTITION}):sqs:(?P<region>{_REGION}):(?P<account>{_ACCOUNT}):(?P<name>[A-Za-z0-9_-]{{1,80}}(?:\.fifo)?)"
    ),
    "dynamodb": re.compile(
        rf"arn:(?P<partition>{_PARTITION}):dynamodb:(?P<region>{_REGION}):(?P<account>{_ACCOUNT}):"
        rf"table/(?P<name>[A-Za-z0-9_.-]{{3,255}})(?:/stream/(?P<label>[^/\s]+))?"
    ),
    "kinesis": re.compile(
        rf"arn:(?P<partition>{_PARTITION}):kinesis:(?P<region>{_REGION}):(?P<account>{_ACCOUNT}):stream/(?P<name>[A-Za-z0-9_.-]{{1,128}})"
    ),
}

EXPECTED_SHAPE = {
    "s3": "arn:aws:s3:::BUCKET",
    "sns": "arn:aws:sns:REGION:ACCOUNT:TOPIC",
    "sqs": "arn:aws:sqs:REGION:ACCOUNT:QUEUE",
    "dynamodb": "arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE[/stream/LABEL]",
    "kinesis": "arn:aws:kinesis:REGION:ACCOUNT:stream/STREAM",
}


@dataclass(frozen=True)
class SourceArn:
    """A parsed event-source ARN (S3 ARNs carry no region or account)."""

    arn: str
    kind: str
    partition: str
    name: str
    region: str | None = None
    account: str | None = None
    stream_label: str | None = None

    @property
    def is_stream(self) -> bool:
        """A DynamoDB ARN that already names a stream (not only its table)."""
        return self.stream_label is not None


def parse_source(kind: str, arn: str) -> SourceArn | None:
    """The parsed ARN, or ``None`` when ``arn`` is not an ARN of ``kind``."""
    pattern = _PATTERNS.get(kind)
    match = pattern.fullmatch(arn) if pattern else None
    if match is None:
        return None
    groups = match.groupdict()
    return SourceArn(
        arn=arn,
        kind=kind,
        partition=groups["partition"],
        name=groups["name"],
        region=groups.get("region"),
        account=groups.get("account"),
        stream_label=groups.get("label"),
    )


def dynamodb_streams_arn(source: SourceArn) -> str:
    """Every stream of the table: stream labels change when a stream is re-enabled,
    so the role's statement must not pin one."""
    return f"arn:{source.partition}:dynamodb:{source.region}:{source.account}:table/{source.name}/stream/*"


def bucket_arn(partition: str, bucket: str) -> str:
    return f"arn:{partition}:s3:::{bucket}"
