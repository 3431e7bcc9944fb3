"""The small pieces every adapter relies on."""

from __future__ import annotations

import pytest

from lw.runtime.aws_http import cookie_header_names
from lw.runtime.logs import access_line, clf_time
from lw.runtime.wsgi import BodyPolicy, ascii_query, call_app, path_info, quote, unquote_bytes


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("/plain", "/plain"),
        ("/a%20b", "/a b"),
        ("/caf%C3%A9", "/caf\u00c3\u00a9"),
        ("/café", "/caf\u00c3\u00a9"),
        ("/bad%zz%", "/bad%zz%"),
        ("/%2F", "//"),
    ],
)
def test_path_info(raw, expected):
    assert path_info(raw) == expected


def test_unquote_bytes_keeps_invalid_escapes():
    assert unquote_bytes(b"%41%4g%") == b"A%4g%"


def test_quote_and_ascii_query():
    assert quote("abc") == "abc"
    assert quote("a b&c=é") == "a%20b%26c%3D%C3%A9"
    assert ascii_query("a=é&b=1") == "a=%C3%A9&b=1"


def test_cookie_header_names_are_distinct_case_variants():
    names = cookie_header_names(40)
    assert len(set(names)) == 40
    assert {n.lower() for n in names} == {"set-cookie"}


def test_body_policy():
    policy = BodyPolicy(["application/vnd.custom"])
    assert policy.encode([("Content-Type", "text/html")], b"<p>") == ("<p>", False)
    assert policy.encode([("Content-Type", "application/vnd.custom")], b"x") == ("x", False)
    assert policy.encode([("Content-Type", "application/problem+json")], b"{}") == ("{}", False)
    assert policy.encode([("Content-Type", "image/png")], b"x") == ("eA==", True)
    assert policy.encode([("Content-Type", "text/html"), ("Content-Encoding", "br")], b"x") == ("eA==", True)
    assert policy.encode([("Content-Type", "text/plain")], b"\xff") == ("/w==", True)
    assert policy.encode([], b"") == ("", False)
    assert BodyPolicy(binary_support=False).encode([("Content-Type", "image/png")], b"x") == ("x", False)


def test_call_app_write_callable_and_close():
    closed = []

    class Body:
        def __iter__(self):
            yield b"b"
            yield b""
            yield b"c"

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        write = start_response("404 Not Found", [("X", "1")])
        write(b"a")
        return Body()

    response = call_app(app, {})
    assert (response.status, response.body, closed) == (404, b"abc", [True])


def test_call_app_exc_info_reraises_after_start():
    def app(environ, start_response):
        start_response("200 OK", [])
        try:
            raise KeyError("late")
        except KeyError:
            import sys

            start_response("500 Error", [], sys.exc_info())
        return []

    with pytest.raises(KeyError):
        call_app(app, {})


def test_access_line_is_common_log_format():
    environ = {
        "REMOTE_ADDR": "1.2.3.4",
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "/prod",
        "PATH_INFO": "/caf\u00c3\u00a9",
        "QUERY_STRING": "a=1",
        "HTTP_USER_AGENT": 'say "hi"',
    }
    line = access_line(environ, 200, 5, 0.0)
    assert line.startswith("1.2.3.4 - - [")
    assert '"GET /prod/café?a=1 HTTP/1.1" 200 5 "-" "say \\"hi\\""' in line
    assert clf_time(0) == "01/Jan/1970:00:00:00 +0000"


def test_request_log_on_stdout_by_default(capsys):
    from lw.runtime.aws import make_handler

    from .helpers import http_event

    def app(environ, start_response):
        start_response("204 No Content", [])
        return []

    make_handler(app)(http_event("v1", path="/x"), None)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and '"GET /prod/x HTTP/1.1" 204 -' in out[0]
    make_handler(app, log_requests=False)(http_event("v1", path="/x"), None)
    assert capsys.readouterr().out == ""


def test_unknown_option_is_a_type_error():
    from lw.runtime.aws import make_handler

    with pytest.raises(TypeError, match="binary_supprot"):
        make_handler(lambda e, s: [], binary_supprot=False)


def test_underscore_headers_are_dropped_not_merged():
    from lw.runtime.aws import make_handler

    from .helpers import http_event, response_body

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ.get("HTTP_X_FORWARDED_FOR", "").encode(), b"|", environ["REMOTE_ADDR"].encode()]

    event = http_event("alb", path="/x")
    event["headers"]["x_forwarded_for"] = "6.6.6.6"
    assert response_body("alb", make_handler(app, log_requests=False)(event, None)) == b"72.12.164.125|72.12.164.125"
    event = http_event("v1", path="/x")
    event["multiValueHeaders"]["X_Forwarded_For"] = ["6.6.6.6"]
    assert b"6.6.6.6" not in response_body("v1", make_handler(app, log_requests=False)(event, None))

    def keys(environ, start_response):
        start_response("200 OK", [])
        return [b"" if "" in environ else b"clean"]

    assert response_body("v1", make_handler(keys, log_requests=False)(event, None)) == b"clean"


def test_log_level_filters_lw_messages(capsys):
    from lw.runtime import logs
    from lw.runtime.aws import make_handler

    try:
        handler = make_handler(lambda e, s: [], log_level="ERROR", log_requests=False)
        handler({"httpMethod": 5, "path": "/", "requestContext": {}}, None)  # malformed: a WARNING
        assert capsys.readouterr().err == ""
        logs.set_level("DEBUG")
        handler({"httpMethod": 5, "path": "/", "requestContext": {}}, None)
        assert "[lw] WARNING malformed apigateway-v1 event" in capsys.readouterr().err
    finally:
        logs.set_level("INFO")


def test_asgi_can_be_forced_for_wrapped_apps():
    import functools

    from lw.runtime.aws import make_handler

    from .helpers import http_event

    async def app(scope, receive, send, greeting="hi"):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": greeting.encode()})

    wrapped = functools.partial(app, greeting="forced")
    response = make_handler(wrapped, asgi=True, log_requests=False)(http_event("v2"), None)
    assert response["body"] == "forced"


def test_access_line_escapes_control_characters_so_lines_cannot_be_forged():
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": '/a\n1.2.3.4 - admin [x] "GET /admin HTTP/1.1" 200 1',
        "REMOTE_ADDR": "9.9.9.9",
        "HTTP_USER_AGENT": "ua\r\n",
    }
    line = access_line(environ, 200, 5, 0.0)
    assert "\n" not in line and "\r" not in line
    assert "\\x0a1.2.3.4" in line and '\\"GET /admin' in line


def test_the_environ_template_copies_with_room_for_a_request() -> None:
    """A request's keys fit in the copy's table: it never grows (rehashes) per request."""
    import sys

    from lw.runtime.wsgi import BASE_ENVIRON

    environ = BASE_ENVIRON.copy()
    size = sys.getsizeof(environ)
    for index in range(20):
        environ[f"HTTP_X_{index}"] = "v"
    assert sys.getsizeof(environ) == size
    assert not any(key.startswith("lw.placeholder") for key in BASE_ENVIRON)
