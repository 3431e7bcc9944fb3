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

ENV_PREFIX = "LW_OPENWHISK_"


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
    key from the environment.
    """
    env = dict(os.environ if environ is None else environ)
    props_path = wskprops_path(env)
    props = read_wskprops(props_path)
    origins: dict[str, str] = {}

    def pick(key: str, prop: str | None) -> Any:
        if block.get(key) not in (None, ""):
            origins[key] = f"{config_file} openwhisk.{key}"
            return block[key]
        env_value = env.get(ENV_PREFIX + key.upper())
        if env_value:
            origins[key] = ENV_PREFIX + key.upper()
            return env_value
        if prop and props.get(prop):
            origins[key] = str(props_path)
            return props[prop]
        return None

    apihost = pick("apihost", "APIHOST")
    auth = pick("auth", "AUTH")
    namespace = pick("namespace", "NAMESPACE") or "_"
    iam_api_key = pick("iam_api_key", None)
    insecure = pick("insecure", None)
    ca_bundle = pick("ca_bundle", None)  # wsk's CERT is a client certificate, not a CA
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
    if auth and ":" not in str(auth):
        raise ConfigError(f"{origins.get('auth', config_file)}: OpenWhisk auth must look like uuid:key")
    if isinstance(insecure, str):
        insecure = insecure.strip().lower() in ("1", "true", "yes", "on")
    if ca_bundle and not Path(str(ca_bundle)).expanduser().is_file():
        raise ConfigError(f"{origins.get('ca_bundle', config_file)}: CA bundle {ca_bundle} does not exist")
    return Credentials(
        apihost=normalize_apihost(str(apihost)),
        auth=str(auth) if auth else None,
        namespace=str(namespace),
        iam_api_key=str(iam_api_key) if iam_api_key else None,
        insecure=bool(insecure),
        ca_bundle=str(Path(str(ca_bundle)).expanduser()) if ca_bundle else None,
        source=origins.get("auth") or origins.get("iam_api_key", ""),
    )
