"""Where images live: an S3 bucket on AWS, a folder when run without a cloud.

``THUMBNAILER_STORAGE=local`` (set by the ``local:`` block of lw.yml) keeps every
bucket as a sub-folder of ``THUMBNAILER_DIR``, so the same S3 event handler runs end
to end on a laptop: an upload lands in the folder, ``lw invoke --event s3`` tells the
handler about it, and the thumbnail is written next to it. On Lambda the code uses S3.
"""

from __future__ import annotations

import os
from pathlib import Path


def _local_root() -> Path | None:
    if os.environ.get("THUMBNAILER_STORAGE", "s3") != "local":
        return None
    # /tmp is the only writable place on Lambda, and the local runtime mirrors that.
    return Path(os.environ.get("THUMBNAILER_DIR") or "/tmp/hybrid-thumbnailer")


def _safe(bucket: str, key: str) -> Path:
    root = _local_root()
    assert root is not None
    path = (root / bucket / key).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ValueError(f"object key escapes the storage folder: {key!r}")
    return path


def read(bucket: str, key: str) -> bytes:
    if _local_root() is not None:
        return _safe(bucket, key).read_bytes()
    import boto3

    return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


def write(bucket: str, key: str, data: bytes, content_type: str) -> None:
    if _local_root() is not None:
        path = _safe(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    import boto3

    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)


def list_keys(bucket: str, prefix: str = "") -> list[str]:
    root = _local_root()
    if root is not None:
        base = root / bucket
        if not base.is_dir():
            return []
        keys = [p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()]
        return sorted(k for k in keys if k.startswith(prefix))
    import boto3

    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def delete(bucket: str, key: str) -> None:
    if _local_root() is not None:
        _safe(bucket, key).unlink(missing_ok=True)
        return
    import boto3

    boto3.client("s3").delete_object(Bucket=bucket, Key=key)
