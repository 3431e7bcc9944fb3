"""OpenWhisk raw-http web actions and trigger/feed activations through real apps."""

from __future__ import annotations

import base64
import json

import pytest

import rt_events
from lw.runtime.openwhisk import OpenWhiskContext, make_main
from lw.runtime.openwhisk_http import controller_treats_as_text

from .conftest import FRAMEWORKS, load_event

from rt_common import COOKIES, GZIPPED_TEXT, PNG

BASE_URL = "https://openwhisk.example.com/api/v1/web/guest/shop-dev/web"


def web(method="get", path="/", query="", body="", headers=None, **extra):
    args = load_event("openwhisk/web-raw-args-get-nobody")
    args.pop("_comment")
    args.update({"__ow_method": method, "__ow_path": path, "__ow_query": query, "__ow_body": body})
    args["__ow_headers"].update(headers or {})
    args.update(extra)
    return args


def result_bytes(result):
    content_type = ""
    for name, value in result["headers"].items():
        if name.lower() == "content-type":
            content_type = value
    body = result.get("body", "")
    if controller_treats_as_text(content_type) and content_type.split(";")[0] not in ("application/json",):
        return body.encode("utf-8")
    return base64.b64decode(body)


@pytest.fixture(autouse=True)
def base_url(monkeypatch):
    monkeypatch.setenv("lw_base_url", BASE_URL)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_get_without_body(framework, ow_main):
    result = ow_main(framework)(web(path="/hello"))
    assert result["statusCode"] == 200
    assert result["body"] == "hello"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_vendored_raw_post_json_example(framework, ow_main):
    args = load_event("openwhisk/web-raw-args-post-json")
    args.pop("_comment")
    args["__ow_path"] = "/echo/items"
    result = ow_main(framework)(args)
    assert result["statusCode"] == 200
    echo = json.loads(result_bytes(result))
    assert echo["method"] == "POST"
    assert echo["body"] == '{"name":"Jane"}'
    assert echo["args"] == {"x": ["1", "2"]}
    assert echo["rest"] == "items"
    assert echo["headers"]["host"] == "openwhisk.example.com"  # not the nginx upstream name


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_script_name_and_host_from_base_url(framework, ow_main):
    result = ow_main(framework)(web(path="/url"))
    assert result["body"] == BASE_URL + "/echo/x"


def test_base_url_from_argument_and_fallback(monkeypatch, ow_main):
    monkeypatch.delenv("lw_base_url")
    main = ow_main("flask")
    result = main(web(path="/url", lw_base_url="http://ow.local:3233/api/v1/web/guest/p/a"))
    assert result["body"] == "http://ow.local:3233/api/v1/web/guest/p/a/echo/x"
    monkeypatch.setenv("__OW_ACTION_NAME", "/guest/shop-dev/web")
    result = main(web(path="/url", headers={"host": "openwhisk.example.com"}))
    assert result["body"] == "https://openwhisk.example.com/api/v1/web/guest/shop-dev/web/echo/x"


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize(
    "content_type, raw, encoded",
    [
        ("application/json", b'{"a": 1}', True),
        ("text/plain; charset=utf-8", "text ✓".encode(), False),
        ("application/x-www-form-urlencoded", b"a=1&b=%C3%A9", False),
        ("application/octet-stream", b"\x00\xffbin", True),
        ("image/png", PNG, True),
        ("application/x-custom", b"\x01\x02", True),
        ("application/x-custom; charset=utf-8", "custom ✓".encode(), False),
        ("", b"no type", True),
    ],
)
def test_request_body_decoding_follows_the_controller(framework, ow_main, content_type, raw, encoded):
    body = base64.b64encode(raw).decode() if encoded else raw.decode("utf-8")
    headers = {"content-type": content_type} if content_type else {}
    result = ow_main(framework)(web("post", "/echo/b", body=body, headers=headers))
    echo = json.loads(result_bytes(result))
    assert echo["body"] == raw.decode("utf-8", "replace")
    assert echo["content_length"] == len(raw)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_cookies_become_a_list(framework, ow_main):
    result = ow_main(framework)(web(path="/cookies"))
    cookies = next(v for k, v in result["headers"].items() if k.lower() == "set-cookie")
    assert isinstance(cookies, list) and len(cookies) == len(COOKIES)
    reference = load_event("openwhisk/web-response-html-with-cookies")
    assert isinstance(reference["headers"]["Set-Cookie"], list)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_binary_response_is_base64(framework, ow_main):
    result = ow_main(framework)(web(path="/png"))
    assert base64.b64decode(result["body"]) == PNG
    assert not any(k.lower() == "content-length" for k in result["headers"])


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_json_response_is_always_base64(framework, ow_main):
    result = ow_main(framework)(web(path="/echo/j", query="n=1234"))
    assert json.loads(base64.b64decode(result["body"]))["args"] == {"n": ["1234"]}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_gzip_response_is_sent_identity_encoded(framework, ow_main):
    result = ow_main(framework)(web(path="/gzip"))
    assert result["body"] == GZIPPED_TEXT
    assert not any(k.lower() == "content-encoding" for k in result["headers"])


