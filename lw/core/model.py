"""The neutral model: what a stage deploys, independent of any provider.

Config is validated and turned into these frozen objects once; providers only ever
read them. Keeping the raw settings next to the typed fields lets a provider reach its
own block (``app.provider_settings``) without the core knowing its keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

EVENT_KINDS = ("s3", "sns", "sqs", "dynamodb", "kinesis", "schedule", "keep_warm", "trigger", "feed")

# Event kinds that only exist on AWS, because their source is an AWS ARN.
AWS_ONLY_KINDS = frozenset({"s3", "sns", "sqs", "dynamodb", "kinesis"})


@dataclass(frozen=True)
class EventBinding:
    """One entry of the stage's ``events`` list, normalised.

    ``name`` is deterministic (derived from the function and the source) so that the
    provider can find the remote resource again without any local state.
    """

    name: str
    function: str
    kind: str
    source: str | None = None
    expressions: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    providers: tuple[str, ...] | None = None
    enabled: bool = True

    def applies_to(self, provider: str) -> bool:
        """Whether the stage scoped this event to ``provider`` (unscoped: every provider)."""
        return self.providers is None or provider in self.providers

    def to_runtime(self) -> dict[str, Any]:
        """The part of the binding the runtime needs to route an event to its function."""
        return {"name": self.name, "function": self.function, "kind": self.kind, "source": self.source}


@dataclass(frozen=True)
class AppModel:
    """A stage of a project, ready to be packaged and planned."""

    project_name: str
    stage: str
    provider: str
    project_dir: Path
    config_file: Path
    app_function: str | None
    django_settings: str | None = None
    runtime: str = "python3.11"
    architecture: str = "x86_64"
    memory_size: int = 512
    timeout_seconds: int = 30
    environment_variables: Mapping[str, str] = field(default_factory=dict)
    events: tuple[EventBinding, ...] = ()
    keep_warm: bool = True
    keep_warm_expression: str = "rate(4 minutes)"
    binary_support: bool = True
    exception_handler: str | None = None
    log_level: str = "INFO"
    settings: Mapping[str, Any] = field(default_factory=dict)
    # Keys the stage sets that its provider does not honour (``lw.core.scope``).
    ignored_settings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The deterministic base name of every remote resource: ``<project>-<stage>``."""
        return f"{self.project_name}-{self.stage}"

    @property
    def python_version(self) -> str:
        """``python3.11`` -> ``3.11``."""
        match = re.fullmatch(r"python(\d+\.\d+)", self.runtime)
        return match.group(1) if match else self.runtime

    @property
    def provider_settings(self) -> Mapping[str, Any]:
        """The stage's block for the selected provider (``aws:``, ``openwhisk:``, …)."""
        block = self.settings.get(self.provider) or {}
        return block if isinstance(block, Mapping) else {}

    def setting(self, key: str, default: Any = None) -> Any:
        """A top-level setting, with the provider block taking precedence when it sets it."""
        block = self.provider_settings
        if block.get(key) is not None:  # an explicit null in the block means "not set here"
            return block[key]
        return self.settings.get(key, default)

    def events_for(self, provider: str | None = None) -> tuple[EventBinding, ...]:
        """The events this stage sends to ``provider`` (default: the selected one)."""
        wanted = provider or self.provider
        return tuple(e for e in self.events if e.applies_to(wanted))

    @property
    def tags(self) -> dict[str, str]:
        """Tags put on every remote resource that takes tags, plus the user's ``tags``."""
        tags = {str(k): str(v) for k, v in (self.settings.get("tags") or {}).items()}
        tags.update({"lw:project": self.project_name, "lw:stage": self.stage})
        return tags
