"""From an API operation to the IAM action that authorizes it.

By default the action is ``<signing name>:<OperationName>``: that is how the IAM
service authorization reference names actions for the vast majority of services, and
both halves come from botocore's service model. The two small tables below hold the
documented exceptions only; each entry cites the AWS documentation that states it, and
adding a row needs the same kind of citation.
"""

from __future__ import annotations

from lw.providers.aws.policygen import models

# Services whose signing name is not their IAM prefix.
# - CloudWatch signs as "monitoring"; its actions are "cloudwatch:*"
#   (Service Authorization Reference, "Actions defined by Amazon CloudWatch").
# - IoT data plane signs as "iotdata"; its actions are "iot:*" (iot:Publish…)
#   ("Actions defined by AWS IoT").
PREFIX_OVERRIDES: dict[str, str] = {
    "monitoring": "cloudwatch",
    "iotdata": "iot",
}

# (prefix, operation) -> the IAM actions that authorize it, where the name differs.
# S3: "Required permissions for Amazon S3 API operations" (S3 User Guide) and each
# operation's "Permissions" section in the S3 API reference, e.g. ListObjectsV2 "you
# must have permission to perform the s3:ListBucket action", HeadObject "you must
# have the s3:GetObject permission".
# Lambda: the Invoke operation is authorized by lambda:InvokeFunction (Lambda
# developer guide, "execution role and invocation permissions").
# API Gateway management API: every operation is execute-api:ManageConnections
# (API Gateway developer guide, "Use @connections commands in your backend service").
OPERATION_OVERRIDES: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "ListObjects"): ("ListBucket",),
    ("s3", "ListObjectsV2"): ("ListBucket",),
    ("s3", "ListObjectVersions"): ("ListBucketVersions",),
    ("s3", "ListBuckets"): ("ListAllMyBuckets",),
    ("s3", "HeadObject"): ("GetObject",),
    ("s3", "HeadBucket"): ("ListBucket",),
    ("s3", "CopyObject"): ("GetObject", "PutObject"),
    ("s3", "DeleteObjects"): ("DeleteObject",),
    ("s3", "CreateMultipartUpload"): ("PutObject",),
    ("s3", "UploadPart"): ("PutObject",),
    ("s3", "UploadPartCopy"): ("GetObject", "PutObject"),
    ("s3", "CompleteMultipartUpload"): ("PutObject",),
    ("s3", "ListParts"): ("ListMultipartUploadParts",),
    ("s3", "ListMultipartUploads"): ("ListBucketMultipartUploads",),
    ("lambda", "Invoke"): ("InvokeFunction",),
    ("lambda", "InvokeWithResponseStream"): ("InvokeFunction",),
    ("execute-api", "PostToConnection"): ("ManageConnections",),
    ("execute-api", "GetConnection"): ("ManageConnections",),
    ("execute-api", "DeleteConnection"): ("ManageConnections",),
}


def iam_prefix(service_name: str) -> str:
    info = models.service(service_name)
    signing = info.signing_name if info else service_name
    return PREFIX_OVERRIDES.get(signing, signing)


def iam_actions(service_name: str, operation: str) -> tuple[str, ...]:
    """``("s3", "ListObjectsV2")`` -> ``("s3:ListBucket",)``."""
    prefix = iam_prefix(service_name)
    names = OPERATION_OVERRIDES.get((prefix, operation), (operation,))
    return tuple(f"{prefix}:{name}" for name in names)
