"""Credentials for a registry that is not a cloud's own (a user's registry for
OpenWhisk, a local one): from the environment, else from Docker's ``config.json``.

``LW_REGISTRY_USERNAME``/``LW_REGISTRY_PASSWORD`` win (CI sets them); otherwise the
``auths`` entry ``docker login`` wrote for the host (``$DOCKER_CONFIG/config.json`` or
``~/.docker/config.json``), so a developer already logged in needs nothing more.
Credential helpers (``credsStore``) are programs lw does not run: anonymous then.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

from lw.core.images.model import RegistryCredentials


def _docker_config(environ: Mapping[str, str]) -> Path:
    folder = environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    return Path(folder) / "config.json"


def registry_credentials(registry: str, environ: Mapping[str, str] | None = None) -> RegistryCredentials:
    """The credentials to push to or pull from ``registry`` (``host[:port]``)."""
    env = os.environ if environ is None else environ
    user, password = env.get("LW_REGISTRY_USERNAME"), env.get("LW_REGISTRY_PASSWORD")
    if user and password:
        return RegistryCredentials(user, password)
    try:
        auths = json.loads(_docker_config(env).read_text(encoding="utf-8")).get("auths") or {}
    except (OSError, ValueError, AttributeError):
        return RegistryCredentials.anonymous()
    for key in (registry, f"https://{registry}", f"http://{registry}", f"https://{registry}/v1/"):
        entry = auths.get(key) if isinstance(auths, dict) else None
        token = entry.get("auth") if isinstance(entry, dict) else None
        if isinstance(token, str) and token:
            try:
                return RegistryCredentials.from_basic_token(token)
            except ValueError:
                break
    return RegistryCredentials.anonymous()
