"""``lw manage init-db`` for a Flask app: the app's own CLI, run inside the function.

Flask apps put their setup commands on the app's click group (``@app.cli.command`` or
``app.cli.add_command`` in a factory, as Flask's tutorial does with ``init-db``). This
module finds the deployed Flask app and runs one of those commands the way the ``flask``
command would (with an application context), so ``lw manage`` serves Flask stages as it
serves Django ones. Flask and click are imported only here, when a command runs.
"""

from __future__ import annotations

import os
import shlex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Built-in ``flask`` commands that make no sense inside a function: ``run`` starts a
# development server (it would hold the invocation until its timeout).
REFUSED = {
    "run": "starts a development server, which cannot run inside a function",
    "shell": "opens an interactive shell, which cannot run inside a function (see lw invoke --raw)",
}
_WRAPPER_ATTRIBUTES = ("app", "application", "wsgi_app", "__wrapped__")


class NotAFlaskApp(RuntimeError):
    """The stage's app is not a Flask app, so there is no Flask CLI to run."""


def package_root() -> str:
    """The folder the package was unpacked in (``lw/runtime/`` ships inside it)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_flask_app(settings_path: str | None = None) -> Any:
    """The deployed Flask app object, unwrapped from WSGI middleware when needed.

    The app module is already imported by the handler at init, so resolving
    ``app_function`` again returns the very object serving requests.
    """
    import json

    from lw.runtime.lookup import resolve  # not lw.runtime.settings: that would close an import cycle

    path = settings_path or os.path.join(package_root(), "lw_settings.json")
    try:
        with open(path, encoding="utf-8") as handle:
            settings = json.load(handle)
    except (OSError, ValueError) as exc:
        raise NotAFlaskApp(f"lw manage cannot read the deployed settings ({exc})") from None
    function = settings.get("app_function") if isinstance(settings, dict) else None
    app: Any = resolve(str(function)) if function else None
    seen = 0
    while app is not None and seen < 4:
        if hasattr(app, "cli") and hasattr(app, "app_context"):
            return app
        app = next((getattr(app, name) for name in _WRAPPER_ATTRIBUTES if getattr(app, name, None) is not None), None)
        seen += 1
    raise NotAFlaskApp(
        "lw manage runs Django management commands (a stage with django_settings) or "
        "Flask CLI commands (a Flask app_function); this stage's app is neither"
    )


def command_names(app: Any) -> list[str]:
    """The commands ``lw manage`` can run for ``app``: its own and Flask's defaults."""
    import click
    from flask.cli import FlaskGroup, ScriptInfo

    group = FlaskGroup(create_app=lambda: app, load_dotenv=False, set_debug_flag=False)
    with click.Context(group, obj=ScriptInfo(create_app=lambda: app, set_debug_flag=False)) as ctx:
        return sorted(name for name in group.list_commands(ctx) if name not in REFUSED)


def run_flask_command(command_line: Any, app: Any = None) -> Any:
    """Run one Flask CLI command line (``"init-db"``, ``["users", "add", "ann"]``);
    returns what the command returned. Its output goes to ``sys.stdout`` as the
    ``flask`` command prints it; a usage error raises with click's one-line message."""
    argv = shlex.split(command_line) if isinstance(command_line, str) else [str(a) for a in command_line]
    if not argv:
        raise ValueError("empty command")
    if argv[0] in REFUSED:
        raise PermissionError(f"flask {argv[0]} {REFUSED[argv[0]]}")
    app = app if app is not None else find_flask_app()
    import click
    from flask.cli import FlaskGroup, ScriptInfo

    group = FlaskGroup(create_app=lambda: app, load_dotenv=False, set_debug_flag=False)
    info = ScriptInfo(create_app=lambda: app, set_debug_flag=False)
    with click.Context(group, obj=info) as probe:
        if group.get_command(probe, argv[0]) is None:
            known = ", ".join(command_names(app)) or "none"
            raise LookupError(f"the Flask app has no command {argv[0]!r} (commands: {known})")
    try:
        with app.app_context():
            return group.main(args=argv, prog_name="flask", obj=info, standalone_mode=False)
    except click.exceptions.Exit as done:  # --help, or a command calling ctx.exit(0)
        if done.exit_code:
            raise RuntimeError(f"flask {argv[0]} exited with status {done.exit_code}") from None
        return None
    except click.ClickException as exc:
        raise RuntimeError(f"flask {shlex.join(argv)}: {exc.format_message()}") from None
    except click.exceptions.Abort:
        raise RuntimeError(f"flask {argv[0]} was aborted (it asked for input: pass every value as an option)") from None
