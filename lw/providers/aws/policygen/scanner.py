"""Static analysis of the app's Python: which boto3 calls it makes, with which literal
arguments.

The scanner is a small abstract interpreter over ``ast``. It follows what an
expression evaluates to (``values``) through assignments to names and attributes,
imports between the app's modules, function returns and arguments, and repeats the
walk until nothing new is learnt, so that a client created at the bottom of a module or
in ``__init__`` is known where it is used. It never imports or runs the app.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from botocore import xform_name

from lw.providers.aws.policygen import injected, models
from lw.providers.aws.policygen.actions import iam_actions
from lw.providers.aws.policygen.values import (
    BatchWriterValue,
    Boto3Module,
    ClientValue,
    CollectionValue,
    Factory,
    FunctionValue,
    ImportedName,
    Literal,
    ModuleRef,
    PaginatorValue,
    ResourceValue,
    SessionValue,
    Value,
    WaiterValue,
)

MAX_PASSES = 6
_COLLECTION_METHODS = frozenset({"all", "filter", "limit", "page_size"})
_CONFLICT = None  # a parameter that receives different values from different callers


@dataclass(frozen=True)
class RawCall:
    """One API operation the code can perform, with its literal request parameters
    (a parameter present with value None was given but is not a literal)."""

    file: str
    line: int
    service: str
    operation: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class SourceModule:
    rel_path: str
    name: str
    tree: ast.Module


@dataclass
class ScanResult:
    calls: list[RawCall] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Scanner:
    """Runs the walk over every module until the learnt facts stop changing."""

    def __init__(self, modules: Iterable[SourceModule], environment: Mapping[str, str] | None = None) -> None:
        self.modules = list(modules)
        # The variables lw sets in the function (lw.yml), so that
        # os.environ["BUCKET"] is as literal as "uploads" when the stage sets it.
        self.environment = dict(environment or {})
        self.module_names = {m.name for m in self.modules}
        # Every package prefix of the app's modules ("shop" for "shop.views").
        self.packages = {".".join(m.split(".")[:i]) for m in self.module_names for i in range(1, m.count(".") + 2)}
        self.globals: dict[str, dict[str, Value | None]] = {}
        self.attributes: dict[str, dict[str, Value]] = {}
        # What functions return and receive, as learnt by the previous pass (read) and
        # the current one (written): each pass starts from the last pass's knowledge.
        self.returns: dict[str, Value] = {}
        self.arguments: dict[str, dict[str, Value | None]] = {}
        self.next_returns: dict[str, Value] = {}
        self.next_arguments: dict[str, dict[str, Value | None]] = {}
        self.calls: dict[tuple[Any, ...], RawCall] = {}
        self.warnings: dict[tuple[str, int, str], str] = {}
        self.untraced: list[tuple[str, int, ast.expr, str]] = []

    def _facts(self) -> tuple[Any, ...]:
        return (
            {k: dict(v) for k, v in self.globals.items()},
            {k: dict(v) for k, v in self.attributes.items()},
            dict(self.returns),
            {k: dict(v) for k, v in self.arguments.items()},
        )

    def run(self) -> ScanResult:
        for _ in range(MAX_PASSES):
            before = self._facts()
            self.calls.clear()
            self.warnings.clear()
            self.untraced.clear()
            self.next_returns, self.next_arguments = {}, {}
            for module in self.modules:
                _Walker(self, module).walk_module()
            self.returns, self.arguments = self.next_returns, self.next_arguments
            if self._facts() == before:
                break
        self._warn_untraced()
        calls = sorted(self.calls.values(), key=lambda c: (c.file, c.line, c.service, c.operation))
        warnings = [self.warnings[k] for k in sorted(self.warnings)]
        return ScanResult(calls=calls, warnings=warnings)

    def warn(self, file: str, line: int, message: str) -> None:
        self.warnings[(file, line, message)] = f"{file}:{line}: {message}"

    def _warn_untraced(self) -> None:
        """Method calls on objects the scanner could not follow (a client passed in from
        a framework, a decorator, another package) whose name is an operation of a
        service the app uses elsewhere: most likely a boto3 call that is missing."""
        services = sorted({c.service for c in self.calls.values()})
        for file, line, receiver, method in self.untraced:
            candidates = [s for s in services if _is_client_method(s, method)]
            if candidates:
                actions = ", ".join(_describe(s, method) for s in candidates)
                call = f"{ast.unparse(receiver)}.{method}(...)"
                self.warn(file, line, f"{call} looks like a boto3 call ({actions}) on an object lw cannot trace "
                                      "statically; it is not in the policy (add it to extra_permissions if the "
                                      "app needs it)")


def _is_client_method(service: str, method: str) -> bool:
    info = models.service(service)
    return bool(info and info.operation(method)) or method in injected.CLIENT_METHODS.get(service, {})


def _describe(service: str, method: str) -> str:
    info = models.service(service)
    operation = info.operation(method) if info else None
    if operation is None:
        operations = injected.CLIENT_METHODS[service][method].operations
    else:
        operations = (operation,)
    return "/".join(sorted({a for op in operations for a in iam_actions(service, op)}))


def _scalar(value: Value | None) -> Any:
    """A container's element: scalars only, so that literals stay one level deep
    (``{"Bucket": "b"}``, ``["/a", "/b"]``) and self-referencing assignments such
    as ``x = [x]`` cannot grow from pass to pass."""
    inner = literal_of(value)
    return None if isinstance(inner, (list, dict)) else inner


def _is_environ(node: ast.expr) -> bool:
    """``os.environ`` or ``environ`` (imported from os)."""
    return (isinstance(node, ast.Name) and node.id == "environ") or \
        (isinstance(node, ast.Attribute) and _attribute_key(node) == "os.environ")


def _is_environ_getter(func: ast.expr) -> bool:
    """``os.environ.get``, ``environ.get``, ``os.getenv`` or ``getenv``."""
    if isinstance(func, ast.Name):
        return func.id == "getenv"
    if isinstance(func, ast.Attribute):
        return (func.attr == "get" and _is_environ(func.value)) or _attribute_key(func) == "os.getenv"
    return False


def _propagates(value: Value | None) -> bool:
    """Whether a value is worth following through returns and arguments: boto3
    objects and scalar literals. Containers are not (a recursive function building a
    list would never reach a fixed point, and no resource name hides in one)."""
    if value is None:
        return False
    return not (isinstance(value, Literal) and isinstance(value.value, (list, dict)))


def _attribute_key(node: ast.Attribute) -> str | None:
    """``self.s3`` / ``app.clients.s3`` as a key; None for anything not a plain dotted
    name (``f().x`` has no stable identity)."""
    parts = [node.attr]
    current: ast.expr = node.value
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if not isinstance(current, ast.Name):
        return None
    parts.append(current.id)
    return ".".join(reversed(parts))


def literal_of(value: Value | None) -> Any:
    return value.value if isinstance(value, Literal) else None


class _Walker:
    """One pass over one module."""

    def __init__(self, scanner: Scanner, module: SourceModule) -> None:
        self.s = scanner
        self.module = module
        self.file = module.rel_path
        self.globals = scanner.globals.setdefault(module.name, {})
        self.attributes = scanner.attributes.setdefault(module.name, {})
        # Function scopes, innermost last; class bodies are kept apart because their
        # names are not visible from the methods.
        self.scopes: list[dict[str, Value | None]] = []
        self.declared_globals: list[set[str]] = []  # ``global`` names of each function scope
        self.class_scope: dict[str, Value | None] | None = None
        self.function_keys: list[str] = []

    # ------------------------------------------------------------------ names

    def lookup(self, name: str) -> Value | None:
        if self.class_scope is not None and name in self.class_scope:
            return self.resolve(self.class_scope[name])
        for scope in reversed(self.scopes):
            if name in scope:
                return self.resolve(scope[name])
        return self.resolve(self.globals.get(name))

    def resolve(self, value: Value | None, depth: int = 0) -> Value | None:
        if isinstance(value, ImportedName) and depth < 8:
            submodule = f"{value.module}.{value.name}"
            if submodule in self.s.module_names:
                return ModuleRef(submodule)
            return self.resolve(self.s.globals.get(value.module, {}).get(value.name), depth + 1)
        return value

    def bind(self, target: ast.expr, value: Value | None) -> None:
        if isinstance(target, ast.Name):
            if self.class_scope is not None:
                scope = self.class_scope
            elif self.scopes and target.id not in self.declared_globals[-1]:
                scope = self.scopes[-1]
            else:
                scope = self.globals
            if scope is self.globals and value is None and self.globals.get(target.id) is not None:
                # Module globals are flow-insensitive: ``s3 = None`` at the top and
                # ``global s3; s3 = boto3.client("s3")`` in a getter must both leave
                # s3 known as the client everywhere in the module.
                return
            scope[target.id] = value
            if self.class_scope is not None and value is not None:
                self.attributes[f"self.{target.id}"] = value
                self.attributes[f"cls.{target.id}"] = value
        elif isinstance(target, ast.Attribute):
            self.evaluate(target.value)
            key = _attribute_key(target)
            if value is not None and key is not None:
                self.attributes[key] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.bind(element.value if isinstance(element, ast.Starred) else element, None)
        else:
            self.evaluate(target)

    # ------------------------------------------------------------------ statements

    def walk_module(self) -> None:
        self.walk_body(self.module.tree.body)

    def walk_body(self, body: list[ast.stmt]) -> None:
        for statement in body:
            self.walk_statement(statement)

    def walk_statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            value = self.evaluate(node.value)
            for target in node.targets:
                self.bind(target, value)
        elif isinstance(node, ast.AnnAssign):
            value = self.evaluate(node.value) if node.value is not None else None
            if node.value is not None:
                self.bind(node.target, value)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self.walk_import(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.walk_function(node)
        elif isinstance(node, ast.ClassDef):
            self.walk_class(node)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            iterated = self.evaluate(node.iter)
            self.bind(node.target, self.collection_item(iterated))
            self.walk_body(node.body)
            self.walk_body(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.evaluate(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value)
            self.walk_body(node.body)
        elif isinstance(node, ast.Return):
            value = self.evaluate(node.value) if node.value is not None else None
            if _propagates(value) and self.function_keys:
                self.s.next_returns.setdefault(self.function_keys[-1], value)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    self.walk_statement(child)
                elif isinstance(child, ast.expr):
                    self.evaluate(child)
                elif isinstance(child, ast.excepthandler):
                    self.walk_body(child.body)
                elif isinstance(child, ast.match_case):
                    self.walk_body(child.body)

    def walk_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "boto3" or alias.name.startswith("boto3."):
                    bound: Value | None = Boto3Module(alias.name if alias.asname else "boto3")
                elif alias.asname:
                    bound = ModuleRef(alias.name) if alias.name in self.s.module_names else None
                else:
                    top = alias.name.split(".")[0]
                    bound = ModuleRef(top) if self._is_app_package(top) else None
                self.bind(ast.Name(id=alias.asname or alias.name.split(".")[0]), bound)
            return
        module = self._absolute_module(node)
        for alias in node.names:
            if alias.name == "*":
                continue
            bound = None
            if module == "boto3":
                bound = {"client": Factory("client"), "resource": Factory("resource"),
                         "Session": Factory("session"), "session": Boto3Module("boto3.session")}.get(alias.name)
            elif module == "boto3.session" and alias.name == "Session":
                bound = Factory("session")
            elif module and (module in self.s.module_names or f"{module}.{alias.name}" in self.s.module_names):
                bound = ImportedName(module, alias.name)
            self.bind(ast.Name(id=alias.asname or alias.name), bound)

    def _is_app_package(self, name: str) -> bool:
        return name in self.s.packages

    def _absolute_module(self, node: ast.ImportFrom) -> str | None:
        if not node.level:
            return node.module
        package = self.module.name.split(".") if self.module.rel_path.endswith("__init__.py") else \
            self.module.name.split(".")[:-1]
        if node.level - 1 > len(package):
            return None
        base = package[: len(package) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else [])) or None

    def _function_key(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        return f"{self.module.name}:{node.lineno}:{node.name}"

    def walk_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.evaluate(decorator)
        for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
            self.evaluate(default)
        key = self._function_key(node)
        params = tuple(a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs])
        in_class = self.class_scope is not None
        static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
        self.bind(ast.Name(id=node.name), FunctionValue(key, params, is_method=in_class and not static))
        scope: dict[str, Value | None] = {p: None for p in params}
        scope.update(self.s.arguments.get(key, {}))
        if in_class and params and not static:
            scope[params[0]] = None  # self / cls
        saved_class, self.class_scope = self.class_scope, None
        self.scopes.append(scope)
        self.declared_globals.append({name for n in ast.walk(node) if isinstance(n, ast.Global) for name in n.names})
        self.function_keys.append(key)
        try:
            self.walk_body(node.body)
        finally:
            self.function_keys.pop()
            self.declared_globals.pop()
            self.scopes.pop()
            self.class_scope = saved_class

    def walk_class(self, node: ast.ClassDef) -> None:
        for expr in [*node.bases, *node.decorator_list, *(k.value for k in node.keywords)]:
            self.evaluate(expr)
        saved, self.class_scope = self.class_scope, {}
        try:
            self.walk_body(node.body)
        finally:
            self.class_scope = saved
        self.bind(ast.Name(id=node.name), None)

    # ------------------------------------------------------------------ expressions

    def evaluate(self, node: ast.expr | None) -> Value | None:
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            return Literal(node.value) if isinstance(node.value, (str, int)) and not isinstance(node.value, bool) \
                else None
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.evaluate(node.value), node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.JoinedStr):
            parts = [self.evaluate(v.value) if isinstance(v, ast.FormattedValue) else self.evaluate(v)
                     for v in node.values]
            texts = [literal_of(p) for p in parts]
            return Literal("".join(str(t) for t in texts)) if all(t is not None for t in texts) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = literal_of(self.evaluate(node.left)), literal_of(self.evaluate(node.right))
            return Literal(left + right) if isinstance(left, str) and isinstance(right, str) else None
        if isinstance(node, ast.Dict):
            keys = [literal_of(self.evaluate(k)) if k is not None else None for k in node.keys]
            values = [self.evaluate(v) for v in node.values]
            if all(isinstance(k, str) for k in keys):
                return Literal({k: _scalar(v) for k, v in zip(keys, values)})
            return None
        if isinstance(node, (ast.List, ast.Tuple)):
            return Literal([_scalar(self.evaluate(e)) for e in node.elts])
        if isinstance(node, ast.Await):
            return self.evaluate(node.value)
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            return self._environment_value(self.evaluate(node.slice), None)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.evaluate(child)
            elif isinstance(child, ast.comprehension):
                self.evaluate(child.iter)
                for condition in child.ifs:
                    self.evaluate(condition)
        return None

    def attribute(self, base: Value | None, node: ast.Attribute) -> Value | None:
        name = node.attr
        if isinstance(base, Boto3Module):
            if base.path == "boto3":
                return {"client": Factory("client"), "resource": Factory("resource"), "Session": Factory("session"),
                        "session": Boto3Module("boto3.session")}.get(name)
            return Factory("session") if name == "Session" else None
        if isinstance(base, SessionValue) and name in ("client", "resource"):
            return Factory(name)
        if isinstance(base, ModuleRef):
            submodule = f"{base.name}.{name}"
            if submodule in self.s.module_names:
                return ModuleRef(submodule)
            return self.resolve(self.s.globals.get(base.name, {}).get(name))
        if isinstance(base, ResourceValue):
            if name == "meta":
                return base  # resource.meta.client is handled below
            if name == "client" and isinstance(node.value, ast.Attribute) and node.value.attr == "meta":
                return ClientValue(base.service)
            collection = self.collection(base, name)
            if collection is not None:
                return collection
        if isinstance(base, ClientValue) and name == "meta":
            return None
        if not self.attributes:
            return None
        key = _attribute_key(node)
        return self.attributes.get(key) if key is not None else None

    def collection(self, parent: ResourceValue, name: str) -> CollectionValue | None:
        definition = models.resource_definition(parent.service, parent.resource_type) or {}
        found = models.find_by_method(definition, "hasMany", name)
        if found is None:
            return None
        key, entry = found
        item_type = (entry.get("resource") or {}).get("type")
        return CollectionValue(parent.service, parent, name, key, item_type)

    def collection_item(self, value: Value | None) -> Value | None:
        if not isinstance(value, CollectionValue) or value.item_type is None:
            return None
        definition = models.resource_definition(value.service, value.parent.resource_type) or {}
        entry = (definition.get("hasMany") or {}).get(value.definition_key) or {}
        identifiers = []
        for spec in (entry.get("resource") or {}).get("identifiers") or []:
            source_value = value.parent.identifier(spec["name"]) if spec.get("source") == "identifier" else None
            identifiers.append((spec["target"], source_value))
        return ResourceValue(value.service, value.item_type, tuple(identifiers))

    # ------------------------------------------------------------------ calls

    def _environment_value(self, name: Value | None, default: Value | None) -> Value | None:
        key = literal_of(name)
        if isinstance(key, str) and key in self.s.environment:
            return Literal(self.s.environment[key])
        return default if isinstance(literal_of(default), str) else None

    def call(self, node: ast.Call) -> Value | None:
        func = node.func
        if _is_environ_getter(func):
            args, kwargs = self._arguments(node)
            return self._environment_value(args[0] if args else kwargs.get("key"),
                                           args[1] if len(args) > 1 else kwargs.get("default"))
        getattr_target = self._getattr_call(func)
        if getattr_target is not None:
            receiver_node, name_node = getattr_target
            receiver = self.evaluate(receiver_node)
            method = literal_of(self.evaluate(name_node))
            args, kwargs = self._arguments(node)
            if isinstance(receiver, (ClientValue, ResourceValue, CollectionValue)):
                if isinstance(method, str):
                    return self.method_call(node, receiver, method, args, kwargs)
                self.s.warn(self.file, node.lineno, f"getattr() with a method name that is not a literal on a "
                                                    f"{_kind(receiver)}: the operation is not known statically "
                                                    "and is not in the policy")
            return None
        if isinstance(func, ast.Attribute):
            receiver = self.evaluate(func.value)
            args, kwargs = self._arguments(node)
            if isinstance(receiver, BatchWriterValue):
                return None
            if isinstance(receiver, (ClientValue, ResourceValue, CollectionValue, PaginatorValue, WaiterValue)):
                return self.method_call(node, receiver, func.attr, args, kwargs)
            callee = self.attribute(receiver, func)
            if callee is None and receiver is None and "_" in func.attr:
                self.s.untraced.append((self.file, node.lineno, func.value, func.attr))
            return self.call_value(node, callee, args, kwargs)
        callee = self.evaluate(func)
        args, kwargs = self._arguments(node)
        return self.call_value(node, callee, args, kwargs)

    @staticmethod
    def _getattr_call(func: ast.expr) -> tuple[ast.expr, ast.expr] | None:
        if isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "getattr" \
                and len(func.args) >= 2:
            return func.args[0], func.args[1]
        return None

    def _arguments(self, node: ast.Call) -> tuple[list[Value | None], dict[str, Value | None]]:
        args = [self.evaluate(a.value if isinstance(a, ast.Starred) else a) for a in node.args]
        kwargs: dict[str, Value | None] = {}
        for keyword in node.keywords:
            value = self.evaluate(keyword.value)
            kwargs[keyword.arg if keyword.arg is not None else "**"] = value
        return args, kwargs

    def call_value(self, node: ast.Call, callee: Value | None, args: list[Value | None],
                   kwargs: dict[str, Value | None]) -> Value | None:
        if isinstance(callee, Factory):
            if callee.kind == "session":
                return SessionValue()
            return self.make_service_object(node, callee.kind, args, kwargs)
        if isinstance(callee, FunctionValue):
            self._pass_arguments(callee, args, kwargs)
            return self.s.returns.get(callee.key)
        return None

    def _pass_arguments(self, callee: FunctionValue, args: list[Value | None], kwargs: dict[str, Value | None]) -> None:
        received = self.s.next_arguments.setdefault(callee.key, {})
        pairs = list(zip(callee.call_params, args)) + [(k, v) for k, v in kwargs.items() if k in callee.params]
        for param, value in pairs:
            if not _propagates(value):
                value = None
            if value is None and param not in received:
                continue
            if param not in received:
                received[param] = value
            elif received[param] != value:
                received[param] = _CONFLICT

    def make_service_object(self, node: ast.Call, kind: str, args: list[Value | None],
                            kwargs: dict[str, Value | None]) -> Value | None:
        name_value = args[0] if args else kwargs.get("service_name")
        name = literal_of(name_value)
        if not isinstance(name, str):
            self.s.warn(self.file, node.lineno, f"boto3 {kind}() with a service name that is not a literal: calls "
                                                "made through it are not in the policy")
            return None
        if not models.is_service(name):
            self.s.warn(self.file, node.lineno, f"boto3 {kind}({name!r}): botocore knows no such service")
            return None
        if kind == "client":
            return ClientValue(name)
        if models.resource_model(name) is None:
            self.s.warn(self.file, node.lineno, f"boto3 resource({name!r}): boto3 has no resource API for it")
            return None
        return ResourceValue(name)

    def method_call(self, node: ast.Call, receiver: Value, method: str, args: list[Value | None],
                    kwargs: dict[str, Value | None]) -> Value | None:
        if isinstance(receiver, ClientValue):
            return self.client_call(node, receiver.service, method, args, kwargs)
        if isinstance(receiver, PaginatorValue):
            if method == "paginate":
                self.record(node, receiver.service, receiver.operation, _params(kwargs))
            return None
        if isinstance(receiver, WaiterValue):
            if method == "wait":
                self.record(node, receiver.service, receiver.operation, _params(kwargs))
            return None
        if isinstance(receiver, ResourceValue):
            return self.resource_call(node, receiver, method, args, kwargs)
        if isinstance(receiver, CollectionValue):
            return self.collection_call(node, receiver, method, kwargs)
        return None

    def client_call(self, node: ast.Call, service: str, method: str, args: list[Value | None],
                    kwargs: dict[str, Value | None]) -> Value | None:
        info = models.service(service)
        assert info is not None
        first = literal_of(args[0]) if args else None
        if method == "get_paginator":
            name = first if first is not None else literal_of(kwargs.get("operation_name"))
            operation = models.paginated_operation(service, name) if isinstance(name, str) else None
            if operation is None:
                self.s.warn(self.file, node.lineno, f"{service} get_paginator() with an operation lw cannot read "
                                                    "statically: not in the policy")
                return None
            return PaginatorValue(service, operation)
        if method == "get_waiter":
            name = first if first is not None else literal_of(kwargs.get("waiter_name"))
            operation = models.waiter_operation(service, name) if isinstance(name, str) else None
            if operation is None:
                self.s.warn(self.file, node.lineno, f"{service} get_waiter() with a waiter lw cannot read "
                                                    "statically: not in the policy")
                return None
            return WaiterValue(service, operation)
        if method == "generate_presigned_url":
            name = first if first is not None else literal_of(kwargs.get("ClientMethod"))
            operation = info.operation(name) if isinstance(name, str) else None
            if operation is None:
                self.s.warn(self.file, node.lineno, f"{service} generate_presigned_url() for a method lw cannot "
                                                    "read statically: not in the policy")
                return None
            params = literal_of(args[1] if len(args) > 1 else kwargs.get("Params"))
            self.record(node, service, operation, params if isinstance(params, dict) else {"**": True})
            return None
        extra = injected.CLIENT_METHODS.get(service, {}).get(method)
        if extra is not None:
            params = _params(kwargs)
            params.update({name: literal_of(v) for name, v in zip(extra.positional, args)})
            for operation in extra.operations:
                self.record(node, service, operation, params)
            return None
        operation = info.operation(method)
        if operation is not None:
            self.record(node, service, operation, _params(kwargs))
        elif method not in injected.LOCAL_CLIENT_METHODS:
            self.s.warn(self.file, node.lineno, f"{method}() is not an operation of the {service} client")
        return None

    def resource_call(self, node: ast.Call, resource: ResourceValue, method: str, args: list[Value | None],
                      kwargs: dict[str, Value | None]) -> Value | None:
        service = resource.service
        definition = models.resource_definition(service, resource.resource_type) or {}
        has = (definition.get("has") or {}).get(method)
        if has is not None:
            return self._sub_resource(resource, has.get("resource") or {}, args, kwargs)
        if resource.resource_type is None and models.resource_definition(service, method) is not None:
            # The service resource constructs any of its resource types directly:
            # s3.Object(bucket, key), with the identifiers in order.
            names = models.resource_identifiers(service, method)
            spec = {"type": method, "identifiers": [{"target": n, "source": "input"} for n in names]}
            return self._sub_resource(resource, spec, args, kwargs)
        action = models.find_by_method(definition, "actions", method)
        if action is not None:
            request = action[1].get("request") or {}
            self.record(node, service, str(request["operation"]), self._request_params(resource, request, kwargs))
            return None
        if method in ("load", "reload") and definition.get("load"):
            request = definition["load"].get("request") or {}
            self.record(node, service, str(request["operation"]), self._request_params(resource, request, kwargs))
            return None
        if method.startswith("wait_until_"):
            waiter = models.find_by_method(definition, "waiters", method[len("wait_until_"):])
            if waiter is not None:
                operation = models.waiter_operation(service, xform_name(waiter[1]["waiterName"]))
                if operation is not None:
                    self.record(node, service, operation, self._request_params(resource, waiter[1], kwargs))
                    return None
        extra = injected.RESOURCE_METHODS.get((service, resource.resource_type or ""), {}).get(method)
        if extra is not None:
            identifier_params = injected.IDENTIFIER_PARAMS.get((service, resource.resource_type or ""), {})
            params = {param: resource.identifier(ident) for ident, param in identifier_params.items()}
            params.update(_params(kwargs))
            params.update({name: literal_of(v) for name, v in zip(extra.positional, args)})
            for operation in extra.operations:
                self.record(node, service, operation, params)
            return BatchWriterValue(service) if method == "batch_writer" else None
        if not method.startswith("get_available"):
            what = f"{service} {resource.resource_type}" if resource.resource_type else f"the {service} resource"
            self.s.warn(self.file, node.lineno, f"{method}() is not an action of {what}")
        return None

    def _sub_resource(self, parent: ResourceValue, spec: Mapping[str, Any], args: list[Value | None],
                      kwargs: dict[str, Value | None]) -> ResourceValue:
        remaining = list(args)
        identifiers = []
        for ident in spec.get("identifiers") or []:
            target = str(ident["target"])
            if ident.get("source") == "input":
                value = remaining.pop(0) if remaining else kwargs.get(target)
                identifiers.append((target, literal_of(value)))
            elif ident.get("source") == "identifier":
                identifiers.append((target, parent.identifier(str(ident["name"]))))
            else:
                identifiers.append((target, None))
        return ResourceValue(parent.service, str(spec.get("type")), tuple(identifiers))

    @staticmethod
    def _request_params(resource: ResourceValue, request: Mapping[str, Any],
                        kwargs: dict[str, Value | None]) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for spec in request.get("params") or []:
            target = str(spec.get("target", ""))
            if not target.isidentifier():
                continue  # nested targets such as "Delete.Objects[*].Key"
            if spec.get("source") == "identifier":
                params[target] = resource.identifier(str(spec["name"]))
            elif spec.get("source") == "string":
                params[target] = spec.get("value")
        params.update(_params(kwargs))
        return params

    def collection_call(self, node: ast.Call, collection: CollectionValue, method: str,
                        kwargs: dict[str, Value | None]) -> Value | None:
        definition = models.resource_definition(collection.service, collection.parent.resource_type) or {}
        entry = (definition.get("hasMany") or {}).get(collection.definition_key) or {}
        if method in _COLLECTION_METHODS:
            request = entry.get("request") or {}
            if request.get("operation"):
                self.record(node, collection.service, str(request["operation"]),
                            self._request_params(collection.parent, request, kwargs))
            return collection
        item_definition = models.resource_definition(collection.service, collection.item_type) or {}
        batch = models.find_by_method(item_definition, "batchActions", method)
        if batch is not None:
            # A batch action first lists the collection, then acts on every page.
            listing = entry.get("request") or {}
            if listing.get("operation"):
                self.record(node, collection.service, str(listing["operation"]),
                            self._request_params(collection.parent, listing, {}))
            request = batch[1].get("request") or {}
            self.record(node, collection.service, str(request["operation"]),
                        self._request_params(collection.parent, {"params": []}, kwargs)
                        | _parent_request_params(collection, listing))
        return None

    def record(self, node: ast.Call, service: str, operation: str, params: Mapping[str, Any]) -> None:
        key = (self.file, node.lineno, node.col_offset, service, operation)
        self.s.calls[key] = RawCall(self.file, node.lineno, service, operation, dict(params))


def _parent_request_params(collection: CollectionValue, listing: Mapping[str, Any]) -> dict[str, Any]:
    """The listing request's identifier parameters (``Bucket``), reused by the batch
    action that works on the same container."""
    params: dict[str, Any] = {}
    for spec in listing.get("params") or []:
        if spec.get("source") == "identifier" and str(spec.get("target", "")).isidentifier():
            params[str(spec["target"])] = collection.parent.identifier(str(spec["name"]))
    return params


def _params(kwargs: Mapping[str, Value | None]) -> dict[str, Any]:
    return {name: literal_of(value) if name != "**" else True for name, value in kwargs.items()}


def _kind(value: Value) -> str:
    if isinstance(value, ClientValue):
        return f"{value.service} client"
    if isinstance(value, ResourceValue):
        return f"{value.service} resource"
    return "boto3 object"
