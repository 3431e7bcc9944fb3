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


ALB_APP = """
import json

def app(environ, start_response):
    event = environ["lw.event"]
    if environ["PATH_INFO"] == "/cookies":
        start_response("201 Created", [("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
                                       ("X-Multi", "one"), ("X-Multi", "two")])
        return [b"made"]
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"query": environ["QUERY_STRING"], "body": len(body), "keys": sorted(event),
                        "elb": "elb" in event["requestContext"], "forwarded": environ.get("HTTP_X_FORWARDED_PROTO"),
                        "accept": environ.get("HTTP_ACCEPT")}).encode()]
"""


@pytest.mark.parametrize("multi", [True, False])
def test_alb_front_door_sends_target_group_events(tmp_path, deployment_of, multi: bool) -> None:
    """``local: {front_door: alb}``: the target group's request shape reaches the real
    runtime through awslambdaric, and its answer (statusDescription, multiValueHeaders
    or headers, isBase64Encoded) comes back over HTTP as the load balancer would send it."""
    project = tmp_path / "alb"
    project.mkdir()
    (project / "app.py").write_text(ALB_APP)
    (project / "lw.yml").write_text(
        "dev:\n  project_name: albdoor\n  app_function: app.app\n  apigateway: false\n"
        f"  alb:\n    listener_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/a/1/2\n"
        f"    multi_value_headers: {'true' if multi else 'false'}\n"
        "  local:\n    front_door: alb\n"
    )
    deployment = deployment_of(project)
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr

    echoed = http(deployment.url + "/x?tag=a&tag=b%20c", headers={"Accept": "text/html"}).json()
    assert echoed["elb"] is True and echoed["forwarded"] == "http" and echoed["accept"] == "text/html"
    if multi:
        assert echoed["query"] == "tag=a&tag=b%20c"
        assert "multiValueHeaders" in echoed["keys"] and "headers" not in echoed["keys"]
    else:  # one value per name: the last one, as the load balancer keeps it
        assert echoed["query"] == "tag=b%20c"
        assert "headers" in echoed["keys"] and "multiValueHeaders" not in echoed["keys"]
    assert {"body", "httpMethod", "isBase64Encoded", "path", "requestContext"} <= set(echoed["keys"])

    made = http(deployment.url + "/cookies")
    assert made.status == 201 and made.body == b"made"
    assert sorted(made.all("Set-Cookie")) == ["a=1", "b=2"]
    assert made.all("X-Multi") == (["one", "two"] if multi else ["one,two"])

    too_big = http(deployment.url + "/x", method="POST", body=b"x" * (1024 * 1024 + 1))
    assert too_big.status == 413
    assert http(deployment.url + "/x", method="POST", body=b"x" * 1024).json()["body"] == 1024
