"""The strict layer's configurable delays and the per-resource state it keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Delays:
    """How long AWS takes, scaled down (seconds), and how many attempts IAM needs."""

    function_pending: float = 0.03
    update_in_progress: float = 0.03
    snapstart_pending: float = 0.05
    mapping_transition: float = 0.03
    alias_weights: float = 0.03
    iam_attempts: int = 2
    s3_permission_attempts: int = 2
    elb_permission_attempts: int = 1
    apigw_quota_window: float = 0.05
    eni_release: float = 1.0  # Lambda takes minutes; longer than an undeploy runs, however busy the machine
    table_creating: float = 0.03


@dataclass
class FunctionState:
    """Until when a function is Pending / InProgress, its SnapStart versions, and
    ``$LATEST``'s ``RevisionId`` (moto reports none; "" until first asked for)."""

    pending_until: float = 0.0
    updating_until: float = 0.0
    snap_start: bool = False
    role: str = ""
    versions_pending: dict[str, float] = field(default_factory=dict)
    revision: str = ""


@dataclass
class MappingState:
    """A mapping's modelled state, the state it reaches at ``until``, and its keys."""

    state: str
    until: float
    then: str
    source: str
    function: str
    client: Any = None  # the client whose region the deferred delete runs in
