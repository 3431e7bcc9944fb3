"""HTTP request <-> Lambda event, as API Gateway REST, HTTP API and Function URLs do it."""

from __future__ import annotations

import base64
import json

import pytest

from lw.providers.local.gateway import (
    FrontDoor,
    HttpRequest,
    error_response,
    from_result,
    payload_format_for,
    to_event,
)

REST = FrontDoor("v1", "dev", "127.0.0.1:8000")
HTTP_API = FrontDoor("v2", "dev", "127.0.0.1:8000")
URL = FrontDoor("url", "dev", "127.0.0.1:8000")


def request(
    target: str = "/a/b?x=1&x=2&y=",
    method: str = "GET",
    body: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
) -> HttpRequest:
    return HttpRequest(
        method,
        target,
        headers
        or [
            ("Host", "127.0.0.1:8000"),
            ("Cookie", "a=1; b=2"),
            ("Accept", "text/html"),
            ("Accept", "application/json"),
        ],
        body,
    )


@pytest.mark.parametrize(
    ("apigateway", "function_url", "expected"),
    [
        ("rest", False, "v1"),
        (None, None, "v1"),
        (True, False, "v1"),
        ("http", False, "v2"),
        ("HTTP", True, "v2"),
        (False, True, "url"),
        ("false", True, "url"),
        (False, False, "v1"),
    ],
)
def test_payload_format_follows_the_settings(apigateway, function_url, expected) -> None:
    assert payload_format_for(apigateway, function_url) == expected


