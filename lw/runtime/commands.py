"""Remote commands sent by ``lw invoke`` / ``lw manage`` as a direct invocation.

Only the provider modules decide that an invocation is direct (never an HTTP request or
an event-source batch); this module just runs the command and always returns a JSON
document, because the caller is a CLI that prints results and output, not a traceback
from the platform.
"""

from __future__ import annotations

import os
import sys

from lw.runtime.logs import log, log_exception

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def run_command(
    command: Any,
    context: Any,
    *,
    allow_raw: bool,
    report: Callable[..., None] | None = None,
    project_root: str | None = None,
    manage_commands: Any = None,
) -> dict[str, Any]:
    """Run one ``lw_command`` document: ``function``, ``manage`` or ``raw``.

    Returns ``{"result", "output"}`` or ``{"error", "traceback", "output"}``.
    """
    if not isinstance(command, dict):
        return {"error": f"lw_command must be an object, got {type(command).__name__}", "output": ""}
    if "function" in command:
        action = "function"
    elif "manage" in command:
        action = "manage"
    elif "raw" in command:
        action = "raw"
        if not allow_raw:
            log("WARNING", "refused a raw Python command: this stage does not set allow_raw_invoke")
            return {
                "error": "raw Python commands are disabled for this stage (set allow_raw_invoke: true)",
                "output": "",
            }
    else:
        keys = ", ".join(sorted(map(str, command))) or "none"
        return {"error": f"lw_command needs one of function, manage, raw (got keys: {keys})", "output": ""}
    import io

    captured = io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = captured
    try:
        if action == "function":
            result = _call_function(
                command["function"], command.get("payload"), context, allow_raw=allow_raw, project_root=project_root
            )
        elif action == "manage":
            result = _manage(command["manage"], allow_raw=allow_raw, allowlist=manage_commands)
        else:
            result = _raw(command["raw"], context)
    except Refused as exc:
        sys.stdout, sys.stderr = saved
        log("WARNING", f"refused lw_command {action}: {exc}")
        return {"error": f"PermissionError: {exc}", "output": captured.getvalue()}
    except BaseException as exc:  # SystemExit from a management command included
        sys.stdout, sys.stderr = saved
        import traceback

        trace = traceback.format_exc()
        log_exception(f"lw_command {action} failed")
        if report is not None and isinstance(exc, Exception):
            report(exc, {"lw_command": command}, context)
        line = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
        return {"error": line, "traceback": trace, "output": captured.getvalue()}
    finally:
        sys.stdout, sys.stderr = saved
    return {"result": _json_safe(result), "output": captured.getvalue()}


# Django's own management commands that only maintain the deployment (schema, static
# files, caches, sessions) and never prompt: callable without ``allow_raw_invoke``. A
# stage widens or narrows the list with the ``manage_commands`` setting.
DEFAULT_MANAGE_COMMANDS = (
    "check",
    "clearsessions",
    "collectstatic",
    "createcachetable",
    "findstatic",
    "migrate",
    "showmigrations",
    "sqlmigrate",
    "sqlsequencereset",
)
# Commands whose whole purpose is to run code or open a shell: never granted by the
# allowlist, only by ``allow_raw_invoke``.
CODE_RUNNING_COMMANDS = frozenset({"shell", "shell_plus", "dbshell", "runscript", "notebook", "exec"})


def management_refusal(name: str, allowlist: Any, *, allow_raw: bool, tool: str = "manage") -> str | None:
    """Why the management command ``name`` may not run here, or ``None`` when it may.

    Generic on purpose: any CLI reachable through ``lw manage`` (Django's, Flask's) is
    checked by its command name against the stage's allowlist.
    """
    if allow_raw:
        return None
    if name in CODE_RUNNING_COMMANDS:
        return f"'{name}' runs arbitrary code; lw {tool} {name} needs allow_raw_invoke: true"
    allowed = DEFAULT_MANAGE_COMMANDS if allowlist is None else tuple(str(c) for c in allowlist)
    if name not in allowed:
        return (
            f"'{name}' is not in this stage's manage_commands ({', '.join(allowed) or 'none'}); "
            "add it there, or set allow_raw_invoke: true"
        )
    return None


