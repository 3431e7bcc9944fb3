"""What running the peers' test suites (apig-wsgi, serverless-wsgi, Mangum, Zappa) against
lw found, and the security issue's shim items: each test failed before its fix."""

from __future__ import annotations

import io
import sys

import pytest

from lw.runtime.asgi import AsgiBridge
from lw.runtime.aws import make_handler
from lw.runtime.openwhisk import make_main

from .conftest import FRAMEWORKS, load_event
from .helpers import SHAPES, http_event, response_body, response_json


def environ_app(environ, start_response):
    """Answers with the parts of the environ the tests look at."""
    import json

    body = environ["wsgi.input"].read()
    keys = (
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "HTTP_COOKIE",
        "CONTENT_LENGTH",
        "HTTP_X_USER",
        "HTTP_TRANSFER_ENCODING",
        "REQUEST_METHOD",
    )
    doc = {key: environ.get(key) for key in keys}
    doc["body"] = body.decode("latin-1")
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(doc).encode()]


def seen(shape, event, **options):
    response = make_handler(environ_app, log_requests=False, **options)(event, None)
    assert response["statusCode"] == 200, response
    return response_json(shape, response)


# ---------------------------------------------------------------- bug 1: every partition


@pytest.mark.parametrize(
    "host",
    [
        "abc123.execute-api.cn-north-1.amazonaws.com.cn",
        "abc123.execute-api.us-gov-west-1.amazonaws.com",
        "abc123.execute-api.us-east-1.amazonaws.com",
        "abc123-vpce-0123.execute-api.eu-west-1.amazonaws.com",
    ],
)
def test_rest_stage_is_script_name_on_every_partitions_execute_api_host(host):
    event = http_event("v1", path="/items", headers={"Host": host})
    event["requestContext"]["stage"] = "dev"
    assert seen("v1", event)["SCRIPT_NAME"] == "/dev"


def test_china_region_urls_keep_the_stage_in_a_real_flask_app(aws_handler):
    event = http_event("v1", path="/url", headers={"Host": "abc123.execute-api.cn-north-1.amazonaws.com.cn"})
    event["requestContext"]["stage"] = "dev"
    body = response_body("v1", aws_handler("flask")(event, None)).decode()
    assert body == "https://abc123.execute-api.cn-north-1.amazonaws.com.cn/dev/echo/x"


def test_no_stage_on_a_custom_domain_that_merely_ends_like_aws():
    event = http_event("v1", path="/items", headers={"Host": "api.example.com"})
    event["requestContext"]["stage"] = "dev"
    assert seen("v1", event)["SCRIPT_NAME"] == ""


# ---------------------------------------------------------------- bug 2: response kept


def test_fastapi_exception_handler_response_survives_the_reraise(capsys):
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.exception_handler(Exception)
    async def on_error(request, exc):
        return JSONResponse({"error": "handled", "kind": type(exc).__name__}, status_code=500)

    @app.get("/fail")
    async def fail():
        raise ValueError("boom")

    reported = []
    handler = make_handler(app, log_requests=False, exception_handler=lambda exc, e, c: reported.append(exc))
    response = handler(http_event("v2", path="/fail"), None)
    assert response["statusCode"] == 500
    assert response_json("v2", response) == {"error": "handled", "kind": "ValueError"}
    assert response["headers"]["content-type"] == "application/json"
    assert [type(exc) for exc in reported] == [ValueError]
    assert "the response stands" in capsys.readouterr().err


def test_asgi_app_raising_before_finishing_its_body_is_a_500():
    async def app(scope, receive, send):
        if scope["type"] != "http":
            raise RuntimeError("no lifespan")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"half", "more_body": True})
        raise RuntimeError("died mid-body")

    response = make_handler(app, log_requests=False)(http_event("v2"), None)
    assert response["statusCode"] == 500
    assert response["body"] == "Internal Server Error"


# ---------------------------------------------------------------- bug 3: ASGI spec


