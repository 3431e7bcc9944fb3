"""How the package reaches Lambda: inline for small zips, through S3 for big ones.

Lambda refuses direct uploads over 50 MB, but the binding limit is the request: a
``ZipFile`` travels base64-encoded in a JSON body that may not exceed 69,905,067
bytes, so a zip a few KB under 50 MiB (with the function's configuration and tags
beside it) is already refused. lw decides by the request's size. Big packages go to the ``s3_bucket`` (made
and tagged if missing) under a key named after the package's hash, so an unchanged
package is never uploaded twice and an interrupted deploy can simply be rerun. Every
call names the expected bucket owner (this account): a bucket name is global, and a
same-named bucket in another account must neither receive the code nor be emptied.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lw.core.artifact import Artifact
from lw.core.context import Context
from lw.core.plan import Change, Outputs
from lw.providers.aws import names
from lw.providers.aws.errors import aws_call, read_or_none
from lw.providers.aws.session import AwsSession

DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024  # Lambda's documented limit on the zip itself
REQUEST_LIMIT = 69_905_067  # bytes of a CreateFunction/UpdateFunctionCode request body
# Room for everything beside the code in the same body: configuration, environment
# (up to 4 KB), layers, VPC settings and up to 50 tags. Generous on purpose: the cost of
# erring is an S3 upload for a zip within 64 KB of the limit.
REQUEST_ENVELOPE = 64 * 1024


def request_size(zip_size: int) -> int:
    """The bytes an inline upload of a ``zip_size``-byte zip sends (base64 + the rest)."""
    return 4 * -(-zip_size // 3) + REQUEST_ENVELOPE


def fits_inline(zip_size: int) -> bool:
    return zip_size <= DIRECT_UPLOAD_LIMIT and request_size(zip_size) <= REQUEST_LIMIT


def code_sha256(path: Path) -> str:
    """Lambda's ``CodeSha256``: base64 of the zip's SHA-256 digest."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return base64.b64encode(digest.digest()).decode()


@dataclass
class CodeSource:
    """Where ``CreateFunction``/``UpdateFunctionCode`` take the code from."""

    zip_path: Path | None = None
    bucket: str | None = None
    key: str | None = None
    changes: list[Change] = field(default_factory=list)

    def params(self) -> dict[str, Any]:
        if self.bucket and self.key:
            return {"S3Bucket": self.bucket, "S3Key": self.key}
        assert self.zip_path is not None
        return {"ZipFile": self.zip_path.read_bytes()}


def plan_code_source(ctx: Context, aws: AwsSession, artifact: Artifact, sha: str) -> CodeSource:
    """Inline when allowed; otherwise the S3 bucket and object changes (reads only)."""
    if fits_inline(artifact.size):
        return CodeSource(zip_path=artifact.path)
    why = (
        "package is over 50 MB"
        if artifact.size > DIRECT_UPLOAD_LIMIT
        else f"a {artifact.size / 1e6:.1f} MB package is over Lambda's request limit once base64-encoded"
    )
    return plan_s3_upload(ctx, aws, artifact, sha, why=why)


def plan_s3_upload(
    ctx: Context, aws: AwsSession, artifact: Artifact, sha: str, *, why: str, bucket: str | None = None
) -> CodeSource:
    """The package in S3 under its hash (bucket made and tagged if missing); shared
    with ``lw template``, whose templates reference the same object deploy would."""
    app = ctx.app
    s3 = aws.client("s3")
    bucket = names.check_bucket_name(app, bucket, "--s3-bucket") if bucket else names.artifact_bucket(app, aws)
    key = f"{names.artifact_prefix(app)}{base64.b64decode(sha).hex()}.zip"
    source = CodeSource(bucket=bucket, key=key)
    owner = aws.account_id
    if read_or_none(f"S3 bucket {bucket}", lambda: s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=owner)) is None:

        def create_bucket(outputs: Outputs) -> None:
            extra = (
                {} if aws.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": aws.region}}
            )
            s3.create_bucket(Bucket=bucket, **extra)
            s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": names.tag_list(app)}, ExpectedBucketOwner=owner)

        source.changes.append(Change("create", f"S3 bucket {bucket}", why, create_bucket, step="create bucket"))
        exists = False
    else:
        exists = (
            read_or_none(
                f"s3://{bucket}/{key}", lambda: s3.head_object(Bucket=bucket, Key=key, ExpectedBucketOwner=owner)
            )
            is not None
        )
    if not exists:

        def upload(outputs: Outputs) -> None:
            s3.upload_file(str(artifact.path), bucket, key, ExtraArgs={"ExpectedBucketOwner": owner})

        source.changes.append(
            Change(
                "create",
                f"s3://{bucket}/{key}",
                f"upload {artifact.size / 1e6:.1f} MB package",
                upload,
                step="upload package",
            )
        )
    return source


def delete_artifacts_changes(ctx: Context, aws: AwsSession) -> list[Change]:
    """Remove this stage's uploaded packages, and the bucket too when lw made it for
    this stage and nothing else is left in it."""
    app = ctx.app
    s3 = aws.client("s3")
    bucket = names.artifact_bucket(app, aws)
    owner = aws.account_id
    if read_or_none(f"S3 bucket {bucket}", lambda: s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=owner)) is None:
        return []
    prefix = names.artifact_prefix(app)
    keys = [
        obj["Key"]
        for page in aws_call(
            "list",
            f"s3://{bucket}/{prefix}",
            lambda: list(
                s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, ExpectedBucketOwner=owner)
            ),
        )
        for obj in page.get("Contents") or []
    ]
    tagging = (
        read_or_none(f"S3 bucket {bucket}", lambda: s3.get_bucket_tagging(Bucket=bucket, ExpectedBucketOwner=owner))
        or {}
    )
    ours = names.owns({t["Key"]: t["Value"] for t in tagging.get("TagSet") or []}, app)
    changes: list[Change] = []
    if keys:

        def delete_keys(outputs: Outputs) -> None:
            for start in range(0, len(keys), 1000):
                s3.delete_objects(
                    Bucket=bucket,
                    ExpectedBucketOwner=owner,
                    Delete={"Objects": [{"Key": k} for k in keys[start : start + 1000]]},
                )

        changes.append(
            Change(
                "delete",
                f"s3://{bucket}/{prefix}",
                f"{len(keys)} package(s)",
                delete_keys,
                phase="cleanup",
                step="delete packages",
            )
        )
    if ours:

        def delete_bucket(outputs: Outputs) -> None:
            left = s3.list_objects_v2(Bucket=bucket, MaxKeys=1, ExpectedBucketOwner=owner).get("KeyCount", 0)
            if not left:
                s3.delete_bucket(Bucket=bucket, ExpectedBucketOwner=owner)

        changes.append(
            Change(
                "delete",
                f"S3 bucket {bucket}",
                "made by lw for this stage (if empty)",
                delete_bucket,
                phase="cleanup",
                step="delete bucket",
            )
        )
    return changes
