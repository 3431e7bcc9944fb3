"""A real Flask app, packaged by the real engine (pip-installed manylinux wheels),
deployed to the fake controller and run from the uploaded zip with only that zip and
the standard library on the path."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from action_runner import ActionRunner
from click.testing import CliRunner
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk

from lw.cli import main

FLASK_APP = '''\
from flask import Flask, jsonify, make_response, redirect, request, url_for

app = Flask(__name__)


@app.get("/hello")
def hello():
    return jsonify(message="hello", url=url_for("hello", _external=True))


@app.post("/echo")
def echo():
    return jsonify(got=request.get_json(silent=True), form=request.form.to_dict())


@app.get("/cookies")
def cookies():
    response = make_response("ok")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


@app.get("/go")
def go():
    return redirect(url_for("hello"))
'''

LW_YML = f"""\
dev:
  provider: openwhisk
  project_name: flaskshop
  app_function: app.app
  keep_warm: false
  memory_size: 256
  openwhisk:
    apihost: ${{env:OW_HOST}}
    auth: {GUEST_AUTH}
"""


@pytest.fixture(scope="session")
def wheel_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pip cache per test session: flask is downloaded once."""
    return tmp_path_factory.mktemp("lw-cache")


def test_flask_app_from_the_uploaded_zip(
    tmp_path: Path, fake: FakeOpenWhisk, runner: ActionRunner, wheel_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "flaskshop"
    project.mkdir()
    (project / "app.py").write_text(FLASK_APP)
    (project / "requirements.txt").write_text("flask\n")
    (project / "lw.yml").write_text(LW_YML)
    monkeypatch.chdir(project)
    monkeypatch.setenv("OW_HOST", fake.url)
    monkeypatch.setenv("LW_CACHE_DIR", str(wheel_cache))

    result = CliRunner().invoke(main, ["deploy"], catch_exceptions=False)
    assert result.exit_code == 0, result.output

    put = fake.last_put("/actions/flaskshop-dev/app")
    code = base64.b64decode(put.body["exec"]["code"])
    env = {p["key"]: str(p["value"]) for p in put.body["parameters"] if p.get("init")}
    container = runner.container_for(code, env, "/guest/flaskshop-dev/app")
    assert container.init_ok, container.init_error

    def call(method: str, path: str, body: str = "", headers: dict | None = None) -> dict:
        args = {"__ow_method": method, "__ow_path": path, "__ow_query": "", "__ow_body": body, "__ow_headers": {"host": "controller", **(headers or {})}}
        reply, logs = container.run(args)
        assert "statusCode" in reply, (reply, logs)
        return reply

    base = f"{fake.url}/api/v1/web/guest/flaskshop-dev/app"
    hello = call("get", "/hello")
    assert json.loads(base64.b64decode(hello["body"])) == {"message": "hello", "url": f"{base}/hello"}

    posted = call("post", "/echo", base64.b64encode(b'{"n": [1, 2]}').decode(), {"content-type": "application/json"})
    assert json.loads(base64.b64decode(posted["body"]))["got"] == {"n": [1, 2]}
    form = call("post", "/echo", "a=1&b=x+y", {"content-type": "application/x-www-form-urlencoded"})
    assert json.loads(base64.b64decode(form["body"]))["form"] == {"a": "1", "b": "x y"}

    cookies = call("get", "/cookies")
    set_cookie = next(v for k, v in cookies["headers"].items() if k.lower() == "set-cookie")
    assert [c.split(";")[0] for c in set_cookie] == ["a=1", "b=2"]

    moved = call("get", "/go")
    location = next(v for k, v in moved["headers"].items() if k.lower() == "location")
    assert moved["statusCode"] == 302 and location in (f"{base}/hello", "/api/v1/web/guest/flaskshop-dev/app/hello")
