"""examples/hybrid-thumbnailer: HTTP, an S3 upload event and a schedule, with no cloud."""

from __future__ import annotations

import io
import json

from PIL import Image

from localrun import EXAMPLES, copy_project


def test_upload_then_s3_event_makes_a_thumbnail(tmp_path, deployment_of):
    storage = tmp_path / "buckets"
    project = copy_project(EXAMPLES / "hybrid-thumbnailer", tmp_path / "hybrid-thumbnailer")
    deployment = deployment_of(project, THUMBNAILER_DIR=str(storage))
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr

    picture = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(picture, format="PNG")
    uploaded = deployment.get("/uploads/photo.png", method="PUT", body=picture.getvalue(),
                              headers={"Content-Type": "image/png"})
    assert uploaded.status == 201
    assert deployment.get("/thumbnails/photo.png").status == 404  # no event yet

    invoked = deployment.lw("invoke", "--event", "s3", "--key", "photo.png")
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(invoked.stdout) == {"thumbnails": ["thumbnails/photo.png.png"]}

    thumb = deployment.get("/thumbnails/photo.png")
    assert thumb.status == 200 and thumb.header("Content-Type") == "image/png"
    with Image.open(io.BytesIO(thumb.body)) as image:
        assert image.size == (128, 96)
    assert (storage / "upload-bucket" / "thumbnails" / "photo.png.png").exists()

    nightly = deployment.lw("invoke", "--event", "schedule", "--source", "nightly")
    assert nightly.returncode == 0, nightly.stderr
    assert json.loads(nightly.stdout) == {"removed": []}
    status = deployment.lw("status").stdout
    assert "nightly" in status and "cron(0 3 * * ? *)" in status