def test_text_in_its_declared_charset_is_sent_as_text():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain; charset=iso-8859-1")])
        return [b"caf\xe9"]

    result = make_main(app, log_requests=False)(web())
    assert result["body"] == "café"  # the controller sends it as UTF-8, labelled so
    assert result["headers"]["Content-Type"] == "text/plain; charset=iso-8859-1"


def test_undecodable_text_goes_as_binary(capsys):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"caf\xe9"]  # declared UTF-8, actually latin-1

    result = make_main(app, log_requests=False)(web())
    assert base64.b64decode(result["body"]) == b"caf\xe9"
    assert result["headers"]["Content-Type"] == "application/octet-stream"
    assert "not valid utf-8 text" in capsys.readouterr().err.lower()


@pytest.mark.parametrize(
    "body, over",
    [
        (b"x" * 786_000, False),  # base64 of it is just under 1 MiB
        (b"x" * 787_000, True),
        ("é".encode() * 520_000, False),  # 520,000 characters, 1,040,000 bytes
        ("é".encode() * 600_000, True),  # 600,000 characters, 1.2 MB: the size that cut real responses
    ],
)
def test_result_limit_counts_utf8_bytes(body, over, capsys):
    content_type = "text/plain; charset=utf-8" if body[:1] != b"x" else "application/octet-stream"

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", content_type)])
        return [body]

    result = make_main(app, log_requests=False)(web())
    assert (result["statusCode"] == 502) is over
    if over:
        assert "larger than OpenWhisk allows" in result["body"]
        assert "over OpenWhisk's limit of 1048576 bytes" in capsys.readouterr().err
    else:
        assert len(json.dumps(result, ensure_ascii=False).encode()) <= 1024 * 1024


@pytest.mark.parametrize(
    "content_type, base64_body",
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("application/vnd.api+json", True),
        ("application/json; profile=x", False),  # another media type to pekko: plain text
        ("text/x-scriptsh", False),
        ("message/rfc822; charset=utf-8", True),  # registered binary: the charset changes nothing
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document; charset=utf-8", True),
        ("text/javascript", True),  # not registered, no charset: binary
        ("text/javascript; charset=utf-8", False),
    ],
)
def test_response_encoding_follows_the_controller(content_type, base64_body):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", content_type)])
        return [b"true"]

    result = make_main(app, log_requests=False)(web())
    assert result["body"] == ("dHJ1ZQ==" if base64_body else "true")


@pytest.mark.parametrize(
    "content_type, raw, encoded",
    [
        ("application/json; profile=x", b"true", False),
        ("text/x-scriptsh", b"abcd", False),
        ("text/x-server-parsed-html", b"<p>", False),
    ],
)
def test_request_bodies_the_controller_sends_as_text(ow_main, content_type, raw, encoded):
    body = base64.b64encode(raw).decode() if encoded else raw.decode()
    result = ow_main("flask")(web("post", "/echo/b", body=body, headers={"content-type": content_type}))
    assert json.loads(result_bytes(result))["body"] == raw.decode()


def test_bare_action_url_redirects_to_the_trailing_slash():
    def app(environ, start_response):  # pragma: no cover - never called
        raise AssertionError("the app must not see the bare URL")

    main = make_main(app, log_requests=False)
    result = main(web("post", "", query="a=1&b=%C3%A9"))
    assert result["statusCode"] == 308
    assert result["headers"]["Location"] == BASE_URL + "/?a=1&b=%C3%A9"
    assert main(web("get", ""))["headers"]["Location"] == BASE_URL + "/"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_app_exception_is_a_500(framework, ow_main):
    result = ow_main(framework)(web(path="/boom"))
    assert result["statusCode"] == 500
    assert "secret" not in result.get("body", "")


@pytest.mark.parametrize(
    "args",
    [
        {"__ow_method": 3},
        {"__ow_method": "get", "__ow_headers": "nope"},
        {"__ow_method": "get", "__ow_path": 5},
        {"__ow_method": "get", "__ow_query": ["x"]},
    ],
)
def test_malformed_web_arguments_are_a_400(args, ow_main):
    assert ow_main("flask")(args)["statusCode"] == 400


