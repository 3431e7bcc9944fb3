"""Assemble an image from the neutral build and push it: the engine's entry points.

``prepare_image`` reads (the base image's manifest and config) and builds the two
layers lw owns on disk; it writes nothing remote, so a planner can compare the final
digest with what is deployed. ``push_image`` then sends only what the target
repository lacks. ``publish_image`` does both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lw.core.artifact import Build
from lw.core.context import Reporter
from lw.core.images.model import ImageSpec, PreparedImage, PushedImage, RegistryCredentials


def prepare_image(
    build: Build,
    extras: Iterable[tuple[str, bytes]],
    spec: ImageSpec,
    reporter: Reporter,
    *,
    base_credentials: RegistryCredentials | None = None,
    cache_dir: Path | None = None,
) -> PreparedImage:
    """The image for ``build`` plus the provider's ``extras`` (runtime files, entry
    module, settings: as passed to ``write_zip``), on ``spec.base_image``.

    Layers: the base's (never downloaded), a dependencies layer built from
    ``build.dependency_dir`` and cached by its content key (an unchanged requirements
    set reuses the same blob, same digest), and an app layer (the app's files, the
    extras and their bytecode). ``base_credentials`` log in to the base image's
    registry (default: anonymous). ``cache_dir`` holds the layer blobs (default:
    ``<build folder>/image``). Raises ``PackagingError`` (one line) on failure.
    """
    from lw.core.images.assemble import prepare

    return prepare(build, extras, spec, reporter, base_credentials=base_credentials, cache_dir=cache_dir)


def push_image(
    prepared: PreparedImage,
    credentials: RegistryCredentials,
    reporter: Reporter,
    *,
    base_credentials: RegistryCredentials | None = None,
) -> PushedImage:
    """Push ``prepared`` to ``spec.registry``/``spec.repository`` with ``credentials``.

    Each layer is checked first (HEAD): present -> nothing sent; a base layer absent
    is mounted from the base's repository or ``spec.mount_from`` when on the same
    registry, else streamed from the base registry without touching the disk. Then the
    config blob and the manifest under ``spec.tag``. Raises ``ProviderError`` (one line).
    """
    from lw.core.images.push import push

    return push(prepared, credentials, reporter, base_credentials=base_credentials)


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
