"""Where the OpenWhisk connection comes from.

A ``wsk`` user already has ``~/.wskprops``; reading it last means such a user needs no
new setup, while the stage block and the environment still win for CI and for
clusters that differ per stage.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from lw.core.errors import ConfigError
from lw.plugin import env_prefix, resolve_credentials

ENV_PREFIX = env_prefix("openwhisk")


@dataclass(frozen=True)
class Credentials:
    apihost: str
    auth: str | None
    namespace: str = "_"
    iam_api_key: str | None = None
    insecure: bool = False
    ca_bundle: str | None = None
    source: str = ""

    @property
    def verify(self) -> bool | str:
        """What requests' ``verify`` gets: TLS is checked unless the stage opted out."""
        if self.insecure:
            return False
        return self.ca_bundle or True

    @property
    def auth_uuid(self) -> str:
        return (self.auth or "").split(":", 1)[0]


def normalize_apihost(value: str) -> str:
    """``wsk`` accepts a bare host and means https; keep that meaning."""
    host = value.strip().rstrip("/")
    if "://" not in host:
        host = f"https://{host}"
    return host


def read_wskprops(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines, as the ``wsk`` CLI writes them; blank and ``#`` lines ignored."""
    props: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return props
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read OpenWhisk properties: {exc.strerror}") from exc
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        props[key.strip().upper()] = value.strip()
    return props


def wskprops_path(environ: Mapping[str, str]) -> Path:
    explicit = environ.get("WSK_CONFIG_FILE")
    if explicit:
        return Path(explicit).expanduser()
    return Path(environ.get("HOME") or os.path.expanduser("~")) / ".wskprops"


def resolve(
    block: Mapping[str, Any], environ: Mapping[str, str] | None = None, *, config_file: str = "lw.yml"
) -> Credentials:
    """The connection for a stage: stage block > ``LW_OPENWHISK_*`` > ``.wskprops``.

    Each key is resolved on its own, so a stage may set only ``apihost`` and take the
    key from the environment. The order is the one every provider gets from
    ``resolve_credentials``; ``.wskprops`` is this platform's own file.
    """
    env = os.environ if environ is None else environ
    props_path = wskprops_path(env)
    props = read_wskprops(props_path)
    found = resolve_credentials(
        "openwhisk",
        block,
        ("apihost", "auth", "namespace", "iam_api_key", "insecure", "ca_bundle"),
        secret_keys=("auth", "iam_api_key"),
        # wsk's CERT is a client certificate, not a CA: nothing else is taken from the file.
        platform_file={key: props.get(key.upper(), "") for key in ("apihost", "auth", "namespace")},
        platform_file_label=str(props_path),
        config_label=config_file,
        environ=env,
    )
    apihost, auth, iam_api_key = found.get("apihost"), found.get("auth"), found.get("iam_api_key")
    insecure, ca_bundle = found.get("insecure"), found.get("ca_bundle")
    origins = found.sources
    if not apihost:
        raise ConfigError(
            f"{config_file}: no OpenWhisk API host: set openwhisk.apihost, {ENV_PREFIX}APIHOST "
            f"or APIHOST in {props_path}"
        )
    if not auth and not iam_api_key:
        raise ConfigError(
            f"{config_file}: no OpenWhisk credentials: set openwhisk.auth (uuid:key), {ENV_PREFIX}AUTH, "
            f"AUTH in {props_path}, or openwhisk.iam_api_key"
        )
    if auth and ":" not in auth:
        raise ConfigError(f"{origins.get('auth', config_file)}: OpenWhisk auth must look like uuid:key")
    if ca_bundle and not Path(ca_bundle).expanduser().is_file():
        raise ConfigError(f"{origins.get('ca_bundle', config_file)}: CA bundle {ca_bundle} does not exist")
    return Credentials(
        apihost=normalize_apihost(apihost),
        auth=auth,
        namespace=found.get("namespace") or "_",
        iam_api_key=iam_api_key,
        insecure=(insecure or "").strip().lower() in ("1", "true", "yes", "on"),
        ca_bundle=str(Path(ca_bundle).expanduser()) if ca_bundle else None,
        source=origins.get("auth") or origins.get("iam_api_key", ""),
    )
