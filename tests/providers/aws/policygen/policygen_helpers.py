"""Assertion helpers for the policy generator tests (a uniquely named module, so that
it never collides with another directory's ``conftest``)."""

from __future__ import annotations

from lw.providers.aws.policygen import Analysis


def grants(analysis: Analysis) -> set[tuple[str, str]]:
    """Every ``(action, resource)`` the statements allow."""
    found: set[tuple[str, str]] = set()
    for statement in analysis.statements:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        found |= {(action, resource) for action in statement["Action"] for resource in resources}
    return found


def actions(analysis: Analysis) -> set[str]:
    return {action for action, _ in grants(analysis)}
