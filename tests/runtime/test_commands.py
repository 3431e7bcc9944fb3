"""Remote commands (``lw invoke`` / ``lw manage``) in direct invocations only."""

from __future__ import annotations

import pytest

from lw.runtime.aws import make_handler
from lw.runtime.openwhisk import make_main

from .conftest import framework_app
from .helpers import http_event, response_body


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"app"]


@pytest.fixture(params=["aws", "openwhisk"])
def invoke(request):
    def run(command, **options):
        if request.param == "aws":
            return make_handler(app, **options)({"lw_command": command}, None)
        return make_main(app, **options)({"lw_command": command})

    return run


def test_function_command_returns_result_and_output(invoke):
    result = invoke({"function": "rt_events.add", "payload": {"a": 2, "b": 3}})
    assert result == {"result": 5, "output": "adding {'a': 2, 'b': 3}\n"}


def test_function_command_colon_form(invoke):
    assert invoke({"function": "rt_events:add", "payload": {"a": 1, "b": 1}})["result"] == 2


def test_unserialisable_result_is_repr(invoke):
    assert invoke({"function": "rt_events.unserialisable"})["result"].startswith("<object object")


def test_function_error_is_one_line_plus_traceback(invoke):
    result = invoke({"function": "rt_events.add", "payload": {"a": 1}})
    assert result["error"] == "KeyError: 'b'"
    assert "Traceback" in result["traceback"]
    assert result["output"] == "adding {'a': 1}\n"


def test_missing_function_is_an_error(invoke):
    result = invoke({"function": "rt_events.nope"})
    assert "has no attribute" in result["error"]


def test_raw_python_refused_by_default(invoke):
    result = invoke({"raw": "print(1)"})
    assert "allow_raw_invoke" in result["error"]
    assert "result" not in result


def test_raw_python_when_allowed(invoke):
    assert invoke({"raw": "print('hi')"}, allow_raw_invoke=True) == {"result": None, "output": "hi\n"}
    assert invoke({"raw": "6 * 7"}, allow_raw_invoke=True)["result"] == 42


def test_raw_python_error(invoke):
    result = invoke({"raw": "1/0"}, allow_raw_invoke=True)
    assert result["error"] == "ZeroDivisionError: division by zero"


def test_unknown_command_shape(invoke):
    assert "one of function, manage, raw" in invoke({"bogus": 1})["error"]
    assert "must be an object" in invoke("print(1)")["error"]


def test_django_management_command(invoke):
    framework_app("django")  # sets Django up as a deployed Django stage would at init
    result = invoke({"manage": "lwping hello world --shout"}, manage_commands=["lwping"])
    assert result == {"result": None, "output": "HELLO WORLD\n"}


def test_django_management_command_error(invoke):
    framework_app("django")
    result = invoke({"manage": "no_such_command"}, manage_commands=["no_such_command"])
    assert "Unknown command" in result["error"]


def test_commands_are_not_honored_in_http_events():
    handler = make_handler(app, allow_raw_invoke=True, log_requests=False)
    event = http_event("v1")
    event["lw_command"] = {"raw": "6 * 7"}
    response = handler(event, None)
    assert response_body("v1", response) == b"app"


def test_commands_are_not_honored_in_record_events():
    handler = make_handler(app, allow_raw_invoke=True)
    result = handler({"Records": [{"eventSource": "aws:sqs", "eventSourceARN": "x"}], "lw_command": {"raw": "1"}}, None)
    assert "error" in result and "result" not in result


def test_commands_are_not_honored_in_openwhisk_web_or_trigger_activations():
    main = make_main(app, allow_raw_invoke=True, log_requests=False)
    web = {
        "__ow_method": "get",
        "__ow_path": "/",
        "__ow_query": "",
        "__ow_body": "",
        "__ow_headers": {},
        "lw_command": {"raw": "6 * 7"},
    }
    assert main(web)["body"] == "app"
    trigger = {"lw_command": {"raw": "6 * 7"}, "__ow_headers": {"host": "x"}}
    assert "result" not in main(trigger)


@pytest.mark.parametrize("dotted", ["shutil.rmtree", "os.system", "builtins.exec", "subprocess:run"])
def test_standard_library_callables_need_raw_invoke(invoke, tmp_path, dotted):
    """Invoking shutil.rmtree(payload, context) would be arbitrary code execution by another name."""
    victim = tmp_path / "keep"
    victim.mkdir()
    result = invoke({"function": dotted, "payload": str(victim)})
    assert result["error"].startswith("PermissionError:") and "allow_raw_invoke" in result["error"]
    assert victim.exists()
