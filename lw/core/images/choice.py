"""Zip or image: the ``package_type`` setting and the automatic switch.

Unset, a stage ships a zip unless the unzipped package would exceed the provider's
limit (Lambda: 250 MB; OpenWhisk: 48 MB), in which case it ships an image and says so
once. ``zip`` never switches (a package too big is the usual packaging error);
``image`` always builds an image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from lw.core.artifact import Build
from lw.core.model import AppModel

ZIP = "zip"
IMAGE = "image"
PACKAGE_TYPES = (ZIP, IMAGE)


@dataclass(frozen=True)
class PackageChoice:
    """The decision and, when lw switched on its own, the note saying why."""

    package_type: str
    note: str | None = None

    @property
    def is_image(self) -> bool:
        return self.package_type == IMAGE


def unpacked_size(build: Build, extras: Iterable[tuple[str, bytes]] = ()) -> int:
    """Bytes of the package once unzipped: the build folder plus the provider's files."""
    from lw.core.packaging.archive import files_under

    total = 0
    for path in files_under(build.root).values():
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return total + sum(len(content) for _name, content in extras)


def choose_package_type(app: AppModel, unpacked_bytes: int, limit_bytes: int | None, label: str) -> PackageChoice:
    """``package_type`` as set, or ``zip`` switched to ``image`` when ``unpacked_bytes``
    exceeds ``limit_bytes`` (``label`` names the provider's limit in the note)."""
    setting = app.setting("package_type")
    if setting in PACKAGE_TYPES:
        return PackageChoice(str(setting))
    if limit_bytes is not None and unpacked_bytes > limit_bytes:
        mb = 1024 * 1024
        return PackageChoice(
            IMAGE,
            f"the package is {unpacked_bytes / mb:.0f} MB unzipped, over {label}'s {limit_bytes / mb:.0f} MB: "
            "deploying it as a container image instead (set package_type: image to say so, or zip to refuse)",
        )
    return PackageChoice(ZIP)
