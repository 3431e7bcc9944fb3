"""Credentials for a registry that is not a cloud's own (a user's registry for
OpenWhisk, a local one): from the environment, else from Docker's ``config.json``.

``LW_REGISTRY_USERNAME``/``LW_REGISTRY_PASSWORD`` win (CI sets them) for the registry
lw pushes to; otherwise the ``auths`` entry ``docker login`` wrote for the host
(``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json``), so a developer already
logged in needs nothing more. A base image's registry is asked with ``environment=False``:
those variables name no host, so they must not reach a registry the stage does not push
to. Credential helpers (``credsStore``) are programs lw does not run: anonymous then.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

from lw.core.images.model import RegistryCredentials
from lw.core.images.reference import DOCKER_HUB

# The keys ``docker login`` uses for Docker Hub, whose registry host is another name.
_DOCKER_HUB_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io")


def _docker_config(environ: Mapping[str, str]) -> Path:
    folder = environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    return Path(folder) / "config.json"


def registry_credentials(
    registry: str, environ: Mapping[str, str] | None = None, *, environment: bool = True
) -> RegistryCredentials:
    """The credentials to push to or pull from ``registry`` (``host[:port]``);
    ``environment=False`` skips ``LW_REGISTRY_*`` (a registry other than the stage's)."""
    env = os.environ if environ is None else environ
    user, password = env.get("LW_REGISTRY_USERNAME"), env.get("LW_REGISTRY_PASSWORD")
    if environment and user and password:
        return RegistryCredentials(user, password)
    try:
        auths = json.loads(_docker_config(env).read_text(encoding="utf-8")).get("auths") or {}
    except (OSError, ValueError, AttributeError):
        return RegistryCredentials.anonymous()
    keys = (registry, f"https://{registry}", f"http://{registry}", f"https://{registry}/v1/")
    for key in keys + (_DOCKER_HUB_KEYS if registry == DOCKER_HUB else ()):
        entry = auths.get(key) if isinstance(auths, dict) else None
        token = entry.get("auth") if isinstance(entry, dict) else None
        if isinstance(token, str) and token:
            try:
                return RegistryCredentials.from_basic_token(token)
            except ValueError:
                break
    return RegistryCredentials.anonymous()
