"""An ordered collection of template resources and the facts shared while building.

Every part of the stage (role, function, front doors, events) adds to one
``TemplateParts``, so the order of the template follows the order a deploy runs in
and each part can depend on the ids the earlier ones chose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TemplateParts:
    """What the builders fill in: resources, outputs, and notes for what CloudFormation
    cannot express (shown to the user and kept in the template's ``Metadata``)."""

    sam: bool
    alias_id: str
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sam_events: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, logical_id: str, kind: str, properties: dict[str, Any], depends_on: list[str] | None = None) -> None:
        resource: dict[str, Any] = {"Type": kind}
        if depends_on:
            resource["DependsOn"] = sorted(set(depends_on))
        resource["Properties"] = properties
        self.resources[logical_id] = resource

    def output(self, name: str, value: Any, description: str) -> None:
        self.outputs[name] = {"Description": description, "Value": value}

    def permission(
        self,
        logical_id: str,
        alias_arn: str,
        *,
        principal: str,
        source_arn: Any = None,
        action: str = "lambda:InvokeFunction",
        extra: dict[str, Any] | None = None,
        depends_on: list[str] | None = None,
    ) -> None:
        """An invoke grant on the ``live`` alias, like the statements deploy adds
        (CloudFormation chooses the statement ids itself)."""
        properties: dict[str, Any] = {"FunctionName": alias_arn, "Action": action, "Principal": principal}
        if source_arn is not None:
            properties["SourceArn"] = source_arn
        properties.update(extra or {})
        self.add(logical_id, "AWS::Lambda::Permission", properties, [self.alias_id, *(depends_on or [])])


def tag_map(tags: dict[str, str]) -> dict[str, str]:
    return dict(sorted(tags.items()))
