"""AWS-shaped test events for ``lw invoke --event KIND``.

A user who wants to try an S3 or SQS handler should not have to find and edit a JSON
sample from the AWS docs: these builders produce the documented record shapes with the
few fields a handler actually reads filled from the command line, or from the stage's
own event binding when the command line leaves them out. They are provider-neutral:
the local provider sends them to its workers and the AWS provider can invoke with them.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from lw.core.errors import UsageError
from lw.core.model import AppModel, EventBinding

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"


def kinds() -> tuple[str, ...]:
    return tuple(sorted(_BUILDERS))


def make(
    kind: str,
    *,
    app: AppModel | None = None,
    bucket: str | None = None,
    key: str | None = None,
    body: str | None = None,
    source: str | None = None,
    binding: str | None = None,
    region: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Build one event of ``kind`` (s3, sqs, sns, schedule, dynamodb, kinesis).

    ``source`` is the ARN of the event source; when it is missing the first binding of
    that kind in ``app`` supplies it, so ``lw invoke --event sqs --body hi`` reaches the
    configured queue's handler without the user repeating the ARN. A ``source`` that
    is not an ARN names a binding of the stage instead (``--source nightly``).
    """
    if source and not source.startswith("arn:") and binding is None:
        binding, source = source, None
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise UsageError(f"--event: unknown event kind {kind!r}; choose one of: {', '.join(kinds())}")
    chosen = _binding_for(app, kind, binding)
    facts = _Facts(
        region=region or _region_of(app),
        account=DEFAULT_ACCOUNT,
        now=now or datetime.now(timezone.utc),
        source=source or (chosen.source if chosen else None),
        bucket=bucket,
        key=key,
        body=body,
        binding=chosen,
        app=app,
    )
    return builder(facts)


@dataclass(frozen=True)
class _Facts:
    """What a builder may use: the command line's values and the stage's binding."""

    region: str
    account: str
    now: datetime
    source: str | None
    bucket: str | None
    key: str | None
    body: str | None
    binding: EventBinding | None
    app: AppModel | None

    @property
    def iso(self) -> str:
        return self.now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.now.microsecond // 1000:03d}Z"

    @property
    def epoch_ms(self) -> int:
        return int(self.now.timestamp() * 1000)


def _binding_for(app: AppModel | None, kind: str, name: str | None) -> EventBinding | None:
    if app is None:
        return None
    candidates = [e for e in app.events if e.kind == kind or (kind == "schedule" and e.kind == "keep_warm")]
    if name is not None:
        for event in app.events:
            if event.name == name:
                return event
        known = ", ".join(e.name for e in app.events) or "none"
        raise UsageError(f"--binding: no event named {name!r} in stage '{app.stage}' (events: {known})")
    preferred = [e for e in candidates if e.kind == kind]
    return next(iter(preferred or candidates), None)


def _region_of(app: AppModel | None) -> str:
    if app is None:
        return DEFAULT_REGION
    return str(app.setting("aws_region") or DEFAULT_REGION)


def _arn_name(arn: str | None, default: str) -> str:
    if not arn:
        return default
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1] or default


def _s3(f: _Facts) -> dict[str, Any]:
    bucket = f.bucket or _arn_name(f.source, "upload-bucket")
    key = f.key or "example.txt"
    size = len(f.body.encode()) if f.body else 1024
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": f.region,
                "eventTime": f.iso,
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "EXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": _short_id(), "x-amz-id-2": _short_id()},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": f.binding.name if f.binding else "lw-sample",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "EXAMPLE"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {"key": key, "size": size, "eTag": _short_id(), "sequencer": "0A1B2C3D4E5F678901"},
                },
            }
        ]
    }


def _sqs(f: _Facts) -> dict[str, Any]:
    arn = f.source or f"arn:aws:sqs:{f.region}:{f.account}:example-queue"
    body = f.body if f.body is not None else "Hello from lw"
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": _short_id(),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(f.epoch_ms),
                    "SenderId": f.account,
                    "ApproximateFirstReceiveTimestamp": str(f.epoch_ms),
                },
                "messageAttributes": {},
                "md5OfBody": _md5(body),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": _arn_region(arn, f.region),
            }
        ]
    }


def _sns(f: _Facts) -> dict[str, Any]:
    arn = f.source or f"arn:aws:sns:{f.region}:{f.account}:example-topic"
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{arn}:{uuid.uuid4()}",
                "EventSource": "aws:sns",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": arn,
                    "Subject": None,
                    "Message": f.body if f.body is not None else "Hello from lw",
                    "Timestamp": f.iso,
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "https://sns.amazonaws.com/example.pem",
                    "UnsubscribeUrl": "https://sns.amazonaws.com/?Action=Unsubscribe",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def _dynamodb(f: _Facts) -> dict[str, Any]:
    arn = f.source or f"arn:aws:dynamodb:{f.region}:{f.account}:table/example-table"
    if "/stream/" not in arn:
        arn = f"{arn}/stream/{f.now.strftime('%Y-%m-%dT%H:%M:%S.000')}"
    key = f.key or "1"
    image: dict[str, Any] = {"id": {"S": key}}
    if f.body is not None:
        image["body"] = {"S": f.body}
    return {
        "Records": [
            {
                "eventID": _short_id(),
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": _arn_region(arn, f.region),
                "dynamodb": {
                    "ApproximateCreationDateTime": int(f.now.timestamp()),
                    "Keys": {"id": {"S": key}},
                    "NewImage": image,
                    "SequenceNumber": "111",
                    "SizeBytes": 26,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": arn,
            }
        ]
    }


def _kinesis(f: _Facts) -> dict[str, Any]:
    arn = f.source or f"arn:aws:kinesis:{f.region}:{f.account}:stream/example-stream"
    data = (f.body if f.body is not None else "Hello from lw").encode()
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": f.key or "1",
                    "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
                    "data": base64.b64encode(data).decode(),
                    "approximateArrivalTimestamp": f.now.timestamp(),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000006:{_short_id()}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:aws:iam::{f.account}:role/lambda-role",
                "awsRegion": _arn_region(arn, f.region),
                "eventSourceARN": arn,
            }
        ]
    }


def schedule_event(
    binding_name: str | None,
    *,
    rule_name: str,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
    when: datetime | None = None,
) -> dict[str, Any]:
    """The EventBridge scheduled-event shape plus ``lw_binding``, which the AWS deployer's
    input transformer adds and the runtime routes on first."""
    when = when or datetime.now(timezone.utc)
    event: dict[str, Any] = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{rule_name}"],
        "detail": {},
    }
    if binding_name:
        event["lw_binding"] = binding_name
    return event


def _schedule(f: _Facts) -> dict[str, Any]:
    name = f.binding.name if f.binding else None
    rule = f"{f.app.name}-{name}" if (f.app is not None and name) else _arn_name(f.source, "lw-sample-rule")
    return schedule_event(name, rule_name=rule, region=f.region, account=f.account, when=f.now)


def _arn_region(arn: str, default: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else default


def _short_id() -> str:
    return uuid.uuid4().hex[:16].upper()


def _md5(text: str) -> str:
    import hashlib

    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


_BUILDERS: dict[str, Callable[[_Facts], dict[str, Any]]] = {
    "s3": _s3,
    "sqs": _sqs,
    "sns": _sns,
    "schedule": _schedule,
    "dynamodb": _dynamodb,
    "kinesis": _kinesis,
}
