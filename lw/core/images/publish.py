"""The engine's entry points: assemble an image from the neutral build, push it.

``prepare_image`` (``assemble``) reads the base image's manifest and config and builds
the two layers lw owns on disk; it writes nothing remote, so a planner can compare the
final digest with what is deployed. ``push_image`` (``push``) then sends only what the
target repository lacks. ``publish_image`` does both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lw.core.artifact import Build
from lw.core.context import Reporter
from lw.core.images.assemble import prepare_image
from lw.core.images.model import ImageSpec, PushedImage, RegistryCredentials
from lw.core.images.push import push_image

__all__ = ["prepare_image", "publish_image", "push_image"]


def publish_image(
    build: Build,
    extras: Iterable[tuple[str, bytes]],
    spec: ImageSpec,
    credentials: RegistryCredentials,
    reporter: Reporter,
    *,
    base_credentials: RegistryCredentials | None = None,
    cache_dir: Path | None = None,
) -> PushedImage:
    """``prepare_image`` then ``push_image``: the one call most providers need."""
    prepared = prepare_image(build, extras, spec, reporter, base_credentials=base_credentials, cache_dir=cache_dir)
    return push_image(prepared, credentials, reporter, base_credentials=base_credentials)
