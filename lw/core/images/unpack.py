"""Unpack an image's layers into a root folder, as a container runtime would.

The local provider runs ``<root>/var/task`` under the real Lambda runtime client, so
a big app is tried on this machine from the very layers that were (or would be)
pushed. Whiteouts (``.wh.`` files) are honoured; paths escaping the root, devices and
links pointing outside are refused, since a layer is untrusted input.
"""

from __future__ import annotations

from pathlib import Path

from lw.core.context import Reporter
from lw.core.images.model import PreparedImage, RegistryCredentials


def unpack_image(
    reference: str,
    dest: Path,
    reporter: Reporter,
    *,
    credentials: RegistryCredentials | None = None,
    platform: str = "linux/amd64",
    cache_dir: Path | None = None,
) -> str:
    """Pull ``reference`` (``host/repo@sha256:…`` or ``:tag``) and unpack every layer
    into ``dest``; returns the manifest digest. Raises ``ProviderError``. With
    ``cache_dir`` the layers under the top one are unpacked once and hard-linked into
    ``dest`` afterwards (the files of ``dest`` must then be treated as read-only, as
    Lambda's ``/var/task`` is)."""
    from lw.core.images.extract import pull_and_unpack

    return pull_and_unpack(reference, dest, reporter, credentials=credentials, platform=platform, cache_dir=cache_dir)


def unpack_prepared(prepared: PreparedImage, dest: Path, *, cache_dir: Path | None = None) -> None:
    """Unpack the layers lw built (dependencies, app) of ``prepared`` into ``dest``,
    with no registry involved (the base layers are left out); ``cache_dir`` as for
    ``unpack_image``."""
    from lw.core.images.extract import unpack_local

    unpack_local(prepared, dest, cache_dir)
