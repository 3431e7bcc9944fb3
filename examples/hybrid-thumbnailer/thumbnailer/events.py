"""Event handlers: lw routes each event to the function named in lw.yml's ``events``."""

from __future__ import annotations

import json
import os
from urllib.parse import unquote_plus

from thumbnailer import images, storage

THUMBNAIL_PREFIX = "thumbnails/"


def make_thumbnail(event, context):
    """S3 ObjectCreated: write ``thumbnails/<key>.png`` next to each new upload."""
    made = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])  # S3 URL-encodes keys in events
        if key.startswith(THUMBNAIL_PREFIX):
            continue  # our own output: never thumbnail a thumbnail
        target = f"{THUMBNAIL_PREFIX}{key}.png"
        storage.write(bucket, target, images.thumbnail(storage.read(bucket, key)), "image/png")
        print(json.dumps({"thumbnail": target, "bucket": bucket}))
        made.append(target)
    return {"thumbnails": made}


def nightly_cleanup(event, context):
    """Scheduled: drop thumbnails whose original upload was deleted."""
    bucket = os.environ.get("UPLOAD_BUCKET", "upload-bucket")
    keys = set(storage.list_keys(bucket))
    orphans = [k for k in keys if k.startswith(THUMBNAIL_PREFIX)
               and k[len(THUMBNAIL_PREFIX):].removesuffix(".png") not in keys]
    for key in orphans:
        storage.delete(bucket, key)
    print(json.dumps({"cleanup": "done", "removed": len(orphans), "time": event.get("time")}))
    return {"removed": orphans}
