"""Forged ``lw_task`` envelopes: what someone able to invoke the function (or publish to
its task topic) would send to make a task run code the app never exposed.

A task runs only a plain function of the project's own modules (the remote-command
gate): never lw, a dependency, the standard library, code outside the project, a bound
method or an attribute reached through an object; a refused path imports nothing, a
malformed envelope is answered (never raised, so it is not retried), and an envelope
inside an HTTP request, a record batch, a trigger activation or a message from another
SNS topic is not a task at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lw.runtime.aws import make_handler
from lw.runtime.openwhisk import make_main
from lw.runtime.tasks import TaskRaised

APP = """
import os

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"served by the app"]

def double(n):
    return n * 2

def explode():
    raise ValueError("task failed on purpose")

class Jobs:
    @staticmethod
    def run(command):
        return os.system(command)

jobs = Jobs()
from os import system
"""

DEPENDENCY = """
import os
open(os.environ["LW_SIDE_EFFECT"], "w").close()

def run(command):
    return os.system(command)
"""

OURS = ("taskapp", "taskdep", "taskoutside")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "package"
    root.mkdir()
    (root / "taskapp.py").write_text(APP)
    (root / "taskdep.py").write_text(DEPENDENCY)
    meta = root / "taskdep-1.0.dist-info"
    meta.mkdir()
    (meta / "top_level.txt").write_text("taskdep\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "taskoutside.py").write_text(DEPENDENCY)
    monkeypatch.setenv("LW_SIDE_EFFECT", str(tmp_path / "side-effect"))
    monkeypatch.delenv("LW_TASKS_BACKEND", raising=False)
    monkeypatch.syspath_prepend(str(outside))
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in [m for m in sys.modules if m.startswith(OURS)]:
        del sys.modules[name]


Send = Callable[[dict[str, Any]], Any]


@pytest.fixture(params=["aws", "openwhisk"])
def send(request: pytest.FixtureRequest, project: Path) -> Send:
    import taskapp

    if request.param == "aws":
        handler = make_handler(taskapp.app, project_root=str(project), log_requests=False)
        return lambda event: handler(event, None)
    main = make_main(taskapp.app, project_root=str(project), log_requests=False)
    return lambda event: main(event)


def envelope(function: Any, *args: Any, task_id: Any = "abc123", **kwargs: Any) -> dict[str, Any]:
    return {"lw_task": {"function": function, "args": list(args), "kwargs": kwargs, "id": task_id, "capture": False}}


def test_the_apps_own_function_runs(send: Send) -> None:
    assert send(envelope("taskapp.double", 21)) == {"lw_task": "abc123", "status": "complete", "result": 42}


@pytest.mark.parametrize(
    "dotted",
    [
        "os.system",
        "subprocess.getoutput",
        "builtins.exec",
        "lw.runtime.commands._raw",
        "lw.tasks.run",
        "taskapp:jobs.run",
        "taskapp:Jobs.run",
        "taskapp.system",
        "taskapp:os.system",
        "taskapp.__dict__.get",
        "taskapp:__builtins__.exec",
        "taskdep.run",
        "taskoutside.run",
        "taskapp.no_such_function",
        "no_such_module.run",
        "",
        "taskapp",
    ],
)
def test_anything_but_a_project_function_is_refused_and_imports_nothing(
    send: Send, tmp_path: Path, dotted: str
) -> None:
    marker = tmp_path / "pwned"
    result = send(envelope(dotted, f"touch {marker}"))
    assert isinstance(result, dict) and "error" in result and "result" not in result, (dotted, result)
    assert not marker.exists()
    assert not (tmp_path / "side-effect").exists()
    assert "taskdep" not in sys.modules and "taskoutside" not in sys.modules


@pytest.mark.parametrize(
    "task",
    [
        None,
        "taskapp.double",
        [],
        {"function": "taskapp.double", "args": [1], "kwargs": {}},  # no id
        {"function": "taskapp.double", "args": [1], "kwargs": {}, "id": "../../etc/passwd"},
        {"function": "taskapp.double", "args": [1], "kwargs": {}, "id": "a" * 65},
        {"function": "taskapp.double", "args": [1], "kwargs": {}, "id": 7},
        {"function": "taskapp.double", "args": "1", "kwargs": {}, "id": "a1"},
        {"function": "taskapp.double", "args": [], "kwargs": {"**": 1}, "id": "a1"},
        {"function": "taskapp.double", "args": [], "kwargs": [], "id": "a1"},
        {"function": ["taskapp", "double"], "args": [], "kwargs": {}, "id": "a1"},
    ],
)
def test_malformed_envelopes_are_answered_not_raised(send: Send, task: Any) -> None:
    result = send({"lw_task": task})
    assert isinstance(result, dict) and "error" in result


def test_wrong_arguments_are_a_task_failure_not_a_crash(send: Send) -> None:
    try:
        result = send(envelope("taskapp.double", 1, 2, 3))
    except TaskRaised:  # AWS: raised, so that Lambda's retries and destination apply
        return
    assert "error" in result  # OpenWhisk: an application error of the activation


def test_an_envelope_in_an_http_request_is_not_a_task(project: Path) -> None:
    import taskapp

    handler = make_handler(taskapp.app, project_root=str(project), log_requests=False)
    event = {
        "version": "2.0",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {"host": "x"},
        "requestContext": {"http": {"method": "POST", "path": "/", "sourceIp": "1.2.3.4"}},
        "body": json.dumps(envelope("taskapp.double", 1)),
        "isBase64Encoded": False,
        **envelope("taskapp.double", 1),
    }
    reply = handler(event, None)
    assert reply["statusCode"] == 200 and reply["body"] == "served by the app"


def test_an_envelope_beside_records_or_a_binding_is_not_a_task(project: Path) -> None:
    import taskapp

    handler = make_handler(taskapp.app, project_root=str(project), log_requests=False)
    for extra in ({"Records": [{"eventSource": "aws:sqs"}]}, {"lw_binding": "nightly"}):
        result = handler({**envelope("taskapp.double", 1), **extra}, None)
        assert result is None or "lw_task" not in result


def test_an_openwhisk_web_or_trigger_activation_is_not_a_task(project: Path) -> None:
    import taskapp

    main = make_main(taskapp.app, project_root=str(project), log_requests=False)
    result = main({**envelope("taskapp.double", 1), "__ow_headers": {"authorization": "x"}})
    assert "result" not in result or result.get("lw_task") is None


def test_only_the_stages_task_topic_carries_tasks(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import taskapp

    monkeypatch.setenv("LW_TASKS_BACKEND", "sns")
    monkeypatch.setenv("LW_TASKS_TOPIC", "shop-dev-tasks")
    handler = make_handler(taskapp.app, project_root=str(project), log_requests=False)

    def record(topic: str, message: Any) -> dict[str, Any]:
        body = message if isinstance(message, str) else json.dumps(message)
        return {"Records": [{"EventSource": "aws:sns", "Sns": {"TopicArn": topic, "Message": body}}]}

    ours = "arn:aws:sns:us-east-1:123456789012:shop-dev-tasks"
    assert handler(record(ours, envelope("taskapp.double", 4)), None)["result"] == 8
    # another topic (even one whose name ends the same way) is an ordinary event
    for topic in ("arn:aws:sns:us-east-1:123456789012:evil-shop-dev-tasks", "arn:aws:sns:x:1:other"):
        result = handler(record(topic, envelope("taskapp.double", 4)), None)
        assert "result" not in result, topic
    for junk in ("not json", "[]", {"no": "envelope"}, envelope("os.system", "id")):
        assert "error" in handler(record(ours, junk), None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    task=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )
)
def test_fuzzed_envelopes_never_crash_the_shim(project: Path, task: Any) -> None:
    import taskapp

    handler = make_handler(taskapp.app, project_root=str(project), log_requests=False)
    main = make_main(taskapp.app, project_root=str(project), log_requests=False)
    for result in (handler({"lw_task": task}, None), main({"lw_task": task})):
        assert isinstance(result, dict)


@pytest.mark.parametrize("message", [5, True, ["lw_task"], {"lw_task": {}}, "[" * 100_000, "{" * 50_000])
def test_a_task_topic_message_that_is_not_json_text_is_answered_not_raised(
    project: Path, monkeypatch: pytest.MonkeyPatch, message: Any
) -> None:
    import taskapp

    monkeypatch.setenv("LW_TASKS_BACKEND", "sns")
    monkeypatch.setenv("LW_TASKS_TOPIC", "shop-dev-tasks")
    handler = make_handler(taskapp.app, project_root=str(project), log_requests=False)
    topic = "arn:aws:sns:us-east-1:123456789012:shop-dev-tasks"
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"TopicArn": topic, "Message": message}}]}
    result = handler(event, None)
    assert isinstance(result, dict) and "error" in result