def _call_function(dotted: Any, payload: Any, context: Any, *, allow_raw: bool, project_root: str | None) -> Any:
    """Call the app's ``fn(payload, context)``.

    Anything but a plain function of the project's own code (a dependency's helper such
    as ``werkzeug.utils.import_string``, lw's own runtime, the standard library, a bound
    method such as ``app.config.__setitem__``) would turn an invocation into arbitrary
    code execution or tampering with the running app, which only ``allow_raw_invoke``
    grants.
    """
    from lw.runtime.lookup import resolve

    if allow_raw:
        return resolve(str(dotted))(payload, context)
    target = project_function(str(dotted), project_root or default_project_root())
    return target(payload, context)


class Refused(PermissionError):
    """An invocation the gate does not allow without ``allow_raw_invoke``."""


def default_project_root() -> str:
    """Where the project's code lives when no settings file says so (a hand-made handler):
    Lambda's task root, else the working folder."""
    return os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()


def project_function(dotted: str, project_root: str) -> Any:
    """The plain function ``dotted`` names, checked to be the project's own before any
    module outside the project is imported (so a refused path has no import side effect).

    ``pkg.mod.fn`` or ``pkg.mod:fn``; every part a plain identifier (no dunder) and every
    step between the module and the function a module of the project, never an object.
    """
    import inspect
    import types

    from lw.runtime.lookup import split_dotted

    module_name, attr_path = split_dotted(dotted)
    for part in (*module_name.split("."), *attr_path.split(".")):
        if not part.isidentifier() or part.startswith("__"):
            raise Refused(f"{dotted!r}: {part!r} is not a plain name; {_NEEDS_RAW}")
    root = os.path.realpath(project_root)
    if os.path.dirname(root) == root:  # "/" would make every file on the machine the project's
        raise Refused(f"{dotted!r}: the project folder is {root}; set project_root to the app's folder")
    parts = module_name.split(".")
    for depth in range(1, len(parts) + 1):
        _check_project_module(".".join(parts[:depth]), root, dotted)
    import importlib

    target: Any = importlib.import_module(module_name)
    where = module_name
    for part in attr_path.split("."):
        if not isinstance(target, types.ModuleType):
            raise Refused(f"{dotted!r}: {where} is not a module; calling into objects {_NEEDS_RAW}")
        try:
            target = getattr(target, part)
        except AttributeError:
            raise AttributeError(f"{dotted!r}: module {where!r} has no attribute {part!r}") from None
        where = f"{where}.{part}"
        if isinstance(target, types.ModuleType):
            _check_project_module(target.__name__, root, dotted)
    if not inspect.isfunction(target):
        raise Refused(f"{dotted!r} is a {type(target).__name__}, not a function of the app; {_NEEDS_RAW}")
    home = getattr(target, "__module__", None)
    if not isinstance(home, str) or home not in sys.modules:
        raise Refused(f"{dotted!r} is not defined in a module of the app; {_NEEDS_RAW}")
    _check_project_module(home, root, dotted)
    return target


_NEEDS_RAW = "only the app's own functions can be invoked unless the stage sets allow_raw_invoke: true"


def _check_project_module(name: str, root: str, dotted: str) -> None:
    """Refuse ``name`` unless its file lies in the project's own sources: found from its
    spec (the parent packages, already checked, are the only modules imported)."""
    import importlib.util

    top = name.partition(".")[0]
    if top in sys.stdlib_module_names or top in sys.builtin_module_names or top in ("lw", "builtins"):
        raise Refused(f"{dotted!r}: {name} is not part of the app; {_NEEDS_RAW}")
    module = sys.modules.get(name)
    try:
        spec = module.__spec__ if module is not None else importlib.util.find_spec(name)
    except (ImportError, ValueError) as exc:
        raise ModuleNotFoundError(f"{dotted!r}: cannot find module {name!r} ({exc})") from None
    if spec is None:
        raise ModuleNotFoundError(f"{dotted!r}: no module named {name!r}")
    if spec.origin and spec.has_location:
        locations = [spec.origin]
    else:
        locations = list(spec.submodule_search_locations or ())
    if not locations:
        raise Refused(f"{dotted!r}: {name} has no file in the project; {_NEEDS_RAW}")
    for location in locations:
        real = os.path.realpath(location)
        inside = os.path.relpath(real, root)
        if (
            inside.startswith(os.pardir)
            or os.path.isabs(inside)
            or _is_dependency_path(inside)
            or real.startswith(_LW_DIR + os.sep)
        ):
            raise Refused(f"{dotted!r}: {name} is not in the project's own sources; {_NEEDS_RAW}")
        if name == top:
            # The folder on sys.path that holds the module (a regular package's origin is
            # its __init__ file, one level deeper): a dependency installed there, next to
            # the app's code as in a package, has its metadata beside it.
            entry = os.path.dirname(real)
            if spec.has_location and spec.submodule_search_locations is not None:
                entry = os.path.dirname(entry)
            if top in _distribution_modules(entry):
                raise Refused(f"{dotted!r}: {name} is an installed dependency, not the app; {_NEEDS_RAW}")


