"""One stage's connection: client, resolved namespace, names and cluster facts.

The deploy, route and event hooks are separate calls for the same command; sharing
one ``Remote`` per context means the cluster is asked for its info and namespace once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lw.core.context import Context
from lw.core.errors import ProviderError
from lw.providers.openwhisk import credentials as credentials_module
from lw.providers.openwhisk.client import OpenWhiskClient, path_of
from lw.providers.openwhisk.discovery import ClusterInfo
from lw.providers.openwhisk.names import Names

_CACHE: dict[int, tuple[Context, "Remote"]] = {}


@dataclass
class Remote:
    ctx: Context
    client: OpenWhiskClient
    names: Names
    _cluster: ClusterInfo | None = field(default=None, repr=False)

    @property
    def cluster(self) -> ClusterInfo:
        if self._cluster is None:
            self._cluster = ClusterInfo.from_info(self.client.info())
        return self._cluster

    def get(self, *path: str, **params: Any) -> Any:
        """A read that treats 404 as absence."""
        return self.client.request(
            "GET", path_of("namespaces", self.names.namespace, *path), params=params or None, missing_ok=True
        )

    def call(self, method: str, *path: str, body: Any = None, missing_ok: bool = False, **params: Any) -> Any:
        """A write (or an invocation) in the stage's namespace."""
        return self.client.request(
            method,
            path_of("namespaces", self.names.namespace, *path),
            params=params or None,
            body=body,
            missing_ok=missing_ok,
        )


def connect(ctx: Context) -> Remote:
    """The stage's ``Remote``, built once per command context."""
    cached = _CACHE.get(id(ctx))
    if cached and cached[0] is ctx:
        return cached[1]
    app = ctx.app
    creds = credentials_module.resolve(app.provider_settings, config_file=app.config_file.name)
    client = OpenWhiskClient(creds)
    namespace = creds.namespace
    if namespace in ("", "_"):
        namespace = resolve_namespace(client)
    client.namespace = namespace
    remote = Remote(ctx=ctx, client=client, names=Names.for_app(app, namespace, creds.apihost))
    _CACHE.clear()  # one command at a time: never keep old contexts alive
    _CACHE[id(ctx)] = (ctx, remote)
    return remote


def resolve_namespace(client: OpenWhiskClient) -> str:
    """``_`` means "my namespace"; web URLs and rules need its real name."""
    names = client.request("GET", "/namespaces")
    if not isinstance(names, list) or not names:
        raise ProviderError(f"OpenWhisk at {client.apihost} listed no namespace for these credentials")
    first = names[0]
    return str(first.get("name") if isinstance(first, dict) else first)
