"""S3 validates a notification's destinations on every write (issue #11, finding 9).

AWS answers ``InvalidArgument: Unable to validate the following destination
configurations`` while the Lambda permission written just before has not propagated,
and for as long as any entry on the bucket points at a destination S3 cannot invoke
(a stale entry of someone else's on a shared bucket). moto accepts both, so the
answer is modeled at botocore's call boundary, with the ``ArgumentName``/``Value``
pairs S3 uses to name the failing destinations.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from events_helpers import ACCOUNT, ALIAS_ARN, FUNCTION, apply, make_ctx, s3_event

from lw.core.errors import LwError
from lw.providers.aws.events import plan_events

STALE = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:deleted-long-ago"


def _unvalidated(*arns: str) -> ClientError:
    error: dict[str, Any] = {
        "Code": "InvalidArgument",
        "Message": "Unable to validate the following destination configurations",
    }
    for n, arn in enumerate(arns, 1):
        error[f"ArgumentName{n}"] = arn
        error[f"ArgumentValue{n}"] = f"Not authorized to invoke function [{arn}]"
    return ClientError(
        {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}, "PutBucketNotificationConfiguration"
    )


def test_notification_waits_for_the_permission_to_propagate(aws, function, sources, answer, no_sleep):
    refusals = iter([_unvalidated(ALIAS_ARN), _unvalidated(ALIAS_ARN)])

    def s3_checks_permission(params: dict[str, Any], real: Any) -> Any:
        refusal = next(refusals, None)
        if refusal is not None:
            raise refusal
        return real()

    answer("s3", "PutBucketNotificationConfiguration", s3_checks_permission)
    apply(plan_events(make_ctx([s3_event()]), aws, FUNCTION, function))
    config = aws.client("s3").get_bucket_notification_configuration(Bucket="upload-bucket")
    assert [c["Id"] for c in config["LambdaFunctionConfigurations"]] == ["lw-shop-dev-thumb-s3-aaaaaa"]
    assert no_sleep == [1, 2]


def test_a_stale_foreign_entry_is_named_not_waited_for(aws, function, sources, answer, no_sleep):
    stale = {"Id": "old-thumbnailer", "LambdaFunctionArn": STALE, "Events": ["s3:ObjectCreated:*"]}
    aws.client("s3").put_bucket_notification_configuration(
        Bucket="upload-bucket", NotificationConfiguration={"LambdaFunctionConfigurations": [stale]}
    )

    def refuse(params: dict[str, Any], real: Any) -> Any:
        raise _unvalidated(STALE)

    answer("s3", "PutBucketNotificationConfiguration", refuse)
    with pytest.raises(LwError) as info:
        apply(plan_events(make_ctx([s3_event()]), aws, FUNCTION, function))
    message = str(info.value)
    assert "S3 cannot validate the entry 'old-thumbnailer'" in message and STALE in message
    assert "which lw did not write" in message
    assert no_sleep == []


# --------------------------------------------------------------------------- SQS visibility timeout (finding 11)


def test_queue_visibility_shorter_than_the_function_timeout_is_refused_while_planning(aws, function, sources):
    """AWS's CreateEventSourceMapping refuses it; moto accepts it."""
    from events_helpers import sqs_event

    from lw.core.errors import ConfigError

    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "20"})
    import dataclasses

    ctx = make_ctx([sqs_event(sources["queue"])])
    ctx = dataclasses.replace(ctx, app=dataclasses.replace(ctx.app, timeout_seconds=60))
    with pytest.raises(ConfigError) as info:
        plan_events(ctx, aws, FUNCTION, function)
    assert "queue jobs has a visibility timeout of 20s, less than the function's timeout_seconds (60s)" in str(
        info.value
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "360"})
    plan_events(ctx, aws, FUNCTION, function)
