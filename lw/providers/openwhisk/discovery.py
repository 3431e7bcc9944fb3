"""What the cluster offers, read from ``GET {APIHOST}/`` before anything is planned.

Clusters choose their own runtime manifest and limits; checking them up front turns
a late 400 from the controller into a message that lists what the cluster does offer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from lw.core.errors import ConfigError, ProviderError

MB = 1024 * 1024


@dataclass(frozen=True)
class ClusterInfo:
    python_kinds: tuple[str, ...]
    default_python: str | None = None
    deprecated: tuple[str, ...] = ()
    limits: Mapping[str, Any] = field(default_factory=dict)
    # kind -> its runtime image as the manifest resolves it ("openwhisk/action-python-v3.11:nightly")
    images: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> "ClusterInfo":
        runtimes = info.get("runtimes") if isinstance(info, Mapping) else None
        python = (runtimes or {}).get("python") or []
        kinds = tuple(str(r.get("kind")) for r in python if isinstance(r, Mapping) and r.get("kind"))
        default = next((str(r["kind"]) for r in python if isinstance(r, Mapping) and r.get("default")), None)
        deprecated = tuple(str(r.get("kind")) for r in python if isinstance(r, Mapping) and r.get("deprecated"))
        limits = info.get("limits") if isinstance(info.get("limits"), Mapping) else {}
        images = {
            str(r["kind"]): str(r["image"])
            for r in python
            if isinstance(r, Mapping) and r.get("kind") and isinstance(r.get("image"), str)
        }
        return cls(
            python_kinds=kinds, default_python=default, deprecated=deprecated, limits=dict(limits or {}), images=images
        )

    def kind_for(self, runtime: str) -> str:
        """``python3.11`` -> ``python:3.11``, refused clearly when the cluster lacks it."""
        match = re.fullmatch(r"python(\d+\.\d+)", runtime)
        if not match:
            raise ConfigError(f"runtime: {runtime!r} is not a Python runtime such as python3.11")
        kind = f"python:{match.group(1)}"
        if kind not in self.python_kinds:
            offered = ", ".join(k for k in self.python_kinds if k != "python:default") or "none"
            raise ProviderError(
                f"this OpenWhisk cluster has no {kind} runtime for runtime: {runtime}; it offers: {offered}",
                hint="set runtime: to one of those (e.g. runtime: python" + _first_version(self.python_kinds) + ")",
            )
        return kind

    def check_limits(self, memory_mb: int, timeout_ms: int) -> None:
        """Refuse memory/timeout values the cluster would reject, naming its range."""
        lo_mem, hi_mem = self.limits.get("min_action_memory"), self.limits.get("max_action_memory")
        if isinstance(lo_mem, int) and isinstance(hi_mem, int):
            lo, hi = lo_mem // MB, hi_mem // MB
            if not lo <= memory_mb <= hi:
                raise ConfigError(f"memory_size: {memory_mb} MB is outside this cluster's range {lo}..{hi} MB")
        lo_t, hi_t = self.limits.get("min_action_duration"), self.limits.get("max_action_duration")
        if isinstance(lo_t, int) and isinstance(hi_t, int) and not lo_t <= timeout_ms <= hi_t:
            raise ConfigError(
                f"timeout_seconds: {timeout_ms / 1000:g} s is outside this cluster's range "
                f"{lo_t / 1000:g}..{hi_t / 1000:g} s"
            )


def _first_version(kinds: tuple[str, ...]) -> str:
    for kind in kinds:
        if re.fullmatch(r"python:\d+\.\d+", kind):
            return kind.split(":", 1)[1]
    return "3.11"
