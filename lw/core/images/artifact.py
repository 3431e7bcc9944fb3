"""An image as the ``Artifact`` a package hook returns and a deploy hook receives."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from lw.core import entry
from lw.core.artifact import Artifact, Build
from lw.core.context import Context
from lw.core.images.choice import unpacked_size
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


def packaged_image_artifact(
    ctx: Context,
    provider_label: str,
    prepared: PreparedImage,
    build: Build,
    files: Sequence[tuple[str, bytes]],
    handler: str,
    *,
    note: str | None = None,
) -> Artifact:
    """A package hook's image artifact, kept where its zip would have gone
    (``<name>-<label>.image/``, or next to ``lw package -o``) with the manifest in it,
    so that ``lw package`` leaves something to look at although nothing is pushed yet.
    Sizes count the build plus the provider's ``files``."""
    out = entry.artifact_path(ctx, provider_label)
    folder = out.with_name(out.stem + ".image")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_bytes(prepared.manifest)
    return image_artifact(
        prepared,
        handler,
        folder,
        unpacked_size=unpacked_size(build, files),
        file_count=build.app_files + build.dependency_files + len(files),
        notes=(note,) if note else (),
    )
