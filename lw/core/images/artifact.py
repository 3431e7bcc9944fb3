"""An image as the ``Artifact`` a package hook returns and a deploy hook receives."""

from __future__ import annotations

from pathlib import Path

from lw.core.artifact import Artifact
from lw.core.images.model import PreparedImage


def image_artifact(
    prepared: PreparedImage,
    handler: str,
    folder: Path,
    *,
    unpacked_size: int = 0,
    file_count: int = 0,
    notes: tuple[str, ...] = (),
    warnings: tuple[str, ...] = (),
) -> Artifact:
    """``sha256`` is the manifest digest's hex, so that "same artifact" keeps meaning
    "same deployed code" for image packages too; ``size`` counts lw's own layers."""
    own = sum(layer.size for layer in prepared.layers if layer.role != "base")
    return Artifact(
        path=folder,
        sha256=prepared.digest.removeprefix("sha256:"),
        size=own,
        unpacked_size=unpacked_size,
        file_count=file_count,
        handler=handler,
        notes=(*prepared.notes, *notes),
        warnings=warnings,
        image=prepared,
    )