def _without_hanging(fn, timeout=5.0):
    """Run ``fn`` where a hang fails the test instead of blocking the suite (a timer
    signal interrupts the event loop's wait; no thread is left behind)."""
    import signal

    class Hung(BaseException):  # not an Exception: nothing under test may swallow it
        pass

    def on_timeout(signum, frame):
        raise Hung()

    previous = signal.signal(signal.SIGALRM, on_timeout)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_wrong_answer_to_lifespan_startup_never_hangs_and_every_request_gets_500(capsys):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await receive()
            try:
                await send({"type": "lifespan.shutdown.complete"})  # wrong answer
            except RuntimeError:
                pass
            await receive()  # waits for a shutdown that would never come
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    handler = _without_hanging(lambda: make_handler(app, log_requests=False))
    err = capsys.readouterr().err
    assert err.count("lifespan startup failed") == 1, err
    assert "lifespan.shutdown.complete" in err
    for _ in range(2):
        assert handler(http_event("v2"), None)["statusCode"] == 500


def test_app_that_waits_without_answering_startup_does_not_hang():
    async def app(scope, receive, send):
        await receive()
        await receive()

    handler = _without_hanging(lambda: make_handler(app, log_requests=False))
    assert handler(http_event("v2"), None)["statusCode"] == 500


def test_lifespan_startup_failed_is_reported_once(capsys):
    async def app(scope, receive, send):
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "database unreachable"})

    handler = make_handler(app, log_requests=False)
    err = capsys.readouterr().err
    assert err.count("database unreachable") == 1
    assert "Traceback" not in err
    assert handler(http_event("v2"), None)["statusCode"] == 500


async def _http_only(scope, receive, send):
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def test_lifespan_modes(capsys):
    assert make_handler(_http_only, log_requests=False)(http_event("v2"), None)["statusCode"] == 200
    assert make_handler(_http_only, log_requests=False, lifespan="off")(http_event("v2"), None)["statusCode"] == 200
    strict = make_handler(_http_only, log_requests=False, lifespan="on")
    assert "does not support lifespan" in capsys.readouterr().err
    assert strict(http_event("v2"), None)["statusCode"] == 500
    with pytest.raises(ValueError, match="lifespan must be one of"):
        make_handler(_http_only, lifespan="sometimes")


def test_lifespan_off_never_sends_lifespan_events():
    scopes = []

    async def app(scope, receive, send):
        scopes.append(scope["type"])
        await _http_only(scope, receive, send)

    make_handler(app, log_requests=False, lifespan="off")(http_event("v2"), None)
    assert scopes == ["http"]


async def _messages_app(messages):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            raise RuntimeError("no lifespan")
        for message in messages:
            await send(message)

    return app


START = {"type": "http.response.start", "status": 200, "headers": []}
BODY = {"type": "http.response.body", "body": b"ok"}


@pytest.mark.parametrize(
    "messages",
    [
        [START, START, BODY],  # start twice
        [BODY],  # body before start
        [START, {"type": "http.response.trailers"}, BODY],  # an extension lw did not offer
        [{"type": "http.response.start", "status": "200"}, BODY],
        [{"type": "http.response.start", "status": 200, "headers": [("a", "b")]}, BODY],
        [START, {"type": "http.response.body", "body": "text"}],
        [],  # no response at all
    ],
)
def test_invalid_asgi_message_sequences_are_500(messages):
    import asyncio

    app = asyncio.run(_messages_app(messages))
    response = make_handler(app, log_requests=False, lifespan="off")(http_event("v2"), None)
    assert response["statusCode"] == 500


def test_send_raises_on_a_message_after_the_response_completed():
    raised = []

    async def app(scope, receive, send):
        await send(START)
        await send(BODY)
        try:
            await send(BODY)
        except RuntimeError as exc:
            raised.append(exc)

    bridge = AsgiBridge(app, lifespan="off")
    response = make_handler(bridge, log_requests=False, asgi=False)(http_event("v2"), None)
    assert response["statusCode"] == 200 and response_body("v2", response) == b"ok"
    assert len(raised) == 1


# ---------------------------------------------------------------- hardening 4-9


def test_alb_mixing_multi_value_headers_with_single_value_query():
    event = http_event("alb_multi", path="/q")
    event.pop("multiValueQueryStringParameters")
    event["queryStringParameters"] = {"a": "1", "b": "x%20y"}
    assert seen("alb_multi", event)["QUERY_STRING"] == "a=1&b=x%20y"


