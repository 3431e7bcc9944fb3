"""A compact Swagger 2.0 request validator, enough for OpenWhisk's controller spec.

It checks what a client can get wrong: the path and method exist, path and query
parameters are declared and typed, and the JSON body matches the schema (``$ref``,
``type``, ``required``, ``properties``, ``items``, ``enum``, ``minLength``). Written
for these tests so that no undeclared validator dependency is needed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

SWAGGER_FILE = Path(__file__).parent / "data" / "apiv1swagger.json"

_JSON_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    regex: re.Pattern[str]
    parameters: tuple[Mapping[str, Any], ...]


class SwaggerValidator:
    def __init__(self, spec: Mapping[str, Any] | None = None) -> None:
        self.spec = spec or json.loads(SWAGGER_FILE.read_text())
        self.base_path = self.spec.get("basePath", "")
        self.operations: list[Operation] = []
        for template, item in self.spec["paths"].items():
            shared = {(p["name"], p["in"]): p for p in item.get("parameters", [])}
            pattern = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+?)", re.escape(template))
            for method, op in item.items():
                if method == "parameters":
                    continue
                params = dict(shared)
                params.update({(p["name"], p["in"]): p for p in op.get("parameters", [])})
                self.operations.append(
                    Operation(template, method.upper(), re.compile(f"^{pattern}$"), tuple(params.values()))
                )

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], list[str]]:
        if not path.startswith(self.base_path):
            return None, {}, [f"{path} is outside basePath {self.base_path}"]
        local = path[len(self.base_path) :]
        candidates = [(op, m) for op in self.operations if (m := op.regex.match(local))]
        if not candidates:
            return None, {}, [f"no path in the swagger matches {local}"]
        for op, m in candidates:
            if op.method == method:
                return op, m.groupdict(), []
        return None, {}, [f"{method} is not allowed on {candidates[0][0].template}"]

    def validate(self, method: str, path: str, query: Mapping[str, list[str]], body: bytes | None) -> list[str]:
        op, path_params, problems = self.match(method, path)
        if op is None:
            return problems
        declared = {(p["name"], p["in"]): p for p in op.parameters}
        for name in path_params:
            spec = declared.get((name, "path"))
            if spec is None:
                problems.append(f"path parameter {name} is not declared")
        for name, values in query.items():
            spec = declared.get((name, "query"))
            if spec is None:
                problems.append(f"query parameter {name!r} is not declared for {method} {op.template}")
                continue
            for value in values:
                problems += _check_scalar(f"query {name}", value, spec.get("type"))
        for (name, where), spec in declared.items():
            if where == "query" and spec.get("required") and name not in query:
                problems.append(f"required query parameter {name} missing")
        body_spec = next((p for (n, w), p in declared.items() if w == "body"), None)
        if body:
            if body_spec is None:
                problems.append(f"{method} {op.template} takes no body")
            else:
                try:
                    document = json.loads(body)
                except ValueError as exc:
                    return problems + [f"body is not JSON: {exc}"]
                problems += self.check(document, body_spec.get("schema", {}), "body")
        elif body_spec is not None and body_spec.get("required"):
            problems.append(f"{method} {op.template} requires a body ({body_spec['name']})")
        return problems

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            ref = schema["$ref"]
            assert ref.startswith("#/definitions/"), ref
            schema = self.spec["definitions"][ref.split("/")[-1]]
        return schema

    def check(self, value: Any, schema: Mapping[str, Any], where: str) -> list[str]:
        schema = self.resolve(schema)
        problems: list[str] = []
        expected = schema.get("type") or ("object" if "properties" in schema else None)
        if expected and not _JSON_TYPES[expected](value):
            return [f"{where}: expected {expected}, got {type(value).__name__}"]
        if "enum" in schema and value not in schema["enum"]:
            problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
        if isinstance(value, str) and len(value) < schema.get("minLength", 0):
            problems.append(f"{where}: shorter than {schema['minLength']}")
        if isinstance(value, dict):
            for name in schema.get("required", []):
                if name not in value:
                    problems.append(f"{where}: required field {name!r} missing")
            for name, sub in schema.get("properties", {}).items():
                if name in value:
                    problems += self.check(value[name], sub, f"{where}.{name}")
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                problems += self.check(item, schema["items"], f"{where}[{i}]")
        return problems


def _check_scalar(where: str, raw: str, kind: str | None) -> list[str]:
    if kind == "integer" and not re.fullmatch(r"-?\d+", raw):
        return [f"{where}: {raw!r} is not an integer"]
    if kind == "boolean" and raw not in ("true", "false"):
        return [f"{where}: {raw!r} is not a boolean"]
    return []
