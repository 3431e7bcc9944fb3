"""examples/flask-hello, the README quickstart, deployed locally and driven over HTTP."""

from __future__ import annotations

import pytest

from localrun import EXAMPLES, Deployment, copy_project, port_free, supervisor_pids

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def hello(tmp_path_factory, lw_env):
    project = copy_project(EXAMPLES / "flask-hello", tmp_path_factory.mktemp("examples") / "flask-hello")
    deployment = Deployment(project=project, env=lw_env)
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr
    yield deployment
    deployment.cleanup()


def test_json(hello: Deployment):
    reply = hello.get("/?name=lw")
    assert reply.status == 200
    assert reply.json() == {"message": "Hello, lw!", "visits": 0}


def test_cookies_are_all_sent_and_read_back(hello: Deployment):
    reply = hello.get("/cookies", headers={"Cookie": "visits=41"})
    cookies = reply.all("Set-Cookie")
    assert reply.json() == {"visits": 42}
    assert any(c.startswith("visits=42") for c in cookies)
    assert any(c.startswith("flavour=oatmeal") and "HttpOnly" in c for c in cookies)


@pytest.mark.parametrize("cookie", ["visits=abc", "visits=-1", "visits=" + "9" * 5000, "visits=\u00e9"])
def test_a_junk_cookie_is_not_a_crash(hello: Deployment, cookie: str):
    for path in ("/", "/cookies"):
        reply = hello.get(path, headers={"Cookie": cookie.encode("utf-8").decode("latin-1")})
        assert reply.status == 200, (path, cookie, reply.body[:200])


def test_binary_png_survives_the_trip(hello: Deployment):
    reply = hello.get("/logo.png")
    assert reply.status == 200
    assert reply.header("Content-Type") == "image/png"
    assert reply.body.startswith(PNG_SIGNATURE)


def test_json_body_is_echoed(hello: Deployment):
    payload = b'{"numbers": [1, 2, 3], "text": "caf\\u00e9"}'
    reply = hello.get("/echo", method="POST", body=payload, headers={"Content-Type": "application/json"})
    assert reply.status == 200
    assert reply.json()["received"] == {"numbers": [1, 2, 3], "text": "café"}


def test_unknown_path_is_a_404(hello: Deployment):
    assert hello.get("/no/such/page").status == 404


def test_logs_show_one_request_line_per_request(hello: Deployment):
    hello.get("/?name=logged")
    result = hello.lw("logs", "--http")
    assert result.returncode == 0, result.stderr
    assert '"GET /?name=logged HTTP/1.1" 200' in result.stdout


def test_undeploy_leaves_nothing_running(hello: Deployment):
    port = int(hello.state()["port"])
    result = hello.lw("undeploy")
    assert result.returncode == 0, result.stderr
    assert supervisor_pids(hello.project) == []
    assert port_free(port)
