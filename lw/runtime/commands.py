"""Remote commands sent by ``lw invoke`` / ``lw manage`` as a direct invocation.

Only the provider modules decide that an invocation is direct (never an HTTP request or
an event-source batch); this module just runs the command and always returns a JSON
document, because the caller is a CLI that prints results and output, not a traceback
from the platform.
"""

from __future__ import annotations

import sys

from lw.runtime.logs import log, log_exception

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def run_command(
    command: Any, context: Any, *, allow_raw: bool, report: Callable[..., None] | None = None
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
            return {"error": "raw Python commands are disabled for this stage (set allow_raw_invoke: true)",
                    "output": ""}
    else:
        keys = ", ".join(sorted(map(str, command))) or "none"
        return {"error": f"lw_command needs one of function, manage, raw (got keys: {keys})", "output": ""}
    import io

    captured = io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = captured
    try:
        if action == "function":
            result = _call_function(command["function"], command.get("payload"), context, allow_raw=allow_raw)
        elif action == "manage":
            _manage(command["manage"])
            result = None
        else:
            result = _raw(command["raw"], context)
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


def _call_function(dotted: Any, payload: Any, context: Any, *, allow_raw: bool) -> Any:
    """Call the app's ``fn(payload, context)``.

    A standard-library or builtin callable (``shutil.rmtree``, ``os.system``) would turn
    an invocation into arbitrary code execution, which only ``allow_raw_invoke`` grants.
    """
    from lw.runtime.lookup import resolve

    target = resolve(str(dotted))
    module = str(getattr(target, "__module__", None) or str(dotted).replace(":", ".").split(".")[0])
    root = module.split(".")[0]
    if not allow_raw and (root in sys.stdlib_module_names or root == "builtins"):
        raise PermissionError(
            f"{dotted} is not a function of the app; calling the standard library needs allow_raw_invoke: true"
        )
    return target(payload, context)


def _manage(command_line: Any) -> None:
    """``migrate --noinput`` -> ``call_command("migrate", "--noinput")``."""
    import os
    import shlex

    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        raise RuntimeError("lw manage needs a Django project: this stage sets no django_settings")
    argv = shlex.split(command_line) if isinstance(command_line, str) else [str(a) for a in command_line]
    if not argv:
        raise ValueError("empty management command")
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
