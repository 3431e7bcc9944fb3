"""``lw invoke`` / ``lw manage`` payloads an attacker with invoke rights would send.

Without ``allow_raw_invoke`` only a plain function of the project's own modules may be
called: never lw's runtime, a dependency, the standard library, a bound method or an
attribute reached through an object, and a refused path imports nothing.
Each payload goes through both shims (AWS and OpenWhisk), hand-made and deployed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from lw.core.provider import InvokeResult
from lw.core.workflow import command_failure
from lw.runtime.aws import handler_from_settings, make_handler
from lw.runtime.openwhisk import main_from_settings, make_main

APP = """
import os
from flask import Flask
from werkzeug.utils import import_string
from evildep import helper
from os import system

app = Flask(__name__)
app.config["SECRET_KEY"] = "kept"

@app.route("/")
def index():
    return "ok"

def hello(payload, context):
    return {"hello": payload}

class Jobs:
    @staticmethod
    def run(payload, context):
        return "ran"

jobs = Jobs()
"""

# A "dependency" installed next to the app's code, as a package ships it, whose import
# has a side effect: refusing it must not import it.
EVILDEP = """
import os
open(os.environ["LW_SIDE_EFFECT"], "w").close()

def helper(payload, context):
    return "dependency code ran"

def run(payload, context):
    return os.system(payload)
"""

OUTSIDE = """
import os
open(os.environ["LW_SIDE_EFFECT"], "w").close()

