"""The failures issue 3 measured in peer shims; lw must pass every one."""

from __future__ import annotations

import base64

import pytest

from lw.runtime.aws import make_handler

from .helpers import http_event, response_body, set_cookies


def cookie_app(environ, start_response):
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain"),
            ("Set-Cookie", "a=1; Path=/"),
            ("Set-Cookie", "b=2; Path=/"),
            ("Set-Cookie", "c=3; Path=/"),
        ],
    )
    return [b"ok"]


def echo_app(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    text = "|".join([environ["PATH_INFO"], environ["QUERY_STRING"], body.decode("latin-1")])
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode("latin-1")]


def png_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "image/png")])
    return [b"\x89PNG\r\n\x1a\n\x00\xff\xfe"]


def failing_app(environ, start_response):
    raise RuntimeError("boom with secret")


def test_alb_single_value_keeps_every_set_cookie():
    response = make_handler(cookie_app, log_requests=False)(http_event("alb"), None)
    assert sorted(set_cookies("alb", response)) == ["a=1; Path=/", "b=2; Path=/", "c=3; Path=/"]
    assert len({name for name in response["headers"] if name.lower() == "set-cookie"}) == 3


@pytest.mark.parametrize("shape", ["v1", "v2", "alb", "alb_multi", "function_url"])
def test_cookies_are_never_duplicated(shape):
    response = make_handler(cookie_app, log_requests=False)(http_event(shape), None)
    cookies = set_cookies(shape, response)
    assert len(cookies) == 3 and len(set(cookies)) == 3


def test_v2_cookies_use_the_cookies_list_not_case_permuted_headers():
    response = make_handler(cookie_app, log_requests=False)(http_event("v2"), None)
    assert response["cookies"] == ["a=1; Path=/", "b=2; Path=/", "c=3; Path=/"]
    assert [k for k in response["headers"] if k.lower() == "set-cookie"] == []


def test_v2_non_ascii_path_is_latin1_decoded_utf8():
    event = http_event("v2", path="/caf%C3%A9/\u00fc")
    body = response_body("v2", make_handler(echo_app, log_requests=False)(event, None))
    path = body.decode("latin-1").split("|")[0]
    assert path.encode("latin-1").decode("utf-8") == "/café/ü"


def test_v2_raw_utf8_query_string_does_not_raise():
    event = http_event("v2", path="/q")
    event["rawQueryString"] = "name=Jos\u00e9&x=\u2713"
    response = make_handler(echo_app, log_requests=False)(event, None)
    assert response["statusCode"] == 200
    query = response_body("v2", response).decode("latin-1").split("|")[1]
    assert query == "name=Jos%C3%A9&x=%E2%9C%93"


def test_v1_png_response_does_not_raise():
    response = make_handler(png_app, log_requests=False)(http_event("v1"), None)
    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == b"\x89PNG\r\n\x1a\n\x00\xff\xfe"


@pytest.mark.parametrize("shape", ["v1", "v2", "alb"])
def test_base64_body_without_content_length_reaches_app(shape):
    event = http_event(shape, method="POST", body=b"\x00\x01binary\xff")
    for key in ("headers", "multiValueHeaders"):
        for name in list(event.get(key) or {}):
            if name.lower() == "content-length":
                del event[key][name]
    response = make_handler(echo_app, log_requests=False)(event, None)
    assert response_body(shape, response).decode("latin-1").split("|")[2] == "\x00\x01binary\xff"


@pytest.mark.parametrize("shape", ["v1", "v2", "alb", "alb_multi", "function_url"])
def test_app_exception_does_not_escape(shape, capsys):
    response = make_handler(failing_app, log_requests=False)(http_event(shape), None)
    assert response["statusCode"] == 500
    assert "secret" not in response["body"]
    assert "boom with secret" in capsys.readouterr().err  # the traceback is in the log


@pytest.mark.parametrize("shape", ["v1", "v2", "alb_multi"])
def test_non_ascii_cookie_and_header_values_are_latin1_encoded_utf8(shape):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return [environ["HTTP_COOKIE"].encode("latin-1"), b"|", environ["HTTP_X_NAME"].encode("latin-1")]

    event = http_event(shape, headers={"X-Name": "Zoë"}, cookies=["name=Zoë"])
    body = response_body(shape, make_handler(app, log_requests=False)(event, None))
    assert body.decode("utf-8") == "name=Zoë|Zoë"
