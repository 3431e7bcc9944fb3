"""The same app behind each front door the stage can choose: REST API, HTTP API and
Function URL events, through the real runtime shim and awslambdaric."""

from __future__ import annotations

import json

import pytest

from localrun import http

APP = """
import json

def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/binary":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [bytes(range(256))]
    if path == "/cookies":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Set-Cookie", "a=1; Path=/"),
                                  ("Set-Cookie", "b=2; Path=/")])
        return [environ.get("HTTP_COOKIE", "").encode()]
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"method": environ["REQUEST_METHOD"], "path": path, "query": environ["QUERY_STRING"],
                        "body": body.decode("latin-1"), "event_version": environ["lw.event"].get("version", "1.0")}
                       ).encode()]
"""


@pytest.mark.parametrize(
    ("settings", "version"),
    [
        ("apigateway: rest", "1.0"),
        ("apigateway: http", "2.0"),
        ("apigateway: false\n  function_url: true", "2.0"),
    ],
)
def test_front_door(tmp_path, deployment_of, settings: str, version: str) -> None:
    project = tmp_path / "doors"
    project.mkdir()
    (project / "app.py").write_text(APP)
    (project / "lw.yml").write_text(f"dev:\n  project_name: doors\n  app_function: app.app\n  {settings}\n")
    deployment = deployment_of(project)
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr

    echoed = http(
        deployment.url + "/some/path?x=1&y=two",
        method="POST",
        body=b'{"k": "v"}',
        headers={"Content-Type": "application/json"},
    ).json()
    assert echoed == {
        "method": "POST",
        "path": "/some/path",
        "query": "x=1&y=two",
        "body": '{"k": "v"}',
        "event_version": version,
    }

    cookies = http(deployment.url + "/cookies", headers={"Cookie": "c=3; d=4"})
    assert sorted(cookies.all("Set-Cookie")) == ["a=1; Path=/", "b=2; Path=/"]
    assert cookies.body == b"c=3; d=4"

    binary = http(deployment.url + "/binary")
    assert binary.body == bytes(range(256))
    assert json.loads(deployment.lw("status", "--json").stdout)["deployed"] is True