def test_non_raw_mode_still_answers(ow_main):
    args = load_event("openwhisk/web-nonraw-args-post-json")
    args.pop("_comment")
    args["__ow_path"] = "/echo/nr"
    result = ow_main("flask")(args)
    assert result["statusCode"] == 200


EVENTS = [
    {"name": "nightly", "function": "rt_events.scheduled", "kind": "schedule", "source": "0 3 * * *"},
    {"name": "warm", "function": "", "kind": "keep_warm", "source": None},
    {"name": "uploads", "function": "rt_events.record", "kind": "trigger", "source": None},
    {"name": "failing", "function": "rt_events.fail", "kind": "feed", "source": None},
]


@pytest.fixture
def events_main():
    rt_events.CALLS.clear()
    rt_events.REPORTED.clear()
    return make_main(None, events=EVENTS, exception_handler="rt_events.report")


def test_alarm_trigger_goes_to_its_function(events_main):
    args = load_event("openwhisk/alarm-fired-action-args")
    args.pop("_comment")
    args["lw_binding"] = "nightly"
    assert events_main(args) == {"result": "done"}
    assert rt_events.CALLS[0][1]["job"] == "cleanup"


def test_vendored_alarm_example_routes_by_lw_event(events_main):
    args = load_event("openwhisk/alarm-fired-action-args")
    args["lw_event"] = "uploads"
    assert events_main(args) == {"handled": 0}


def test_keep_warm_trigger(events_main):
    assert events_main({"lw_binding": "warm", "__ow_headers": {}}) == {"lw": "warm"}
    assert rt_events.CALLS == []


def test_failing_feed_function_returns_error_and_reports(events_main):
    result = events_main({"lw_binding": "failing"})
    assert result == {"error": "rt_events.fail failed: ValueError: event function failed on purpose"}
    assert len(rt_events.REPORTED) == 1


def test_unknown_activation(events_main):
    assert "keys: a, b" in events_main({"a": 1, "b": 2})["error"]
    assert "'nope'" in events_main({"lw_binding": "nope"})["error"]
    assert "expected an object" in events_main([1])["error"]


def test_http_without_app_is_500(events_main):
    assert events_main(web())["statusCode"] == 500


def test_context_reads_activation_environment(monkeypatch):
    monkeypatch.setenv("__OW_ACTIVATION_ID", "act-1")
    monkeypatch.setenv("__OW_ACTION_NAME", "/guest/shop-dev/events")
    monkeypatch.setenv("__OW_DEADLINE", "99999999999999")
    context = OpenWhiskContext()
    assert context.aws_request_id == "act-1"
    assert context.function_name == "/guest/shop-dev/events"
    assert context.get_remaining_time_in_millis() > 0


def test_event_functions_and_reporters_never_see_platform_keys():
    """The controller adds the fire request's headers; the alarms provider fires with the
    namespace key, which must not reach user code or an error reporter."""
    seen: list[dict] = []
    reported: list[dict] = []

    def capture(event, context):
        seen.append(event)
        raise RuntimeError("boom")

    import types

    module = types.ModuleType("rt_capture_events")
    module.capture = capture
    import sys

    sys.modules["rt_capture_events"] = module
    try:
        main = make_main(
            None,
            events=[
                {"name": "nightly", "function": "rt_capture_events.capture", "kind": "schedule", "source": "0 3 * * *"}
            ],
            exception_handler=lambda exc, event, context: reported.append(event),
        )
        args = load_event("openwhisk/alarm-fired-action-args")
        args.pop("_comment")
        args["lw_binding"] = "nightly"
        args["__ow_headers"]["authorization"] = "Basic c2VjcmV0OmtleQ=="
        args["__ow_user"] = "guest"
        assert "error" in main(args)
    finally:
        del sys.modules["rt_capture_events"]
    for event in seen + reported:
        assert not [k for k in event if k.startswith("__ow_")]
        assert event["job"] == "cleanup" and event["lw_binding"] == "nightly"
    assert len(seen) == len(reported) == 1


@pytest.mark.parametrize(
    "returned, expected",
    [
        ({"order": 7, "error": None}, {"result": {"order": 7, "error": None}}),
        ({"error": "not really"}, {"result": {"error": "not really"}}),
        ({"order": 7}, {"order": 7}),
    ],
)
def test_event_results_never_look_like_an_application_error(returned, expected, monkeypatch):
    monkeypatch.setattr(rt_events, "scheduled", lambda event, context: returned)
    main = make_main(None, events=[EVENTS[0]])
    assert main({"lw_binding": "nightly"}) == expected
