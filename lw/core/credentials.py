"""Provider credentials: one convention for where they come from, one redaction.

Every provider reads its connection the same way, each key on its own, first found
wins: the stage's ``<provider>:`` block in ``lw.yml`` (usually ``${env:...}``, so that no
secret is committed), then ``LW_<PROVIDER>_<KEY>`` environment variables (CI), then the
platform's own configuration file (``~/.wskprops``, ``~/.aws/credentials``), so that a
user of the platform's CLI needs no new setup. ``redact`` is the one function every
message goes through before it reaches a terminal or a CI log.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

REDACTED = "[redacted]"

# Lambda's "environment variables too large" error quotes every variable after this.
_ECHOED_SECRETS = "String measured:"
_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@:]+:[^/\s@]+@")
_AUTH_HEADER = re.compile(r"(?i)\b(authorization|x-api-key|api-key)(\s*[:=]\s*)(basic|bearer|token)?\s*[^\s,;'\")\]}]+")
# An OpenWhisk-style key: a UUID, a colon, 64 characters.
_UUID_KEY = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}:[A-Za-z0-9]{20,}"
)
_MIN_SECRET = 4  # shorter values would redact ordinary words


def redact(text: str, secrets: Iterable[Any] = ()) -> str:
    """``text`` with secrets replaced by ``[redacted]``: each value of ``secrets`` (the
    credentials the provider resolved), passwords in URLs (``https://u:p@host``),
    ``Authorization``/API-key header values, OpenWhisk ``uuid:key`` pairs, and whatever
    follows Lambda's ``String measured:``. The built-in providers pass every error
    message through it; a third-party provider does the same with its own secrets."""
    result = str(text)
    for secret in sorted({str(s) for s in secrets if s is not None and len(str(s)) >= _MIN_SECRET}, key=len)[::-1]:
        result = result.replace(secret, REDACTED)
    cut = result.find(_ECHOED_SECRETS)
    if cut >= 0:
        result = result[: cut + len(_ECHOED_SECRETS)] + " " + REDACTED
    result = _URL_USERINFO.sub(lambda m: m.group("scheme") + REDACTED + "@", result)
    result = _AUTH_HEADER.sub(lambda m: m.group(1) + m.group(2) + REDACTED, result)
    return _UUID_KEY.sub(REDACTED, result)


def env_prefix(provider: str) -> str:
    """``LW_<PROVIDER>_``: ``my-cloud`` -> ``LW_MY_CLOUD_``."""
    return "LW_" + re.sub(r"[^A-Za-z0-9]", "_", provider).upper() + "_"


@dataclass(frozen=True)
class ProviderCredentials:
    """The resolved keys, where each came from (for messages: never the value), and
    every secret value, for ``redact``."""

    values: Mapping[str, str]
    sources: Mapping[str, str] = field(default_factory=dict)
    secret_keys: tuple[str, ...] = ()

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(self.values[k] for k in self.secret_keys if self.values.get(k))

    def redact(self, text: str) -> str:
        """``redact(text)`` with these credentials' secret values."""
        return redact(text, self.secrets)


def resolve_credentials(
    provider: str,
    block: Mapping[str, Any],
    keys: Iterable[str],
    *,
    secret_keys: Iterable[str] = (),
    platform_file: Mapping[str, str] | None = None,
    platform_file_label: str = "",
    config_label: str = "lw.yml",
    environ: Mapping[str, str] | None = None,
) -> ProviderCredentials:
    """Each of ``keys`` from the stage's block, else ``LW_<PROVIDER>_<KEY>``, else
    ``platform_file`` (the platform's own configuration, already parsed). Keys found
    nowhere are left out: the provider says which ones it cannot do without."""
    environ = os.environ if environ is None else environ
    prefix = env_prefix(provider)
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for key in keys:
        env_name = prefix + key.upper()
        if block.get(key) not in (None, ""):
            values[key], sources[key] = str(block[key]), f"{config_label} ({provider}.{key})"
        elif environ.get(env_name):
            values[key], sources[key] = environ[env_name], env_name
        elif platform_file and platform_file.get(key):
            values[key], sources[key] = str(platform_file[key]), platform_file_label or "the platform's config file"
    return ProviderCredentials(values=values, sources=sources, secret_keys=tuple(secret_keys))
