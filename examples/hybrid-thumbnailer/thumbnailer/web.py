"""The HTTP side: upload an image, list and fetch thumbnails."""

from __future__ import annotations

import os

from flask import Flask, abort, jsonify, request

from thumbnailer import storage
from thumbnailer.events import THUMBNAIL_PREFIX

app = Flask(__name__)
BUCKET = os.environ.get("UPLOAD_BUCKET", "upload-bucket")


@app.get("/")
def index():
    keys = storage.list_keys(BUCKET)
    return jsonify(uploads=[k for k in keys if not k.startswith(THUMBNAIL_PREFIX)],
                   thumbnails=[k for k in keys if k.startswith(THUMBNAIL_PREFIX)])


@app.put("/uploads/<name>")
def upload(name: str):
    """Store the request body as an upload; on AWS the bucket's event then fires."""
    if "/" in name or name.startswith("."):
        abort(400)
    storage.write(BUCKET, name, request.get_data(), request.content_type or "application/octet-stream")
    return jsonify(bucket=BUCKET, key=name), 201


@app.get("/thumbnails/<name>")
def fetch_thumbnail(name: str):
    try:
        data = storage.read(BUCKET, f"{THUMBNAIL_PREFIX}{name}.png")
    except (FileNotFoundError, KeyError):
        abort(404)
    except Exception as exc:  # botocore's NoSuchKey, without importing botocore here
        if type(exc).__name__ in ("NoSuchKey", "ClientError"):
            abort(404)
        raise
    return data, 200, {"Content-Type": "image/png"}
