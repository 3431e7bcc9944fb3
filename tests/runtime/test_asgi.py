"""ASGI detection, lifespan once per container, and the bridge's edge cases."""

from __future__ import annotations

import functools

import pytest

from lw.runtime.asgi import AsgiBridge
from lw.runtime.shim import is_asgi
from lw.runtime.aws import make_handler

from .helpers import http_event, response_json


async def asgi_function(scope, receive, send):
    await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"part1-", "more_body": True})
    await send({"type": "http.response.body", "body": b"part2"})


class AsgiClass:
    async def __call__(self, scope, receive, send):
        await asgi_function(scope, receive, send)


class WsgiClass:
    def __call__(self, environ, start_response):
        start_response("200 OK", [])
        return [b""]


def wsgi_function(environ, start_response):
    return []


async def two_args(scope, receive):
    pass


def test_detection():
    assert is_asgi(asgi_function)
    assert is_asgi(AsgiClass())
    assert is_asgi(AsgiClass().__call__)
    assert not is_asgi(wsgi_function)
    assert not is_asgi(WsgiClass())
    assert not is_asgi(two_args)
    assert not is_asgi(functools.partial(wsgi_function))


def test_streamed_body_is_joined():
    response = make_handler(AsgiClass(), log_requests=False)(http_event("v2"), None)
    assert response["statusCode"] == 201
    assert response["body"] == "part1-part2"


def test_fastapi_lifespan_runs_once_per_container_and_state_reaches_requests(aws_handler):
    import rt_fastapi_app

    handler = aws_handler("fastapi")
    for _ in range(3):
        echo = response_json("v1", handler(http_event("v1", path="/echo/s"), None))
        assert echo["state"] == "hi from lifespan"
    assert rt_fastapi_app.LIFESPAN_CALLS["startup"] == 1


def test_failed_lifespan_startup_answers_500(capsys):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.failed", "message": "database unreachable"})
            return
        raise AssertionError("must not serve")

    handler = make_handler(app, log_requests=False)
    assert "lifespan startup failed" in capsys.readouterr().err
    assert handler(http_event("v1"), None)["statusCode"] == 500
    assert "database unreachable" in capsys.readouterr().err


def test_app_without_lifespan_support():
    async def app(scope, receive, send):
        if scope["type"] != "http":
            raise ValueError("only http")
        await asgi_function(scope, receive, send)

    assert make_handler(app, log_requests=False)(http_event("alb"), None)["statusCode"] == 201


@pytest.mark.parametrize("messages", [[], [{"type": "http.response.body", "body": b"x"}]])
def test_protocol_violations_are_500s(messages):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            return
        for message in messages:
            await send(message)

    assert make_handler(app, log_requests=False)(http_event("v2"), None)["statusCode"] == 500


def test_request_body_and_disconnect():
    seen = []

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            return
        seen.append(await receive())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        seen.append(await receive())

    make_handler(app, log_requests=False)(http_event("v1", method="POST", body="data"), None)
    assert seen == [{"type": "http.request", "body": b"data", "more_body": False}, {"type": "http.disconnect"}]


def test_close_sends_shutdown():
    import rt_fastapi_app

    before = rt_fastapi_app.LIFESPAN_CALLS["shutdown"]
    bridge = AsgiBridge(rt_fastapi_app.app)
    bridge.startup()
    bridge.close()
    assert rt_fastapi_app.LIFESPAN_CALLS["shutdown"] == before + 1
