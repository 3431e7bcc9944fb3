"""Every AWS HTTP event shape through real Flask, Django and FastAPI apps."""

from __future__ import annotations

import gzip

import pytest

from .conftest import FRAMEWORKS
from .helpers import SHAPES, header, http_event, response_body, response_json, set_cookies

from rt_common import COOKIES, GZIPPED, GZIPPED_TEXT, PNG

pytestmark = pytest.mark.parametrize("framework", FRAMEWORKS)


@pytest.mark.parametrize("shape", SHAPES)
def test_plain_text_response(framework, shape, aws_handler, context):
    response = aws_handler(framework)(http_event(shape, path="/hello"), context)
    assert response["statusCode"] == 200
    assert response_body(shape, response) == b"hello"
    assert response["isBase64Encoded"] is False
    assert header(response, "content-type").startswith("text/plain")
    if shape.startswith("alb"):
        assert response["statusDescription"] == "200 OK"


@pytest.mark.parametrize("shape", SHAPES)
def test_request_reaches_app_intact(framework, shape, aws_handler, context):
    event = http_event(
        shape,
        method="POST",
        path="/echo/a b/é",
        query=[("q", "1"), ("q", "two words"), ("emoji", "✓"), ("amp", "a&b=c")],
        headers={"Content-Type": "text/plain; charset=utf-8", "X-Custom": "yes"},
        body="payload ✓",
        cookies=["c1=one", "c2=two"],
    )
    response = aws_handler(framework)(event, context)
    assert response["statusCode"] == 200, response
    echo = response_json(shape, response)
    assert echo["method"] == "POST"
    assert echo["rest"] == "a b/é"
    # An ALB target group without multi-value mode keeps only the last value of a key.
    expected_q = ["two words"] if shape == "alb" else ["1", "two words"]
    assert echo["args"] == {"q": expected_q, "emoji": ["✓"], "amp": ["a&b=c"]}
    assert echo["body"] == "payload ✓"
    assert echo["content_length"] == len("payload ✓".encode())
    assert echo["cookies"] == {"c1": "one", "c2": "two"}
    assert echo["headers"]["x-custom"] == "yes"
    assert echo["has_event"] is True


@pytest.mark.parametrize("shape", SHAPES)
def test_binary_request_body(framework, shape, aws_handler, context):
    event = http_event(
        shape,
        method="PUT",
        path="/echo/bin",
        headers={"Content-Type": "application/octet-stream"},
        body="bytes\u00e9".encode("utf-8"),
        base64_body=True,
    )
    echo = response_json(shape, aws_handler(framework)(event, context))
    assert echo["body"] == "bytes\u00e9"
    assert echo["content_length"] == len("bytes\u00e9".encode("utf-8"))


@pytest.mark.parametrize("shape", SHAPES)
def test_every_set_cookie_survives_exactly_once(framework, shape, aws_handler, context):
    response = aws_handler(framework)(http_event(shape, path="/cookies"), context)
    received = set_cookies(shape, response)
    assert len(received) == len(COOKIES)
    assert sorted(c.split(";")[0].strip() for c in received) == sorted(c.split(";")[0] for c in COOKIES)
    if shape in ("v2", "function_url"):
        assert len(response["cookies"]) == len(COOKIES)
        assert not any(k.lower() == "set-cookie" for k in response["headers"])
    if shape == "alb":
        names = [k for k in response["headers"] if k.lower() == "set-cookie"]
        assert len(set(names)) == len(COOKIES)  # distinct spellings, one cookie each


@pytest.mark.parametrize("shape", SHAPES)
def test_png_is_base64(framework, shape, aws_handler, context):
    response = aws_handler(framework)(http_event(shape, path="/png"), context)
    assert response["isBase64Encoded"] is True
    assert response_body(shape, response) == PNG


@pytest.mark.parametrize("shape", SHAPES)
def test_content_encoding_forces_base64(framework, shape, aws_handler, context):
    response = aws_handler(framework)(http_event(shape, path="/gzip"), context)
    assert response["isBase64Encoded"] is True
    assert response_body(shape, response) == GZIPPED
    assert gzip.decompress(response_body(shape, response)).decode() == GZIPPED_TEXT


