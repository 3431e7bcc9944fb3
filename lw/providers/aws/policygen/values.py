"""What the scanner knows an expression evaluates to.

Only the values that lead to a boto3 call are modelled; anything else is ``None``
("not a boto3 object as far as static analysis can tell").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, TypeAlias


@dataclass(frozen=True)
class Boto3Module:
    """``boto3`` itself or its ``boto3.session`` submodule."""

    path: str = "boto3"


@dataclass(frozen=True)
class Factory:
    """Something that makes a client, a resource or a session when called."""

    kind: str  # "client" | "resource" | "session"


@dataclass(frozen=True)
class SessionValue:
    pass


@dataclass(frozen=True)
class ClientValue:
    service: str


@dataclass(frozen=True)
class ResourceValue:
    """A service resource (``resource_type`` None) or a typed one such as ``Table``;
    ``identifiers`` holds each identifier's literal value or None when not literal."""

    service: str
    resource_type: str | None = None
    identifiers: tuple[tuple[str, Any], ...] = ()

    def identifier(self, name: str) -> Any:
        return dict(self.identifiers).get(name)


@dataclass(frozen=True)
class CollectionValue:
    """``bucket.objects`` and its filtered forms; iterating yields ``item_type``."""

    service: str
    parent: ResourceValue
    name: str
    definition_key: str
    item_type: str | None


@dataclass(frozen=True)
class PaginatorValue:
    service: str
    operation: str


@dataclass(frozen=True)
class WaiterValue:
    service: str
    operation: str


@dataclass(frozen=True)
class BatchWriterValue:
    """``table.batch_writer()``: its put/delete calls are the BatchWriteItem already
    recorded when it was created."""

    service: str


@dataclass(frozen=True)
class FunctionValue:
    """A function of the app, so that what it returns and receives can be followed."""

    key: str
    params: tuple[str, ...]
    is_method: bool = False  # called through an instance: the first parameter is self/cls

    @property
    def call_params(self) -> tuple[str, ...]:
        return self.params[1:] if self.is_method else self.params


@dataclass(frozen=True)
class ModuleRef:
    """A module of the app (``import app.aws``); attributes are its globals."""

    name: str


@dataclass(frozen=True)
class ImportedName:
    """``from app.aws import s3``: looked up in that module's globals when used."""

    module: str
    name: str


@dataclass(frozen=True)
class Literal:
    """A string or number constant bound to a name (``BUCKET = "uploads"``)."""

    value: Any


Value: TypeAlias = (
    Boto3Module
    | Factory
    | SessionValue
    | ClientValue
    | ResourceValue
    | CollectionValue
    | PaginatorValue
    | WaiterValue
    | BatchWriterValue
    | FunctionValue
    | ModuleRef
    | ImportedName
    | Literal
)

Params = Mapping[str, Any]
