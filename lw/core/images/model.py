"""The values the image engine and the providers exchange (the stable interface).

A provider describes the image it wants (``ImageSpec``), says how to log in to its
registry (``RegistryCredentials``) and gets back what was pushed (``PushedImage``).
Nothing here talks to a registry: ``lw.core.images.publish`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

# Lambda's task root: the app, its dependencies and lw's runtime land here.
LAMBDA_TASK_ROOT = "/var/task"


@dataclass(frozen=True)
class ImageSpec:
    """What to build and where to push it.

    ``base_image`` is a full reference (``public.ecr.aws/lambda/python:3.11``,
    ``registry.example.com/team/base@sha256:…``) or ``None`` for an empty base
    (scratch). ``registry`` is ``host[:port]`` and ``repository`` the path inside it
    (``prefix/project-stage``): see ``reference.target_repository``. ``task_root`` is
    where the dependencies and the app go (Lambda: ``/var/task``); it becomes the
    working directory. ``entrypoint``/``cmd`` replace the base's when given (Lambda's
    base image keeps its entrypoint and takes the handler as ``cmd``). ``env`` is merged
    over the base's environment. ``platform`` picks the entry of a multi-platform base
    (``linux/amd64`` or ``linux/arm64``; ``architecture_platform`` maps lw's
    ``architecture`` setting to it). ``tag`` names the pushed manifest (it is always
    also addressable by digest). ``mount_from`` lists other repositories of the same
    registry that may already hold the base layers (tried with cross-repository mounts
    before any upload). ``labels`` become the image config's labels.
    """

    registry: str
    repository: str
    base_image: str | None
    platform: str = "linux/amd64"
    task_root: str = LAMBDA_TASK_ROOT
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    tag: str = "latest"
    mount_from: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def repository_uri(self) -> str:
        """``host[:port]/repository``: what an image URI starts with."""
        return f"{self.registry}/{self.repository}"


@dataclass(frozen=True)
class RegistryCredentials:
    """How to authenticate to one registry.

    ``username``/``password`` are sent as HTTP basic auth, or exchanged for a token when
    the registry answers with a ``WWW-Authenticate: Bearer realm=…`` challenge (Docker
    Hub, GHCR, distribution with token auth). ECR's ``GetAuthorizationToken`` gives a
    base64 ``AWS:<password>`` pair: ``from_basic_token`` decodes it. ``anonymous()``
    (no username) still follows the Bearer flow, asking for an anonymous token, which
    is how public registries (public.ecr.aws, Docker Hub) serve pulls. The password
    never appears in ``repr``.
    """

    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def anonymous(cls) -> RegistryCredentials:
        return cls()

    @classmethod
    def from_basic_token(cls, token: str) -> RegistryCredentials:
        """``base64(user:password)`` as ECR's ``authorizationData[].authorizationToken``."""
        import base64
        import binascii

        try:
            user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ValueError("the registry authorization token is not base64 'user:password'") from exc
        if not user or not password:
            raise ValueError("the registry authorization token is not base64 'user:password'")
        return cls(username=user, password=password)

    @property
    def is_anonymous(self) -> bool:
        return not self.username


@dataclass(frozen=True)
class Layer:
    """One layer blob: ``digest`` of the compressed bytes (what registries store),
    ``diff_id`` of the uncompressed tar (what the image config lists), ``size`` in
    bytes compressed. ``path`` is the local blob file for layers lw built (``None``
    for base layers, which stay in their registry)."""

    digest: str
    diff_id: str
    size: int
    media_type: str
    path: Path | None = None
    role: str = "base"  # "base", "dependencies" or "app"


@dataclass(frozen=True)
class PreparedImage:
    """An image assembled on disk but not pushed: ``digest`` is already final (the
    manifest's sha256), so a planner can compare it with what is deployed before any
    write. ``base_repository``/``base_registry`` say where the base layers live."""

    spec: ImageSpec
    manifest: bytes
    manifest_media_type: str
    digest: str
    config: bytes
    config_digest: str
    layers: tuple[Layer, ...]
    base_registry: str | None = None
    base_repository: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def uri(self) -> str:
        """``host/repository@sha256:…``: the image pinned by digest (Lambda's ImageUri)."""
        return f"{self.spec.repository_uri}@{self.digest}"

    @property
    def layer_digests(self) -> tuple[str, ...]:
        return tuple(layer.digest for layer in self.layers)


@dataclass(frozen=True)
class PushedImage:
    """What ``publish_image`` pushed.

    ``uri`` is pinned by digest (``host/repo@sha256:…``); ``tag`` also points at it.
    ``bytes_uploaded`` counts every byte sent (blobs and manifest); ``layers_uploaded``,
    ``layers_mounted`` and ``layers_present`` are layer digests by what happened to
    them (already in the repository: nothing sent). ``base_bytes_uploaded`` is the part
    of ``bytes_uploaded`` that went to base layers (0 when the registry had them).
    """

    uri: str
    digest: str
    tag: str
    registry: str
    repository: str
    manifest_media_type: str
    layer_digests: tuple[str, ...]
    bytes_uploaded: int
    base_bytes_uploaded: int = 0
    layers_uploaded: tuple[str, ...] = ()
    layers_mounted: tuple[str, ...] = ()
    layers_present: tuple[str, ...] = ()
    manifest_pushed: bool = True
    notes: tuple[str, ...] = ()


def architecture_platform(architecture: str) -> str:
    """lw's ``architecture`` setting as an OCI platform: ``arm64`` -> ``linux/arm64``."""
    return "linux/arm64" if architecture == "arm64" else "linux/amd64"
