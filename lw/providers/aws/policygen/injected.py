"""Methods boto3 adds at run time, which therefore appear in no service model.

S3's managed transfers (``upload_file`` and friends) and DynamoDB's ``batch_writer``
are the ones apps actually use. Each entry lists the API operations the method may
call (a multipart upload calls the multipart operations, a download heads the object
first) and how its positional arguments map to request parameters, so that literal
bucket names can narrow the policy exactly as a direct ``put_object`` call would.
``generate_presigned_url`` makes no call itself but the URL carries the role's
signature, so the role needs the action the URL performs (handled by the scanner).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InjectedMethod:
    operations: tuple[str, ...]
    positional: tuple[str, ...] = ()  # request parameter name of each positional argument


_UPLOAD = ("PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "AbortMultipartUpload")
_DOWNLOAD = ("HeadObject", "GetObject")
_COPY = (
    "HeadObject",
    "CopyObject",
    "CreateMultipartUpload",
    "UploadPartCopy",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
)

CLIENT_METHODS: dict[str, dict[str, InjectedMethod]] = {
    "s3": {
        "upload_file": InjectedMethod(_UPLOAD, ("Filename", "Bucket", "Key")),
        "upload_fileobj": InjectedMethod(_UPLOAD, ("Fileobj", "Bucket", "Key")),
        "download_file": InjectedMethod(_DOWNLOAD, ("Bucket", "Key", "Filename")),
        "download_fileobj": InjectedMethod(_DOWNLOAD, ("Bucket", "Key", "Fileobj")),
        "copy": InjectedMethod(_COPY, ("CopySource", "Bucket", "Key")),
        "generate_presigned_post": InjectedMethod(("PutObject",), ("Bucket", "Key")),
    },
}

# Resource methods: (service, resource type) -> method -> what it calls. Identifiers of
# the resource fill the parameters named in ``IDENTIFIER_PARAMS``.
RESOURCE_METHODS: dict[tuple[str, str], dict[str, InjectedMethod]] = {
    ("s3", "Bucket"): {
        "upload_file": InjectedMethod(_UPLOAD, ("Filename", "Key")),
        "upload_fileobj": InjectedMethod(_UPLOAD, ("Fileobj", "Key")),
        "download_file": InjectedMethod(_DOWNLOAD, ("Key", "Filename")),
        "download_fileobj": InjectedMethod(_DOWNLOAD, ("Key", "Fileobj")),
        "copy": InjectedMethod(_COPY, ("CopySource", "Key")),
    },
    ("s3", "Object"): {
        "upload_file": InjectedMethod(_UPLOAD, ("Filename",)),
        "upload_fileobj": InjectedMethod(_UPLOAD, ("Fileobj",)),
        "download_file": InjectedMethod(_DOWNLOAD, ("Filename",)),
        "download_fileobj": InjectedMethod(_DOWNLOAD, ("Fileobj",)),
        "copy": InjectedMethod(_COPY, ("CopySource",)),
    },
    ("dynamodb", "Table"): {
        "batch_writer": InjectedMethod(("BatchWriteItem",)),
    },
}

# Which request parameter each identifier of these resources becomes.
IDENTIFIER_PARAMS: dict[tuple[str, str], dict[str, str]] = {
    ("s3", "Bucket"): {"Name": "Bucket"},
    ("s3", "Object"): {"BucketName": "Bucket", "Key": "Key"},
    ("dynamodb", "Table"): {"Name": "TableName"},
}

# Client methods that make no API call of their own.
LOCAL_CLIENT_METHODS = frozenset({"close", "can_paginate", "get_paginator", "get_waiter", "generate_presigned_url"})