def test_alb_mixing_single_value_headers_with_multi_value_query():
    event = http_event("alb", path="/q")
    event.pop("queryStringParameters")
    event["multiValueQueryStringParameters"] = {"a": ["1", "2"]}
    assert seen("alb", event)["QUERY_STRING"] == "a=1&a=2"


def test_v2_cookies_list_and_cookie_header_are_merged():
    event = http_event("v2", cookies=["a=1", "b=2"])
    event["headers"]["cookie"] = "c=3"
    cookies = seen("v2", event)["HTTP_COOKIE"].split("; ")
    assert sorted(cookies) == ["a=1", "b=2", "c=3"]


def test_version_1_0_wins_over_a_context_with_http():
    event = http_event("v1", path="/items")
    event["version"] = "1.0"
    event["requestContext"]["http"] = {"sourceIp": "198.51.100.7"}
    assert seen("v1", event)["PATH_INFO"] == "/items"


@pytest.mark.parametrize("shape", ["v1", "alb_multi"])
def test_plain_string_in_multi_value_query_is_one_value(shape):
    event = http_event(shape, path="/q")
    event["multiValueQueryStringParameters"] = {"name": "me"}
    assert seen(shape, event)["QUERY_STRING"] == "name=me"


def test_plain_string_in_multi_value_headers_is_one_value():
    event = http_event("v1", path="/q")
    event["multiValueHeaders"]["X-User"] = "bob"
    assert seen("v1", event)["HTTP_X_USER"] == "bob"


def test_wsgi_errors_follows_a_later_replacement_of_stderr(monkeypatch):
    def app(environ, start_response):
        environ["wsgi.errors"].write("app error output\n")
        start_response("200 OK", [])
        return [b""]

    handler = make_handler(app, log_requests=False)
    for shape in SHAPES:
        captured = io.StringIO()
        monkeypatch.setattr(sys, "stderr", captured)
        handler(http_event(shape), None)
        assert captured.getvalue() == "app error output\n", shape


@pytest.mark.parametrize(
    "path, host",
    [
        ("/dev/url", "abc123.execute-api.us-east-1.amazonaws.com"),  # stage kept in path
        ("/url", "abc123.execute-api.us-east-1.amazonaws.com"),  # stage not in path
    ],
)
def test_http_api_payload_1_0_named_stage_is_never_doubled(path, host, aws_handler):
    event = http_event("v1", path=path, headers={"Host": host})
    event["version"] = "1.0"
    event["requestContext"]["stage"] = "dev"
    body = response_body("v1", aws_handler("flask")(event, None)).decode()
    assert body == f"https://{host}/dev/echo/x"


def test_http_api_payload_1_0_named_stage_in_path_on_custom_domain():
    event = http_event("v1", path="/dev/items", headers={"Host": "api.example.com"})
    event["version"] = "1.0"
    event["requestContext"]["stage"] = "dev"
    doc = seen("v1", event)
    assert (doc["SCRIPT_NAME"], doc["PATH_INFO"]) == ("/dev", "/items")


# ---------------------------------------------------------------- security issue: item 5


def test_the_reported_event_gets_a_400_and_one_log_line(capsys):
    event = {
        "version": "2.0",
        "rawPath": "/",
        "headers": {"x-a": "é", "user-agent": None},
        "requestContext": {"http": {"method": "GET", "sourceIp": "1.2.3.4"}},
    }
    response = make_handler(environ_app)(event, None)  # access log on, as deployed
    assert response["statusCode"] == 400
    out = capsys.readouterr()
    assert out.out == ""
    assert len(out.err.splitlines()) == 1 and "answering 400" in out.err


@pytest.mark.parametrize("shape", ["v1", "alb", "alb_multi", "v2"])
@pytest.mark.parametrize("bad", [None, 3, ["a"], {"x": 1}])
def test_non_string_header_values_are_a_400_wherever_they_sit(shape, bad, capsys):
    event = http_event(shape)
    if shape in ("v1", "alb_multi"):
        event["multiValueHeaders"]["x-b"] = ["é"]
        event["multiValueHeaders"]["x-c"] = [bad]
        if shape == "v1":
            event.pop("multiValueHeaders")
            event["headers"]["x-c"] = bad
    else:
        event["headers"]["x-b"] = "é"
        event["headers"]["x-c"] = bad
    response = make_handler(environ_app)(event, None)
    assert response["statusCode"] == 400
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_malformed_event_log_line_stays_one_line(capsys):
    event = http_event("v2")
    event["requestContext"]["http"]["method"] = "GET\nforged line"
    event["headers"]["x-c"] = None
    make_handler(environ_app)(event, None)
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_an_access_log_that_cannot_be_written_does_not_cost_the_response(monkeypatch, capsys):
    class Closed(io.StringIO):
        def write(self, text):
            raise ValueError("I/O operation on closed file")

    handler = make_handler(environ_app)
    monkeypatch.setattr(sys, "stdout", Closed())
    assert handler(http_event("v2"), None)["statusCode"] == 200
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    assert "could not write the access-log line" in capsys.readouterr().err


