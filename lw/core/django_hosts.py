"""The Django settings a deployed URL needs: ``ALLOWED_HOSTS`` and ``CSRF_TRUSTED_ORIGINS``.

Django answers 400 to a host missing from ``ALLOWED_HOSTS`` and 403 to an unsafe
request (a form POST, the admin login) whose ``Origin`` is not trusted; both values
depend on where the stage ended up (an API Gateway host known only after the first
deploy, a custom domain, the local runtime's port), which is why ``lw deploy`` prints
them for a Django stage instead of leaving the developer to derive them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class DjangoHosts:
    allowed_hosts: tuple[str, ...]
    csrf_trusted_origins: tuple[str, ...]

    def describe(self) -> str:
        """One line, as the environment variables docs/django.md reads them from."""
        return (
            f"Django: ALLOWED_HOSTS={','.join(self.allowed_hosts)} "
            f"CSRF_TRUSTED_ORIGINS={','.join(self.csrf_trusted_origins)} (see docs/django.md)"
        )

    def to_json(self) -> dict[str, list[str]]:
        return {"ALLOWED_HOSTS": list(self.allowed_hosts), "CSRF_TRUSTED_ORIGINS": list(self.csrf_trusted_origins)}


def for_urls(urls: list[str]) -> DjangoHosts | None:
    """``ALLOWED_HOSTS`` holds host names without port; ``CSRF_TRUSTED_ORIGINS`` whole
    origins, scheme and port included (Django 4.0+ compares them exactly). A base path
    is not part of either."""
    hosts: list[str] = []
    origins: list[str] = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        if parts.hostname not in hosts:
            hosts.append(parts.hostname)
        origin = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1].lower()}"
        if origin not in origins:
            origins.append(origin)
    return DjangoHosts(tuple(hosts), tuple(origins)) if hosts else None
