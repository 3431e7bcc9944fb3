"""Operation -> IAM action comes from botocore's models; only documented exceptions
are tabled."""

from __future__ import annotations

import botocore.session
import pytest
from botocore import xform_name
from hypothesis import given, settings
from hypothesis import strategies as st

from lw.providers.aws.policygen import models
from lw.providers.aws.policygen.actions import OPERATION_OVERRIDES, PREFIX_OVERRIDES, iam_actions, iam_prefix


def test_method_names_come_from_the_service_model():
    dynamodb = models.service("dynamodb")
    assert dynamodb is not None
    assert dynamodb.operation("batch_write_item") == "BatchWriteItem"
    assert iam_actions("dynamodb", "BatchWriteItem") == ("dynamodb:BatchWriteItem",)
    s3 = models.service("s3")
    assert s3 is not None and s3.operation("list_objects_v2") == "ListObjectsV2"


@pytest.mark.parametrize(
    "operation, expected",
    [
        ("ListObjectsV2", ("s3:ListBucket",)),
        ("ListObjects", ("s3:ListBucket",)),
        ("ListObjectVersions", ("s3:ListBucketVersions",)),
        ("HeadObject", ("s3:GetObject",)),
        ("HeadBucket", ("s3:ListBucket",)),
        ("GetObject", ("s3:GetObject",)),
        ("PutObject", ("s3:PutObject",)),
        ("UploadPart", ("s3:PutObject",)),
        ("ListParts", ("s3:ListMultipartUploadParts",)),
        ("AbortMultipartUpload", ("s3:AbortMultipartUpload",)),
    ],
)
def test_s3_exceptions(operation, expected):
    assert iam_actions("s3", operation) == expected


def test_prefixes_come_from_the_signing_name():
    assert iam_prefix("stepfunctions") == "states"  # signing name, not the boto3 name
    assert iam_prefix("dynamodbstreams") == "dynamodb"
    assert iam_prefix("sagemaker-runtime") == "sagemaker"
    assert iam_prefix("cloudwatch") == "cloudwatch"  # the documented exception (signs as monitoring)
    assert iam_actions("lambda", "Invoke") == ("lambda:InvokeFunction",)
    assert iam_actions("apigatewaymanagementapi", "PostToConnection") == ("execute-api:ManageConnections",)


def test_override_tables_only_name_real_operations():
    session = botocore.session.get_session()
    by_prefix = {"s3": "s3", "lambda": "lambda", "execute-api": "apigatewaymanagementapi"}
    for prefix, operation in OPERATION_OVERRIDES:
        assert operation in session.get_service_model(by_prefix[prefix]).operation_names
    assert set(PREFIX_OVERRIDES) == {"monitoring", "iotdata"}


SQS_OPERATIONS = sorted(botocore.session.get_session().get_service_model("sqs").operation_names)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(SQS_OPERATIONS))
def test_default_is_prefix_and_operation_name(operation):
    assert iam_actions("sqs", operation) == (f"sqs:{operation}",)
    assert models.service("sqs").operation(xform_name(operation)) == operation  # type: ignore[union-attr]


def test_waiters_and_paginators_resolve_through_their_models():
    assert models.waiter_operation("s3", "bucket_exists") == "HeadBucket"
    assert models.waiter_operation("dynamodb", "table_not_exists") == "DescribeTable"
    assert models.waiter_operation("s3", "no_such_waiter") is None
    assert models.paginated_operation("s3", "list_objects_v2") == "ListObjectsV2"
    assert models.paginated_operation("s3", "put_object") is None  # not pageable
