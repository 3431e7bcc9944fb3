"""A real Flask app, packaged by the real engine (pip-installed manylinux wheels),
deployed to the fake controller and run from the uploaded zip with only that zip and
the standard library on the path."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import requests
from action_runner import ActionRunner
from click.testing import CliRunner
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk

from lw.cli import main

FLASK_APP = """\
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
"""

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

    # Every request goes over HTTP through the fake controller's web path.
    base = fake.web_url("flaskshop-dev", "app")
    hello = requests.get(f"{base}/hello", timeout=30)
    assert hello.json() == {"message": "hello", "url": f"{base}/hello"}
    assert hello.headers["Content-Type"] == "application/json"

    posted = requests.post(f"{base}/echo", json={"n": [1, 2]}, timeout=30)
    assert posted.json()["got"] == {"n": [1, 2]}
    form = requests.post(f"{base}/echo", data={"a": "1", "b": "x y"}, timeout=30)
    assert form.json()["form"] == {"a": "1", "b": "x y"}

    cookies = requests.get(f"{base}/cookies", timeout=30)
    assert [c.split(";")[0] for c in cookies.raw.headers.getlist("Set-Cookie")] == ["a=1", "b=2"]

    moved = requests.get(f"{base}/go", timeout=30, allow_redirects=False)
    assert moved.status_code == 302 and moved.headers["Location"] in (
        f"{base}/hello",
        "/api/v1/web/guest/flaskshop-dev/app/hello",
    )
