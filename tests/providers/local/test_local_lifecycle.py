"""End to end: real deployments of tiny apps, driven through the ``lw`` subprocess."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from localrun import http, port_free, supervisor_pids

# A standard-library WSGI app: no requirements, so these tests spend no time in pip
# (the examples' tests cover Flask, Django and FastAPI).
APP = """
import json, os, time
from urllib.parse import parse_qs

MESSAGE = "{message}"

def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/slow":
        time.sleep(float(parse_qs(environ["QUERY_STRING"]).get("s", ["0.3"])[0]))
    if path not in ("/", "/slow"):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [MESSAGE.encode()]

def add(payload, context):
    print("adding for", context.function_name)
    return payload["a"] + payload["b"]

def tick(event, context):
    with open(os.path.join(os.environ["TICK_DIR"], event["id"] + ".json"), "w") as out:
        out.write(json.dumps(event))
    return {{"ok": True}}
"""

LW_YML = """
dev:
  project_name: {name}
  app_function: app.app
  timeout_seconds: {timeout}
{extra}
"""


def make_project(
    root: Path,
    name: str,
    *,
    source: str | None = None,
    message: str = "v1",
    timeout: int = 5,
    extra: str = "",
    requirements: str = "",
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(source if source is not None else APP.format(message=message))
    (root / "requirements.txt").write_text(requirements)
    (root / "lw.yml").write_text(LW_YML.format(name=name, timeout=timeout, extra=extra))
    return root


def test_deploy_serves_then_noop_then_undeploy_frees_everything(tmp_path, deployment_of):
    project = make_project(tmp_path / "basic", "basic")
    deployment = deployment_of(project)

    dry = deployment.lw("deploy", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "create" in dry.stdout + dry.stderr and not (project / ".lw" / "local").exists()

    first = deployment.deploy()
    assert first.returncode == 0, first.stderr
    assert http(deployment.url + "/").body == b"v1"
    state = deployment.state()
    assert state is not None and state["url"] == deployment.url

    again = deployment.deploy()
    assert again.returncode == 0, again.stderr
    assert "no changes" in again.stdout + again.stderr
    assert deployment.state()["pid"] == state["pid"]  # nothing restarted

    port = int(state["port"])
    gone = deployment.lw("undeploy")
    assert gone.returncode == 0, gone.stderr
    assert supervisor_pids(project) == []
    assert port_free(port)
    assert not (project / ".lw" / "local" / "basic-dev").exists()
    assert deployment.lw("undeploy").returncode == 0  # already gone: nothing to do


def test_app_that_fails_to_import_is_refused_at_deploy_with_its_traceback(tmp_path, deployment_of):
    source = "from flask import Flask\nraise RuntimeError('DATABASE_URL is not set')\napp = Flask(__name__)\n"
    project = make_project(tmp_path / "broken", "broken", source=source, requirements="flask>=3.0\n")
    deployment = deployment_of(project)

    result = deployment.deploy()

    assert result.returncode == 1
    assert "RuntimeError: DATABASE_URL is not set" in result.stderr
    assert "Traceback" in result.stderr and "app.py" in result.stderr
    assert supervisor_pids(project) == []


def test_dependency_missing_from_requirements_fails_like_lambda(tmp_path, deployment_of):
    # PyYAML is installed in the developer's venv (lw needs it) but not in the package.
    source = "import yaml\nfrom flask import Flask\napp = Flask(__name__)\n"
    project = make_project(tmp_path / "missing", "missing", source=source, requirements="flask>=3.0\n")
    deployment = deployment_of(project)

    result = deployment.deploy()

    assert result.returncode == 1
    assert "No module named 'yaml'" in result.stderr
    assert supervisor_pids(project) == []


def test_redeploy_under_load_drops_no_request(tmp_path, deployment_of):
    project = make_project(tmp_path / "load", "load")
    deployment = deployment_of(project)
    assert deployment.deploy().returncode == 0
    failures: list[str] = []
    seen: set[bytes] = set()
    stop = threading.Event()

    def hammer(path: str) -> None:
        while not stop.is_set():
            reply = http(deployment.url + path)
            if reply.status != 200:
                failures.append(f"{reply.status} {reply.body[:200]!r}")
            seen.add(reply.body)

    threads = [threading.Thread(target=hammer, args=(p,)) for p in ("/", "/slow?s=0.3", "/", "/slow?s=0.6")]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        (project / "app.py").write_text(APP.format(message="v2"))
        result = deployment.deploy()
        assert result.returncode == 0, result.stderr
        deadline = time.monotonic() + 20
        while b"v2" not in seen and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert {b"v1", b"v2"} <= seen
    assert http(deployment.url + "/").body == b"v2"


def test_schedule_fires_with_the_eventbridge_shape(tmp_path, deployment_of):
    ticks = tmp_path / "ticks"
    ticks.mkdir()
    extra = """  environment_variables:
    TICK_DIR: ${env:TICK_DIR}
  events:
  - function: app.tick
    name: every-minute
    expression: rate(1 minute)
