"""The work itself: shrink an image with Pillow."""

from __future__ import annotations

import io

from PIL import Image

THUMBNAIL_SIZE = (128, 128)


def thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGB")
        image.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()