# ---------------------------------------------------------------- security issue: item 8


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("shape", SHAPES)
def test_chunked_request_body_reaches_every_framework(framework, shape, aws_handler):
    event = http_event(
        shape,
        method="POST",
        path="/echo/chunked",
        body="chunked payload ✓",
        headers={"Content-Type": "text/plain; charset=utf-8", "Transfer-Encoding": "chunked"},
    )
    echo = response_json(shape, aws_handler(framework)(event, None))
    assert echo["body"] == "chunked payload ✓"
    assert echo["content_length"] == len("chunked payload ✓".encode())
    assert "transfer-encoding" not in echo["headers"]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_chunked_request_body_reaches_every_framework_on_openwhisk(framework, ow_main):
    args = load_event("openwhisk/web-raw-args-post-json")
    args["__ow_path"] = "/echo/chunked"
    args["__ow_headers"]["transfer-encoding"] = "chunked"
    args["__ow_headers"].pop("content-length", None)
    result = ow_main(framework)(args)
    assert result["statusCode"] == 200, result
    import base64
    import json

    body = result["body"]
    echo = json.loads(base64.b64decode(body) if not body.lstrip().startswith("{") else body)
    assert echo["body"] and "transfer-encoding" not in echo["headers"]


def test_a_claimed_content_length_without_a_body_becomes_zero():
    event = http_event("v2", method="POST", headers={"Content-Length": "100"})
    assert seen("v2", event)["CONTENT_LENGTH"] == "0"


# ---------------------------------------------------------------- security issue: item 11


@pytest.mark.parametrize("shape", SHAPES)
def test_mapped_context_header_never_comes_from_the_client(shape):
    event = http_event(shape, headers={"X-User": "admin"})
    if "multiValueHeaders" in event:
        event["multiValueHeaders"]["X-User"] = ["admin"]
    assert seen(shape, event, context_header_mappings={"x-user": "authorizer.claims.sub"})["HTTP_X_USER"] is None


def test_openwhisk_main_survives_the_same_malformed_headers():
    main = make_main(environ_app)
    args = {"__ow_method": "get", "__ow_path": "/", "__ow_headers": {"x-a": "é", "user-agent": None}}
    assert main(args)["statusCode"] in (200, 400)


# ---------------------------------------------------------------- lifespan as an lw.yml setting


@pytest.mark.parametrize("value, shipped", [(None, None), ("auto", None), ("on", "on"), ("off", "off")])
def test_lifespan_setting_reaches_the_deployed_runtime(value, shipped):
    from pathlib import Path

    from lw.core.entry import runtime_settings
    from lw.core.model import AppModel
    from lw.runtime.shim import merge_options

    app = AppModel(
        project_name="shop",
        stage="dev",
        provider="aws",
        project_dir=Path("/nonexistent"),
        config_file=Path("/nonexistent/lw.yml"),
        app_function="app.app",
        settings={} if value is None else {"lifespan": value},
    )
    settings = runtime_settings(app)
    assert settings.get("lifespan") == shipped  # "auto" is the default: packages keep their bytes
    assert merge_options(settings).get("lifespan") == shipped


def test_a_forwarded_address_cannot_split_the_access_line(capsys):
    """Found by the nightly fuzz: ALB's REMOTE_ADDR comes from X-Forwarded-For."""
    event = http_event("alb", headers={"X-Forwarded-For": "\u01450\n\u2028forged"})
    response = make_handler(environ_app)(event, None)
    assert response["statusCode"] == 200
    assert len(capsys.readouterr().out.splitlines()) == 1
