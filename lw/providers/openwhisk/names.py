"""Deterministic names: how lw finds its OpenWhisk resources again without local state.

Actions live in the package ``<project>-<stage>``. Triggers and rules cannot live in
packages, so they carry the same prefix; the ``lw:project``/``lw:stage`` annotations
tell lw's own resources apart from a user's that merely share the prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from lw.core.model import AppModel

APP_ACTION = "app"
EVENTS_ACTION = "events"
RELEASE_SEPARATOR = "--"
SHORT_HASH = 12

ANN_PROJECT = "lw:project"
ANN_STAGE = "lw:stage"
ANN_ARTIFACT = "lw:artifact"
ANN_CONFIG = "lw:config"
ANN_RELEASED = "lw:released"
ANN_BINDING = "lw:binding"


@dataclass(frozen=True)
class Names:
    """Every name and path of one stage in one namespace."""

    project: str
    stage: str
    namespace: str
    apihost: str

    @classmethod
    def for_app(cls, app: AppModel, namespace: str, apihost: str) -> "Names":
        return cls(project=app.project_name, stage=app.stage, namespace=namespace, apihost=apihost)

    @property
    def package(self) -> str:
        return f"{self.project}-{self.stage}"

    @property
    def prefix(self) -> str:
        return f"{self.package}-"

    def release_action(self, sha256: str) -> str:
        return f"{APP_ACTION}{RELEASE_SEPARATOR}{sha256[:SHORT_HASH]}"

    def trigger(self, binding_name: str) -> str:
        """A trigger's name, which its rule shares (rules and triggers are separate collections)."""
        return f"{self.prefix}{binding_name}"

    def qualified(self, *parts: str) -> str:
        """Fully qualified entity path, as rules and feeds require."""
        return "/" + "/".join((self.namespace, *parts))

    @property
    def web_url(self) -> str:
        return f"{self.apihost}/api/v1/web/{self.namespace}/{self.package}/{APP_ACTION}/"

    @property
    def base_url(self) -> str:
        """The app's public root, passed to the runtime so it can build absolute URLs."""
        return self.web_url.rstrip("/")

    def tags(self) -> list[dict[str, Any]]:
        return [{"key": ANN_PROJECT, "value": self.project}, {"key": ANN_STAGE, "value": self.stage}]

    def owns(self, entity: Mapping[str, Any] | None) -> bool:
        """Whether an entity carries this stage's annotations (so lw may change it)."""
        if not entity:
            return False
        ann = annotations_of(entity)
        return ann.get(ANN_PROJECT) == self.project and ann.get(ANN_STAGE) == self.stage


def annotations_of(entity: Mapping[str, Any] | None) -> dict[str, Any]:
    return key_values(entity.get("annotations") if entity else None)


def parameters_of(entity: Mapping[str, Any] | None) -> dict[str, Any]:
    return key_values(entity.get("parameters") if entity else None)


def key_values(items: Iterable[Mapping[str, Any]] | None) -> dict[str, Any]:
    return {str(i.get("key")): i.get("value") for i in items or () if isinstance(i, Mapping)}


def is_release_action(name: str) -> bool:
    return name.startswith(APP_ACTION + RELEASE_SEPARATOR)
