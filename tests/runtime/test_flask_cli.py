"""``lw manage`` for Flask stages: the app's own click commands (issue 17, item 3)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from lw.runtime.flask_cli import NotAFlaskApp, find_flask_app, run_flask_command


def settings_file(tmp_path: Path, app_function: str) -> str:
    path = tmp_path / "lw_settings.json"
    path.write_text(json.dumps({"app_function": app_function}))
    return str(path)


def test_the_deployed_app_is_found_through_its_middleware(tmp_path: Path) -> None:
    import rt_flask_cli_app

    assert find_flask_app(settings_file(tmp_path, "rt_flask_cli_app.app")) is rt_flask_cli_app.flask_app


def test_a_command_runs_in_an_app_context_and_prints(tmp_path: Path) -> None:
    app = find_flask_app(settings_file(tmp_path, "rt_flask_cli_app.app"))
    out = io.StringIO()
    with redirect_stdout(out):
        run_flask_command("init-db --name posts", app)
    assert out.getvalue() == "made posts in rt_flask_cli_app\n"
    with redirect_stdout(io.StringIO()) as routes:
        run_flask_command(["routes"], app)  # one of Flask's own commands
    assert "static" in routes.getvalue()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ("no-such", "no command 'no-such' (commands: ask, init-db, routes)"),
        ("init-db", "Missing option '--name'"),
        ("run", "development server"),
        ("shell", "interactive shell"),
        ("ask", "aborted"),
        ("", "empty command"),
    ],
)
def test_bad_command_lines_are_one_line_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: str, message: str
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a function has no one to answer a prompt
    app = find_flask_app(settings_file(tmp_path, "rt_flask_cli_app.app"))
    with pytest.raises(Exception) as caught, redirect_stdout(io.StringIO()):
        run_flask_command(argv, app)
    assert message in str(caught.value)


def test_an_app_that_is_not_flask_says_so(tmp_path: Path) -> None:
    with pytest.raises(NotAFlaskApp, match="neither"):
        find_flask_app(settings_file(tmp_path, "rt_flask_cli_app.plain_wsgi"))
    with pytest.raises(NotAFlaskApp, match="cannot read"):
        find_flask_app(str(tmp_path / "missing.json"))