# lw's own package folder (its deployed copy in a package, or the installed one).
_LW_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_DEPENDENCY_DIRS = frozenset({"site-packages", "dist-packages", ".venv", "venv", "node_modules"})


def _is_dependency_path(relative: str) -> bool:

    return any(
        part in _DEPENDENCY_DIRS or part.endswith((".dist-info", ".egg-info", ".egg"))
        for part in relative.split(os.sep)[:-1]
    )


_DIST_CACHE: dict[str, frozenset[str]] = {}


def _distribution_modules(entry: str) -> frozenset[str]:
    """Top-level names owned by the distributions installed in the folder ``entry``
    (a package ships its dependencies next to the app's code, each with its metadata)."""
    cached = _DIST_CACHE.get(entry)
    if cached is not None:
        return cached
    names: set[str] = set()
    try:
        folders = [e for e in os.listdir(entry) if e.endswith((".dist-info", ".egg-info"))]
    except OSError:
        folders = []
    for folder in folders:
        names.update(_owned_names(os.path.join(entry, folder)))
    _DIST_CACHE[entry] = found = frozenset(names)
    return found


def _owned_names(meta: str) -> set[str]:
    """``top_level.txt`` when present, else the first component of each RECORD path."""
    names: set[str] = set()
    try:
        with open(os.path.join(meta, "top_level.txt"), encoding="utf-8") as handle:
            names.update(line.strip() for line in handle if line.strip())
    except OSError:
        pass
    try:
        with open(os.path.join(meta, "RECORD"), encoding="utf-8") as handle:
            for line in handle:
                first = line.split(",", 1)[0].split("/", 1)[0]
                if first and not first.endswith((".dist-info", ".data")) and first != "..":
                    names.add(first[:-3] if first.endswith(".py") else first)
    except OSError:
        pass
    return names


def _manage(command_line: Any, *, allow_raw: bool, allowlist: Any) -> Any:
    """``migrate --noinput`` -> ``call_command("migrate", "--noinput")``; ``init-db`` ->
    the Flask app's ``init-db`` command (see ``flask_cli``). Either is gated by name."""
    import shlex

    argv = shlex.split(command_line) if isinstance(command_line, str) else [str(a) for a in command_line]
    if not argv:
        raise ValueError("empty management command")
    refusal = management_refusal(argv[0], allowlist, allow_raw=allow_raw)
    if refusal is not None:
        raise Refused(refusal)
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        from lw.runtime.flask_cli import run_flask_command  # no django_settings: the Flask app's CLI

        return run_flask_command(argv)
    import django
    from django.apps import apps
    from django.core.management import call_command

    if not apps.ready:
        django.setup()
    call_command(*argv)


def _raw(source: Any, context: Any) -> Any:
    """Run Python source; a single expression's value is returned as the result."""
    namespace = {"__name__": "__lw_raw__", "context": context}
    try:
        code = compile(str(source), "<lw raw>", "eval")
    except SyntaxError:
        exec(compile(str(source), "<lw raw>", "exec"), namespace)
        return None
    return eval(code, namespace)


def _json_safe(value: Any) -> Any:
    """The value if JSON can carry it, else its ``repr`` (the platform would fail on it)."""
    import json

    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value
