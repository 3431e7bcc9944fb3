"""examples/tasks-demo on the local provider, under the real Lambda runtime client: a
route starts a task and answers 202 at once, another reads the captured result, and a
fire-and-forget task's output shows in ``lw logs``."""

from __future__ import annotations

import json
import time

import pytest

from localrun import EXAMPLES, Deployment, copy_project


@pytest.fixture(scope="module")
def demo(tmp_path_factory, lw_env):
    project = copy_project(EXAMPLES / "tasks-demo", tmp_path_factory.mktemp("examples") / "tasks-demo")
    deployment = Deployment(project=project, env=lw_env)
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr
    yield deployment
    deployment.cleanup()


def _post(demo: Deployment, path: str, document: dict) -> object:
    return demo.get(path, method="POST", body=json.dumps(document).encode(), headers={"Content-Type": "application/json"})


def test_a_task_answers_202_at_once_and_its_result_is_read_back(demo: Deployment):
    started = _post(demo, "/digest", {"text": "lw", "rounds": 200000})
    assert started.status == 202, started.body
    task_id = started.json()["task"]
    assert started.json()["result"] == f"/digest/{task_id}"
    reply = demo.get(f"/digest/{task_id}?wait=20")
    assert reply.status == 200, reply.body
    document = reply.json()
    assert document["status"] == "complete"
    assert document["result"]["rounds"] == 200000 and len(document["result"]["sha256"]) == 64


def test_an_unknown_task_is_still_running_and_a_bad_id_is_refused(demo: Deployment):
    assert demo.get("/digest/0123456789abcdef").status == 202
    assert demo.get("/digest/not-an-id").status == 404


def test_a_fire_and_forget_task_logs_its_output(demo: Deployment):
    assert _post(demo, "/announce", {"message": "tasks work locally"}).status == 202
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        logs = demo.lw("logs")
        if "announcement: tasks work locally" in logs.stdout:
            break
        time.sleep(0.3)
    assert "announcement: tasks work locally" in logs.stdout
    assert "running work.announce" in logs.stdout


def test_status_shows_the_task_wiring(demo: Deployment):
    result = demo.lw("status")
    assert result.returncode == 0, result.stderr
    assert "tasks: local asynchronous invoke (two retries)" in result.stdout


def test_lw_invoke_task_runs_it_in_the_function(demo: Deployment):
    result = demo.lw("invoke", "--task", "work.digest", '{"text": "x", "rounds": 1}')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"]["rounds"] == 1


def test_lw_invoke_task_refuses_a_function_outside_the_project(demo: Deployment):
    result = demo.lw("invoke", "--task", "os.system", '["true"]')
    assert result.returncode == 1
    assert "not part of the app" in result.stdout + result.stderr
