"""One pass of the policy scanner over one module: a small abstract interpreter of
Python (names, attributes, imports, functions, classes, calls) that follows what each
expression evaluates to. What boto3's own objects do is ``boto3_calls.Boto3Calls``.
"""

from __future__ import annotations

import ast
from typing import Any

from lw.providers.aws.policygen.boto3_calls import Boto3Calls, kind_of, literal_of
from lw.providers.aws.policygen.state import ScanState, SourceModule
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

_CONFLICT = None  # a parameter that receives different values from different callers
# What ``boto3.<name>`` (or ``from boto3 import <name>``) is.
_BOTO3_NAMES: dict[str, Value] = {
    "client": Factory("client"),
    "resource": Factory("resource"),
    "Session": Factory("session"),
    "session": Boto3Module("boto3.session"),
}


def _scalar(value: Value | None) -> Any:
    """A container's element: scalars only, so that literals stay one level deep
    (``{"Bucket": "b"}``, ``["/a", "/b"]``) and self-referencing assignments such
    as ``x = [x]`` cannot grow from pass to pass."""
    inner = literal_of(value)
    return None if isinstance(inner, (list, dict)) else inner


def _is_environ(node: ast.expr) -> bool:
    """``os.environ`` or ``environ`` (imported from os)."""
    return (isinstance(node, ast.Name) and node.id == "environ") or (
        isinstance(node, ast.Attribute) and _attribute_key(node) == "os.environ"
    )


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


class Walker(Boto3Calls):
    """One pass over one module."""

    def __init__(self, scanner: ScanState, module: SourceModule) -> None:
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
            if value is not None and _propagates(value) and self.function_keys:
                self.s.next_returns.setdefault(self.function_keys[-1], value)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    self.walk_statement(child)
                elif isinstance(child, ast.expr):
                    self.evaluate(child)
                elif isinstance(child, ast.ExceptHandler):
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
                bound = _BOTO3_NAMES.get(alias.name)
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
        package = (
            self.module.name.split(".")
            if self.module.rel_path.endswith("__init__.py")
            else self.module.name.split(".")[:-1]
        )
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
            return (
                Literal(node.value) if isinstance(node.value, (str, int)) and not isinstance(node.value, bool) else None
            )
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.evaluate(node.value), node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.JoinedStr):
            parts = [
                self.evaluate(v.value) if isinstance(v, ast.FormattedValue) else self.evaluate(v) for v in node.values
            ]
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
                return _BOTO3_NAMES.get(name)
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
            return self._environment_value(
                args[0] if args else kwargs.get("key"), args[1] if len(args) > 1 else kwargs.get("default")
            )
        getattr_target = self._getattr_call(func)
        if getattr_target is not None:
            receiver_node, name_node = getattr_target
            receiver = self.evaluate(receiver_node)
            method = literal_of(self.evaluate(name_node))
            args, kwargs = self._arguments(node)
            if isinstance(receiver, (ClientValue, ResourceValue, CollectionValue)):
                if isinstance(method, str):
                    return self.method_call(node, receiver, method, args, kwargs)
                self.s.warn(
                    self.file,
                    node.lineno,
                    f"getattr() with a method name that is not a literal on a "
                    f"{kind_of(receiver)}: the operation is not known statically "
                    "and is not in the policy",
                )
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
        if (
            isinstance(func, ast.Call)
            and isinstance(func.func, ast.Name)
            and func.func.id == "getattr"
            and len(func.args) >= 2
        ):
            return func.args[0], func.args[1]
        return None

    def _arguments(self, node: ast.Call) -> tuple[list[Value | None], dict[str, Value | None]]:
        args = [self.evaluate(a.value if isinstance(a, ast.Starred) else a) for a in node.args]
        kwargs: dict[str, Value | None] = {}
        for keyword in node.keywords:
            value = self.evaluate(keyword.value)
            kwargs[keyword.arg if keyword.arg is not None else "**"] = value
        return args, kwargs

    def call_value(
        self, node: ast.Call, callee: Value | None, args: list[Value | None], kwargs: dict[str, Value | None]
    ) -> Value | None:
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