@pytest.mark.parametrize("shape", SHAPES)
def test_app_exception_is_a_500_without_traceback(framework, shape, aws_handler, context, capsys):
    response = aws_handler(framework)(http_event(shape, path="/boom"), context)
    assert response["statusCode"] == 500
    body = response_body(shape, response)
    assert b"secret detail" not in body
    assert b"Traceback" not in body


def test_v1_stage_prefix_on_execute_api_host(framework, aws_handler, context):
    response = aws_handler(framework)(http_event("v1", path="/url"), context)
    expected = "https://1234567890.execute-api.us-east-1.amazonaws.com/prod/echo/x"
    assert response_body("v1", response).decode() == expected


def test_v1_no_stage_prefix_on_custom_domain(framework, aws_handler, context):
    event = http_event("v1", path="/url", headers={"Host": "api.example.com"})
    response = aws_handler(framework)(event, context)
    assert response_body("v1", response).decode() == "https://api.example.com/echo/x"


def test_base_path_becomes_script_name(framework, aws_handler, context):
    event = http_event("v1", path="/shop/url", headers={"Host": "api.example.com"})
    response = aws_handler(framework, base_path="shop")(event, context)
    assert response_body("v1", response).decode() == "https://api.example.com/shop/echo/x"


def test_v2_named_stage_is_script_name(framework, aws_handler, context):
    event = http_event("v2", path="/beta/url")
    event["requestContext"]["stage"] = "beta"
    response = aws_handler(framework)(event, context)
    expected = "https://r3pmxmplak.execute-api.us-east-2.amazonaws.com/beta/echo/x"
    assert response_body("v2", response).decode() == expected


@pytest.mark.parametrize("shape", SHAPES)
def test_remote_addr_is_the_source_ip_not_a_claimed_forwarded_for(framework, shape, aws_handler, context):
    event = http_event(shape, path="/echo/ip")
    if shape == "v1":
        event["multiValueHeaders"]["X-Forwarded-For"] = ["6.6.6.6, 198.51.100.7"]
        expected = "198.51.100.7"
    elif shape in ("v2", "function_url"):
        event["headers"]["x-forwarded-for"] = "6.6.6.6, 205.255.255.176"
        expected = event["requestContext"]["http"]["sourceIp"]
    elif shape == "alb":
        event["headers"]["x-forwarded-for"] = "6.6.6.6, 72.12.164.125"
        expected = "72.12.164.125"
    else:
        event["multiValueHeaders"]["x-forwarded-for"] = ["6.6.6.6, 72.21.198.66"]
        expected = "72.21.198.66"
    echo = response_json(shape, aws_handler(framework)(event, context))
    assert echo["remote_addr"] == expected


@pytest.mark.parametrize(
    "shape, user", [("v2", "jwt-subject"), ("function_url", "arn:aws:iam::111122223333:user/example-user")]
)
def test_v2_authorizer_context_and_principal(framework, shape, user, aws_handler, context):
    from .conftest import load_event

    event = load_event("aws/apigw_v2" if shape == "v2" else "aws/function_url")
    event["rawPath"] = "/echo/auth"
    response = aws_handler(framework)(event, context)
    assert response["statusCode"] == 200
    echo = response_json(shape, response)
    if framework == "flask":
        assert echo["remote_user"] == user
        assert echo["authorizer"] == event["requestContext"]["authorizer"]
    if framework == "django":
        assert echo["remote_user"] == user
    assert echo["body"] == event["body"]


def test_documented_samples_unchanged(framework, aws_handler, context):
    """The stored AWS samples themselves (not rewritten by the helpers) are served."""
    from .conftest import load_event

    for name in ("apigw_v1", "apigw_v2", "function_url", "alb_single", "alb_multi"):
        response = aws_handler(framework)(load_event(f"aws/{name}"), context)
        assert response["statusCode"] == 404, (name, response)  # the sample path is not a route


def test_http_api_payload_1_0_default_stage_has_no_prefix(framework, aws_handler, context):
    event = http_event("v1", path="/url")
    event["version"] = "1.0"
    event["requestContext"]["stage"] = "$default"
    response = aws_handler(framework)(event, context)
    assert response_body("v1", response).decode() == "https://1234567890.execute-api.us-east-1.amazonaws.com/echo/x"