def test_rest_event_has_multi_value_headers_and_query() -> None:
    event = to_event(request(), REST)
    assert event["httpMethod"] == "GET" and event["path"] == "/a/b"
    assert event["resource"] == "/{proxy+}" and event["pathParameters"] == {"proxy": "a/b"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueHeaders"]["Accept"] == ["text/html", "application/json"]
    assert event["requestContext"]["stage"] == "dev" and event["requestContext"]["path"] == "/dev/a/b"
    assert event["body"] is None and event["isBase64Encoded"] is False


def test_rest_root_has_no_proxy_parameter() -> None:
    event = to_event(request("/"), REST)
    assert event["resource"] == "/" and event["pathParameters"] is None and event["queryStringParameters"] is None


@pytest.mark.parametrize("door", [HTTP_API, URL])
def test_v2_event_joins_headers_and_splits_cookies(door: FrontDoor) -> None:
    event = to_event(request(), door)
    assert event["version"] == "2.0" and event["rawPath"] == "/a/b" and event["rawQueryString"] == "x=1&x=2&y="
    assert event["cookies"] == ["a=1", "b=2"] and "cookie" not in event["headers"]
    assert event["headers"]["accept"] == "text/html,application/json"
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["requestContext"]["http"]["method"] == "GET"


def test_binary_bodies_are_base64_and_text_bodies_are_not() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    binary = to_event(request("/up", "POST", png, [("Content-Type", "image/png")]), REST)
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == png
    text = to_event(request("/up", "POST", b'{"a": 1}', [("Content-Type", "application/json")]), HTTP_API)
    assert text["isBase64Encoded"] is False and text["body"] == '{"a": 1}'


def test_rest_response_uses_multi_value_headers_first() -> None:
    result = {
        "statusCode": 201,
        "headers": {"Content-Type": "text/plain", "Set-Cookie": "ignored"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": "made",
        "isBase64Encoded": False,
    }
    response = from_result(json.dumps(result).encode(), REST)
    assert response.status == 201 and response.body == b"made"
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("Content-Type", "text/plain") in response.headers


def test_v2_response_turns_cookies_into_set_cookie_and_decodes_base64() -> None:
    result = {
        "statusCode": 200,
        "headers": {"content-type": "image/png"},
        "cookies": ["a=1", "b=2"],
        "body": base64.b64encode(b"\x89PNG").decode(),
        "isBase64Encoded": True,
    }
    response = from_result(json.dumps(result).encode(), HTTP_API)
    assert response.body == b"\x89PNG"
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]


def test_a_bare_value_is_a_json_200_on_v2_and_a_502_on_rest() -> None:
    assert from_result(b'{"hello": "world"}', HTTP_API).status == 200
    assert json.loads(from_result(b'{"hello": "world"}', URL).body) == {"hello": "world"}
    assert from_result(b'{"hello": "world"}', REST).status == 502


def test_error_response_is_api_gateways_json() -> None:
    response = error_response(504, "Endpoint request timed out")
    assert response.status == 504 and json.loads(response.body) == {"message": "Endpoint request timed out"}


def test_the_front_door_describes_its_own_url_and_drops_what_clients_may_not_set() -> None:
    """A Django CSRF check compares the browser's Origin (http://127.0.0.1:8000) with the
    scheme and host the app sees: they must be the local URL's, never the client's."""
    hostile = [
        ("Host", "127.0.0.1:8000"),
        ("X-Forwarded-Proto", "javascript"),
        ("X-Forwarded-Port", "1"),
        ("X-Forwarded-For", "6.6.6.6"),
        ("Transfer-Encoding", "chunked"),
        ("Connection", "keep-alive"),
    ]
    for door in (REST, HTTP_API, URL):
        event = to_event(HttpRequest("POST", "/", hostile, b"abc", "10.0.0.7"), door)
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        assert headers["x-forwarded-proto"] == "http" and headers["x-forwarded-port"] == "8000"
        assert headers["x-forwarded-for"] == "6.6.6.6, 10.0.0.7"  # the real peer last
        assert headers["host"] == "127.0.0.1:8000" and headers["content-length"] == "3"
        assert "transfer-encoding" not in headers and "connection" not in headers
    rest = to_event(HttpRequest("GET", "/", hostile, b""), REST)
    assert rest["multiValueHeaders"]["X-Forwarded-Proto"] == ["http"]


def test_a_request_without_host_gets_the_front_doors() -> None:
    event = to_event(HttpRequest("GET", "/", [], b""), HTTP_API)
    assert event["headers"]["host"] == "127.0.0.1:8000"


ALB = FrontDoor("alb", "dev", "127.0.0.1:8000")
ALB_MULTI = FrontDoor("alb-multi", "dev", "127.0.0.1:8000")


@pytest.mark.parametrize(
    ("front_door", "alb", "expected"),
    [
        ("alb", None, "alb-multi"),
        ("alb", {"multi_value_headers": True}, "alb-multi"),
        ("alb", {"multi_value_headers": False}, "alb"),
        ("apigateway", {"multi_value_headers": False}, "v1"),
    ],
)
def test_front_door_alb_selects_target_group_events(front_door, alb, expected) -> None:
    assert payload_format_for("rest", False, front_door, alb) == expected


def test_alb_events_have_the_target_group_shape() -> None:
    single = to_event(request("/a%2Fb?x=1&x=2&e=%20"), ALB)
    assert single["requestContext"]["elb"]["targetGroupArn"].startswith("arn:aws:elasticloadbalancing:us-east-1:")
    assert single["path"] == "/a%2Fb" and single["httpMethod"] == "GET"
    assert single["queryStringParameters"] == {"x": "2", "e": "%20"}  # as the client encoded it, last value
    assert single["headers"]["accept"] == "application/json" and single["headers"]["x-forwarded-proto"] == "http"
    assert single["body"] == "" and single["isBase64Encoded"] is False
    assert "multiValueHeaders" not in single and "multiValueQueryStringParameters" not in single
    multi = to_event(request("/?x=1&x=2", method="POST", body=b"\x00\xff"), ALB_MULTI)
    assert multi["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert multi["multiValueHeaders"]["accept"] == ["text/html", "application/json"]
    assert "headers" not in multi and "queryStringParameters" not in multi
    assert multi["isBase64Encoded"] is True and base64.b64decode(multi["body"]) == b"\x00\xff"


def test_alb_reads_the_headers_of_its_mode_only() -> None:
    document = {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "headers": {"X-Single": "s"},
        "multiValueHeaders": {"X-Multi": ["a", "b"]},
        "body": "aGk=",
        "isBase64Encoded": True,
    }
    multi = from_result(json.dumps(document).encode(), ALB_MULTI)
    assert multi.headers == [("X-Multi", "a"), ("X-Multi", "b")] and multi.body == b"hi"
    single = from_result(json.dumps(document).encode(), ALB)
    assert single.headers == [("X-Single", "s")]


def test_alb_answers_502_for_a_bad_or_oversized_response() -> None:
    assert from_result(b'"just a string"', ALB).status == 502
    big = json.dumps({"statusCode": 200, "body": "x" * (1024 * 1024)}).encode()
    assert from_result(big, ALB_MULTI).status == 502
    assert ALB.body_limit == 1024 * 1024 and REST.body_limit > ALB.body_limit
