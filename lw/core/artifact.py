"""What packaging produces: a neutral build, then a provider's artifact.

The neutral build is a staging folder (the app's sources and its dependencies for the
target platform). Each provider's package hook lays it out the way its runtime expects
and writes a deterministic zip, described by ``Artifact``; providers compare
``sha256`` with what is deployed to skip unchanged uploads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lw.core.images.model import PreparedImage


@dataclass(frozen=True)
class Target:
    """The platform the package's dependencies are installed for."""

    python_version: str = "3.11"
    architecture: str = "x86_64"
    exclude_packages: tuple[str, ...] = ()

    @property
    def platforms(self) -> tuple[str, ...]:
        """pip ``--platform`` tags the target's C library can load.

        Lambda's python3.11 and older run on Amazon Linux 2 (glibc 2.26): a wheel built
        for glibc 2.28 would install fine and fail at import, so only manylinux2014
        (glibc 2.17) is accepted there. python3.12 and newer run on Amazon Linux 2023
        (glibc 2.34).
        """
        machine = "aarch64" if self.architecture == "arm64" else "x86_64"
        tags = [f"manylinux2014_{machine}", f"manylinux_2_17_{machine}"]
        if _version_tuple(self.python_version) >= (3, 12):
            tags += [f"manylinux_2_28_{machine}", f"manylinux_2_34_{machine}"]
        return tuple(tags)


def _version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split(".")[:2])
    except ValueError:
        return (0,)


@dataclass(frozen=True)
class Build:
    """The provider-neutral build: sources plus dependencies in ``root``."""

    root: Path
    app_files: int
    dependency_files: int
    skipped_secrets: tuple[str, ...] = ()
    skipped_links: tuple[str, ...] = ()  # "rel -> target": links out of the project, never followed
    bytecode: bool = False
    notes: tuple[str, ...] = ()
    dependency_sizes: tuple[tuple[str, int], ...] = ()
    # Where the dependencies were installed (laid out as on ``sys.path``) and which
    # paths of ``root`` come from there: a provider that ships dependencies apart
    # from the code (an AWS Lambda layer) zips the one and omits the other.
    dependency_dir: Path | None = None
    dependency_paths: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Artifact:
    """A provider's deployable zip."""

    path: Path
    sha256: str
    size: int
    unpacked_size: int
    file_count: int
    handler: str
    largest_dependencies: tuple[tuple[str, int], ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The dependencies zipped on their own, when the provider ships them separately.
    dependencies: Artifact | None = None
    # package_type image: the image assembled on disk (``path`` is its folder, ``sha256``
    # the manifest digest's hex); the deploy hook pushes it (``lw.core.images``).
    image: PreparedImage | None = None

    @property
    def package_type(self) -> str:
        return "image" if self.image is not None else "zip"

    def to_json(self) -> dict[str, object]:
        extra: dict[str, object] = {"dependencies": self.dependencies.to_json()} if self.dependencies else {}
        if self.image is not None:
            extra["package_type"] = "image"
            extra["image"] = {
                "uri": self.image.uri,
                "digest": self.image.digest,
                "layers": list(self.image.layer_digests),
            }
        return {
            "path": str(self.path),
            "sha256": self.sha256,
            "size": self.size,
            "unpacked_size": self.unpacked_size,
            "file_count": self.file_count,
            "handler": self.handler,
            "largest_dependencies": [list(x) for x in self.largest_dependencies],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            **extra,
        }
