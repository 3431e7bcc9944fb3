"""Payloads shared by the test apps, so every framework is checked against the same bytes."""

from __future__ import annotations

import gzip
import io

from PIL import Image


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()
GZIPPED_TEXT = "compressed hello ✓"
GZIPPED = gzip.compress(GZIPPED_TEXT.encode("utf-8"), mtime=0)
COOKIES = ("session=abc; Path=/; HttpOnly", "csrftoken=xyz; Path=/", "theme=dark; Path=/")
