"""From the scanned calls to IAM statements: one per distinct set of resources,
sorted, so that the same code always gives byte-identical policies (and an unchanged
redeploy finds nothing to update)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Iterable

from lw.providers.aws.policygen import models
from lw.providers.aws.policygen.actions import iam_actions, iam_prefix
from lw.providers.aws.policygen.resources import WILDCARD, Place, narrow
from lw.providers.aws.policygen.scanner import RawCall

SID_PREFIX = "LwCode"

# Request parameters that name a resource, whatever the service: when an operation has
# one, an unnarrowed grant is a real widening worth a warning.
_NAMES_A_RESOURCE = re.compile(r"(Name|Arn|ARN|Id|Url|URL|Identifier)$")


def grants(call: RawCall, place: Place) -> tuple[list[tuple[str, str]], list[str], bool]:
    """``[(action, resource)]`` for one call, the widening warnings, and whether the
    call names a resource that no narrowing rule knows how to turn into an ARN."""
    info = models.service(call.service)
    members = info.input_members.get(call.operation, frozenset()) if info else frozenset()
    prefix = iam_prefix(call.service)
    pairs: list[tuple[str, str]] = []
    warnings: list[str] = []
    unknown_service = False
    for action in iam_actions(call.service, call.operation):
        narrowed = narrow(prefix, call.operation, action, call.params, members, place)
        if narrowed is None:
            unknown_service = unknown_service or any(_NAMES_A_RESOURCE.search(m) for m in members)
            pairs.append((action, WILDCARD))
            continue
        if narrowed.widened:
            warnings.append(
                f"{call.file}:{call.line}: {action} granted on '*': {narrowed.widened} is not a literal in the code"
            )
        pairs.extend((action, resource) for resource in narrowed.resources)
    return pairs, warnings, unknown_service


def build_statements(pairs: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """Group ``(action, resource)`` pairs into statements.

    An action granted on ``"*"`` makes its narrower grants redundant, so they are
    dropped; resources that need exactly the same actions share a statement.
    """
    by_resource: dict[str, set[str]] = defaultdict(set)
    for action, resource in pairs:
        by_resource[resource].add(action)
    everywhere = by_resource.get(WILDCARD, set())
    by_actions: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for resource, actions in by_resource.items():
        remaining = actions if resource == WILDCARD else actions - everywhere
        if remaining:
            by_actions[tuple(sorted(remaining))].append(resource)
    ordered = sorted(
        ((sorted(resources), actions) for actions, resources in by_actions.items()),
        key=lambda item: (item[0] == [WILDCARD], item[0], item[1]),
    )
    statements = []
    for index, (resources, granted) in enumerate(ordered, start=1):
        statements.append(
            {
                "Sid": f"{SID_PREFIX}{index}",
                "Effect": "Allow",
                "Action": list(granted),
                "Resource": resources[0] if len(resources) == 1 else resources,
            }
        )
    return statements
