"""Image references and registry locations, parsed as Docker parses them.

``registry.example.com:5000/team/app:1.2@sha256:…`` -> registry, repository, tag, digest.
A first path component without a dot, a colon or ``localhost`` is a Docker Hub name
(``python:3.11`` is ``registry-1.docker.io/library/python:3.11``). The ``image_registry``
setting is ``host[:port][/prefix]``; a stage's repository is ``<prefix>/<project>-<stage>``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

DOCKER_HUB = "registry-1.docker.io"
_DOCKER_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io"}
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*")
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]+\]")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


class ReferenceError(ValueError):
    """A reference or registry setting lw cannot use; the message says why."""


@dataclass(frozen=True)
class ImageReference:
    """A parsed image reference; ``reference`` is the digest if any, else the tag."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def reference(self) -> str:
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        text = f"{self.registry}/{self.repository}"
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def is_digest(text: str) -> bool:
    """Whether ``text`` is a content digest lw accepts: ``sha256:`` and 64 hex digits."""
    return bool(_DIGEST.fullmatch(text))


def _valid_host(host: str) -> bool:
    name, _, port = host.partition(":") if not host.startswith("[") else (host, "", "")
    if host.startswith("["):
        bracket, _, rest = host.partition("]")
        name, port = bracket + "]", rest.lstrip(":")
        if not _IPV6.fullmatch(name):
            return False
    elif not _HOST.fullmatch(name):
        return False
    return not port or (port.isdigit() and 0 < int(port) < 65536)


def _looks_like_host(component: str) -> bool:
    return "." in component or ":" in component or component == "localhost" or component.startswith("[")


def parse_reference(text: str) -> ImageReference:
    """``[host[:port]/]path[:tag][@sha256:…]``; raises ``ReferenceError`` with the reason."""
    original = text
    text = text.strip()
    if not text or "://" in text:
        raise ReferenceError(f"{original!r} is not an image reference (expected host/path:tag, no scheme)")
    digest = None
    if "@" in text:
        text, _, digest = text.partition("@")
        if not is_digest(digest):
            raise ReferenceError(f"{original!r}: the digest must be sha256: and 64 hex digits")
    first, slash, rest = text.partition("/")
    if slash and _looks_like_host(first):
        registry, path = first, rest
        if not _valid_host(registry):
            raise ReferenceError(f"{original!r}: {registry!r} is not a registry host[:port]")
    else:
        registry, path = DOCKER_HUB, text
    tag = None
    last_slash = path.rfind("/")
    colon = path.rfind(":")
    if colon > last_slash:
        path, tag = path[:colon], path[colon + 1 :]
        if not _TAG.fullmatch(tag):
            raise ReferenceError(f"{original!r}: {tag!r} is not a valid tag")
    if registry in _DOCKER_HUB_ALIASES:
        registry = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    if not _REPOSITORY.fullmatch(path):
        raise ReferenceError(
            f"{original!r}: {path!r} is not a repository name (lowercase letters, digits, '.', '_', '-', '/')"
        )
    if tag is None and digest is None:
        tag = "latest"
    return ImageReference(registry=registry, repository=path, tag=tag, digest=digest)


@dataclass(frozen=True)
class RegistryLocation:
    """The ``image_registry`` setting: ``host[:port]`` plus an optional path prefix."""

    host: str
    prefix: str = ""

    def repository(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name


def parse_registry_setting(text: str) -> RegistryLocation:
    """``host[:port][/prefix]`` (no scheme, no tag); raises ``ReferenceError``."""
    value = text.strip().rstrip("/")
    if not value or "://" in value:
        raise ReferenceError(f"expected host[:port][/prefix] without a scheme, got {text!r}")
    host, _, prefix = value.partition("/")
    if not _valid_host(host):
        raise ReferenceError(f"{host!r} is not a registry host[:port]")
    if prefix and not _REPOSITORY.fullmatch(prefix):
        raise ReferenceError(f"{prefix!r} is not a repository prefix (lowercase letters, digits, '.', '_', '-', '/')")
    return RegistryLocation(host=host, prefix=prefix)


def target_repository(location: RegistryLocation, project: str, stage: str) -> str:
    """A stage's repository: ``<prefix>/<project>-<stage>``."""
    return location.repository(f"{project}-{stage}")


def is_loopback(registry: str) -> bool:
    """Whether ``host[:port]`` is this machine (the only place plain HTTP is allowed)."""
    host = registry
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    else:
        host = host.partition(":")[0]
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