"""
    project = make_project(tmp_path / "sched", "sched", extra=extra)
    # 120x: a minute passes in half a second (LW_LOCAL_CLOCK_SCALE exists for tests).
    deployment = deployment_of(project, TICK_DIR=str(ticks), LW_LOCAL_CLOCK_SCALE="120")
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr
    assert "every-minute" in deployment.lw("status").stdout

    deadline = time.monotonic() + 20
    while len(list(ticks.glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    fired = [json.loads(p.read_text()) for p in ticks.glob("*.json")]
    assert len(fired) >= 2
    event = fired[0]
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["lw_binding"] == "every-minute"
    assert event["resources"][0].endswith(":rule/sched-dev-every-minute")


def test_timeout_answers_504_and_the_worker_is_replaced(tmp_path, deployment_of):
    project = make_project(tmp_path / "slow", "slowapp", timeout=1)
    deployment = deployment_of(project)
    assert deployment.deploy().returncode == 0

    reply = http(deployment.url + "/slow?s=5")
    assert reply.status == 504
    assert http(deployment.url + "/").body == b"v1"  # a fresh worker took over
    logs = deployment.lw("logs")
    assert "Task timed out after 1.00 seconds" in logs.stdout


def test_status_logs_and_invoke_in_process(tmp_path, deployment_of, lw_env, monkeypatch):
    import lw.cli

    project = make_project(tmp_path / "inproc", "inproc")
    deployment = deployment_of(project)
    assert deployment.deploy().returncode == 0
    http(deployment.url + "/?hello=1")
    for key, value in lw_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(project)
    runner = CliRunner()

    status = runner.invoke(lw.cli.main, ["status", "--provider", "local"])
    assert status.exit_code == 0, status.output
    assert deployment.url in status.output and "2/2 ready" in status.output

    logs = runner.invoke(lw.cli.main, ["logs", "--provider", "local", "--http"])
    assert logs.exit_code == 0, logs.output
    assert '"GET /?hello=1 HTTP/1.1" 200' in logs.output
    assert "starting" not in logs.output  # --http keeps only request lines

    invoked = runner.invoke(lw.cli.main, ["invoke", "--provider", "local", "app.add", '{"a": 2, "b": 3}'])
    assert invoked.exit_code == 0, invoked.output
    assert '"result": 5' in invoked.output and "adding for inproc-dev" in invoked.output


WSGI_APP = """
def app(environ, start_response):
    import sys
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%d.%d" % sys.version_info[:2]).encode()]
"""


def test_runtime_differing_from_this_interpreter_is_announced(tmp_path, deployment_of):
    project = make_project(tmp_path / "py", "pyversion", source=WSGI_APP, extra="  runtime: python3.12\n")
    deployment = deployment_of(project)
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr
    running = "%d.%d" % sys.version_info[:2]
    assert f"runtime python3.12 but the local runtime runs Python {running}" in result.stderr
    assert http(deployment.url + "/").body == running.encode()


def test_admin_api_refuses_callers_without_the_state_token(tmp_path, deployment_of):
    project = make_project(tmp_path / "token", "token", source=WSGI_APP)
    deployment = deployment_of(project)
    assert deployment.deploy().returncode == 0
    state = deployment.state()
    admin = f"http://127.0.0.1:{state['admin_port']}"
    assert http(admin + "/health").status == 403
    assert http(admin + "/stop", method="POST", body=b"{}", headers={"X-Lw-Admin-Token": "guess"}).status == 403
    assert http(deployment.url + "/").status == 200  # still serving


def test_a_busy_port_is_reported_at_deploy(tmp_path, deployment_of):
    import socket

    project = make_project(tmp_path / "busy", "busy", source=WSGI_APP)
    deployment = deployment_of(project)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = deployment.deploy("--port", str(port))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert supervisor_pids(project) == []


SLOW_IMPORT_APP = """
import time
time.sleep(float(open("delay.txt").read()))

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"slow"]
"""


def test_ctrl_c_during_a_first_deploy_leaves_nothing_running(tmp_path, lw_env):
    """The supervisor runs in its own session, so Ctrl-C reaches only lw: lw must stop
    what it started, not leave a detached runtime answering 503 (issue 10, item 9)."""
    import os
    import signal
    import subprocess

    project = make_project(tmp_path / "sigint", "sigint", source=SLOW_IMPORT_APP)
    (project / "delay.txt").write_text("30")
    env = {**os.environ, **lw_env}
    env.pop("LW_PROVIDER", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "lw", "deploy", "--provider", "local"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(project.glob(".lw/local/*/state.json")) and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        time.sleep(0.5)  # the workers are importing the app
        assert supervisor_pids(project)
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    deadline = time.monotonic() + 10
    while supervisor_pids(project) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert supervisor_pids(project) == []
    assert not list(project.glob(".lw/local/*/state.json"))