def run(payload, context):
    return "outside code ran"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package folder: the app, a dependency with its metadata, ``lw_settings.json``;
    plus a module outside the project on ``sys.path``."""
    root = tmp_path / "task"
    root.mkdir()
    (root / "gateapp.py").write_text(APP)
    (root / "gatepkg").mkdir()
    (root / "gatepkg" / "__init__.py").write_text("")
    (root / "gatepkg" / "tasks.py").write_text("def work(payload, context):\n    return payload * 2\n")
    (root / "evildep.py").write_text(EVILDEP.replace("open(", "None if True else open(", 1))
    (root / "evilsidefx.py").write_text(EVILDEP)
    meta = root / "evilsidefx-1.0.dist-info"
    meta.mkdir()
    (meta / "RECORD").write_text("evilsidefx.py,,\nevilsidefx-1.0.dist-info/RECORD,,\n")
    meta = root / "evildep-1.0.dist-info"
    meta.mkdir()
    (meta / "top_level.txt").write_text("evildep\n")
    (root / "lw_settings.json").write_text(json.dumps({"app_function": "gateapp.app", "log_requests": False}))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "gateoutside.py").write_text(OUTSIDE)
    side_effect = tmp_path / "side-effect"
    monkeypatch.setenv("LW_SIDE_EFFECT", str(side_effect))
    monkeypatch.syspath_prepend(str(outside))
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in [m for m in sys.modules if m.startswith(OURS)]:
        del sys.modules[name]


OURS = ("gateapp", "gatepkg", "evildep", "evilsidefx", "gateoutside")


Invoke = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture(params=["aws", "openwhisk", "aws-deployed", "openwhisk-deployed"])
def invoke(request: pytest.FixtureRequest, project: Path) -> Invoke:
    """One ``lw_command`` through one of the shims, hand-made (``project_root`` given) or
    as deployed (built from ``lw_settings.json``, the root being the package folder)."""
    kind = request.param
    if kind.endswith("deployed"):
        settings = str(project / "lw_settings.json")
        entry: Any = handler_from_settings(settings) if kind.startswith("aws") else main_from_settings(settings)
    else:
        import gateapp

        factory = make_handler if kind == "aws" else make_main
        entry = factory(gateapp.app, project_root=str(project), log_requests=False)

    def run(command: dict[str, Any]) -> dict[str, Any]:
        event = {"lw_command": command}
        result = entry(event, None) if kind.startswith("aws") else entry(event)
        assert isinstance(result, dict)
        return result

    return run


def refused(result: dict[str, Any]) -> bool:
    return (
        "result" not in result
        and str(result.get("error", "")).startswith("PermissionError:")
        and "allow_raw_invoke" in result["error"]
    )


def test_the_apps_own_functions_can_be_called(invoke: Invoke) -> None:
    assert invoke({"function": "gateapp.hello", "payload": 1})["result"] == {"hello": 1}
    assert invoke({"function": "gateapp:hello", "payload": 2})["result"] == {"hello": 2}
    assert invoke({"function": "gatepkg.tasks.work", "payload": 3})["result"] == 6
    assert invoke({"function": "gatepkg:tasks.work", "payload": 4})["result"] == 8


@pytest.mark.parametrize(
    "dotted",
    [
        "lw.runtime.commands._raw",
        "lw.runtime.commands:_raw",
        "lw.runtime.settings.resolve",
    ],
)
def test_lws_own_runtime_is_refused(invoke: Invoke, tmp_path: Path, dotted: str) -> None:
    marker = tmp_path / "pwned"
    result = invoke({"function": dotted, "payload": f"open({str(marker)!r}, 'w').close()"})
    assert refused(result), result
    assert not marker.exists()


@pytest.mark.parametrize(
    "dotted", ["werkzeug.utils.import_string", "jinja2.utils.import_string", "werkzeug.utils:import_string"]
)
def test_dependency_helpers_cannot_read_the_environment(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, dotted: str
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "role-session-secret")
    result = invoke({"function": dotted, "payload": "os.environ"})
    assert refused(result), result
    assert "role-session-secret" not in json.dumps(result)


@pytest.mark.parametrize(
    "dotted",
    [
        "gateapp:app.__dict__.__setitem__",
        "gateapp:app.config.__setitem__",
        "gateapp:app.config.update",
        "gateapp:app.wsgi_app",
        "gateapp:jobs.run",
        "gateapp:Jobs.run",
        "gateapp.__dict__.__setitem__",
        "lw.runtime.commands:__dict__.__setitem__",
        "gateapp:__builtins__.exec",
        "gateapp:os.system",
        "gateapp.system",
        "gateapp.import_string",
        "gateapp.helper",
        "gateapp:Flask",
    ],
)
def test_objects_bound_methods_and_reexports_are_refused(invoke: Invoke, dotted: str) -> None:
    import gateapp

    result = invoke({"function": dotted, "payload": "wsgi_app"})
    assert refused(result), (dotted, result)
    assert gateapp.app.config["SECRET_KEY"] == "kept"
    assert "wsgi_app" not in gateapp.app.__dict__ or callable(gateapp.app.__dict__["wsgi_app"])
    # invoke still works afterwards: nothing was tampered with
    assert invoke({"function": "gateapp.hello", "payload": 0})["result"] == {"hello": 0}


@pytest.mark.parametrize(
    "dotted",
    ["shutil.rmtree", "os.system", "builtins.exec", "subprocess:run", "importlib.import_module", "pickle.loads"],
)
def test_standard_library_is_refused(invoke: Invoke, tmp_path: Path, dotted: str) -> None:
    victim = tmp_path / "keep"
    victim.mkdir()
    assert refused(invoke({"function": dotted, "payload": str(victim)}))
    assert victim.exists()


@pytest.mark.parametrize("dotted", ["evilsidefx.run", "gateoutside.run", "evilsidefx:run"])
def test_refused_modules_are_never_imported(invoke: Invoke, tmp_path: Path, dotted: str) -> None:
    result = invoke({"function": dotted, "payload": "id"})
    assert refused(result), result
    assert not (tmp_path / "side-effect").exists()
    assert dotted.split(".")[0].split(":")[0] not in sys.modules


def test_a_dependency_next_to_the_app_is_not_the_app(invoke: Invoke) -> None:
    assert refused(invoke({"function": "evildep.helper"}))


@pytest.mark.parametrize(
    "dotted", ["gateapp.", ".hello", "gateapp..hello", "gateapp.he llo", "gateapp:", "no_such_module.fn", 42]
)
def test_malformed_paths_are_errors_not_crashes(invoke: Invoke, dotted: Any) -> None:
    result = invoke({"function": dotted})
    assert result.get("error") and "result" not in result


def test_missing_function_is_named(invoke: Invoke) -> None:
    assert "has no attribute 'nope'" in invoke({"function": "gateapp.nope"})["error"]


def test_allow_raw_invoke_lifts_the_gate(project: Path) -> None:
    import gateapp

    handler = make_handler(gateapp.app, project_root=str(project), allow_raw_invoke=True, log_requests=False)
    result = handler({"lw_command": {"function": "lw.runtime.commands._raw", "payload": "6 * 7"}}, None)
    assert result["result"] == 42


# ------------------------------------------------------------------ lw manage


@pytest.fixture(params=["aws", "openwhisk"])
def manage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    from runtime.conftest import framework_app  # tests/ is on sys.path (tests/runtime is a package)

    app = framework_app("django")

    def run(command: str, **options: Any) -> dict[str, Any]:
        if request.param == "aws":
            return make_handler(app, log_requests=False, **options)({"lw_command": {"manage": command}}, None)
        return make_main(app, log_requests=False, **options)({"lw_command": {"manage": command}})

    return run


@pytest.mark.parametrize(
    "command",
    [
        "shell -c \"import os; os.system('id')\"",
        "dbshell",
        "runscript evil",
        "shell_plus",
        "lwping hello",  # a project command not in the allowlist
        "flush --noinput",
        "diffsettings",
    ],
)
def test_manage_commands_outside_the_allowlist_are_refused(manage: Callable[..., dict[str, Any]], command: str) -> None:
    result = manage(command)
    assert refused(result), result
    assert result["output"] == ""


def test_manage_allowlist_is_the_stages(manage: Callable[..., dict[str, Any]]) -> None:
    assert manage("lwping hi --shout", manage_commands=["lwping"]) == {"result": None, "output": "HI\n"}
    assert refused(manage("check", manage_commands=["lwping"]))
    # code-running commands are never granted by the allowlist
    assert refused(manage("shell -c 'print(1)'", manage_commands=["shell"]))


def test_default_allowlist_runs_djangos_maintenance_commands(manage: Callable[..., dict[str, Any]]) -> None:
    result = manage("check")
    assert "error" not in result, result


def test_allow_raw_invoke_allows_any_management_command(manage: Callable[..., dict[str, Any]]) -> None:
    result = manage("shell -c 'print(6 * 7)'", allow_raw_invoke=True)
    assert "error" not in result, result
    assert "42" in result["output"]


# ------------------------------------------------------------------ exit status


@pytest.mark.parametrize(
    "reply",
    [
        {"error": "PermissionError: refused", "output": ""},
        {"error": "KeyError: 'b'", "traceback": "Traceback...", "output": "x"},
        {"error": "unroutable event"},
    ],
)
def test_a_failed_or_refused_command_is_a_failed_invocation(reply: dict[str, Any]) -> None:
    assert command_failure(InvokeResult(result=reply)).error == reply["error"]


@pytest.mark.parametrize(
    "reply",
    [{"result": {"error": "in the data"}, "output": ""}, {"error": None}, "text", {"error": "x", "statusCode": 500}],
)
def test_a_successful_reply_is_left_alone(reply: Any) -> None:
    assert command_failure(InvokeResult(result=reply)).error is None


# ------------------------------------------------------------------ fuzz

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SEGMENTS = [
    "gateapp",
    "gatepkg",
    "tasks",
    "work",
    "hello",
    "app",
    "config",
    "update",
    "__dict__",
    "__setitem__",
    "__class__",
    "__globals__",
    "__builtins__",
    "os",
    "system",
    "environ",
    "lw",
    "runtime",
    "commands",
    "_raw",
    "settings",
    "resolve",
    "evilsidefx",
    "evildep",
    "helper",
    "run",
    "jobs",
    "Jobs",
    "werkzeug",
    "utils",
    "import_string",
    "jinja2",
    "shutil",
    "rmtree",
    "builtins",
    "exec",
    "eval",
    "gateoutside",
    "Flask",
    "",
]
ALLOWED = {("gateapp", "hello"), ("gatepkg.tasks", "work")}
dotted_paths = st.builds(
    lambda parts, colon: (
        (".".join(parts[:colon]) + ":" + ".".join(parts[colon:])) if 0 < colon < len(parts) else ".".join(parts)
    ),
    st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=5),
    st.integers(0, 5),
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(dotted=dotted_paths)
def test_fuzzed_paths_reach_only_the_apps_functions(project: Path, tmp_path: Path, dotted: str) -> None:
    import gateapp

    handler = make_handler(gateapp.app, project_root=str(project), log_requests=False)
    result = handler({"lw_command": {"function": dotted, "payload": "wsgi_app"}}, None)
    if "result" in result:
        module, _, name = dotted.replace(":", ".").rpartition(".")
        assert (module, name) in ALLOWED, (dotted, result)
    assert not (tmp_path / "side-effect").exists()
    assert "evilsidefx" not in sys.modules and "gateoutside" not in sys.modules
    assert gateapp.app.config["SECRET_KEY"] == "kept"
