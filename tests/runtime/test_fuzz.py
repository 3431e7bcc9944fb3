"""Malformed HTTP-shaped events never raise out of the handler: they get a 4xx/5xx."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lw.runtime.aws import make_handler
from lw.runtime.openwhisk import make_main

from .helpers import HTTP_EVENT_KEYS, SHAPES, http_event


def app(environ, start_response):
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["PATH_INFO"].encode("latin-1")]


HANDLER = make_handler(
    app, log_requests=False, base_path="api", context_header_mappings={"x-id": "requestId", "x-deep": "a.b.c"}
)
MAIN = make_main(app, log_requests=False)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
TEMPLATES = {
    shape: http_event(
        shape, method="POST", path="/api/x", query=[("a", "1")], body="b", headers={"Content-Type": "text/plain"}
    )
    for shape in SHAPES
}


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, prefix + (key,))


@st.composite
def mutated_events(draw):
    shape = draw(st.sampled_from(SHAPES))
    event = copy.deepcopy(TEMPLATES[shape])
    paths = [p for p in _paths(event) if p]
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths))
        target = event
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
            if target is None:
                break
        if isinstance(target, dict):
            if draw(st.booleans()):
                target[path[-1]] = draw(json_values)
            else:
                target.pop(path[-1], None)
    return shape, event


def _assert_http_answer(response):
    assert isinstance(response, dict)
    status = response.get("statusCode")
    if status is not None:
        assert status in (200, 400, 500)
    else:  # mutated so far that it is no longer HTTP-shaped: an error document
        assert "error" in response


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_events())
def test_mutated_aws_events_never_raise(case):
    shape, event = case
    _assert_http_answer(HANDLER(event, None))


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(HTTP_EVENT_KEYS),
        json_values,
        min_size=1,
    )
)
def test_arbitrary_http_like_dicts_never_raise(event):
    event.setdefault("requestContext", {"elb": {}})
    _assert_http_answer(HANDLER(event, None))


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {"__ow_method": json_values},
        optional={
            "__ow_path": json_values,
            "__ow_query": json_values,
            "__ow_body": json_values,
            "__ow_headers": json_values,
            "lw_base_url": json_values,
        },
    )
)
def test_malformed_web_action_arguments_never_raise(args):
    result = MAIN(args)
    assert result["statusCode"] in (200, 308, 400, 500)  # 308: the bare action URL (__ow_path "")
    if result["statusCode"] == 308:
        location = result["headers"]["Location"]
        assert args.get("__ow_path") == "" and (location.endswith("/") or "/?" in location)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30), st.binary(max_size=30))
def test_any_body_round_trips_through_base64(path, body):
    import base64

    def echo(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [environ["wsgi.input"].read()]

    event = http_event("v2", method="POST", path="/" + path.replace("?", ""), body=body, base64_body=True)
    response = make_handler(echo, log_requests=False)(event, None)
    assert response["statusCode"] == 200
    assert base64.b64decode(response["body"]) == body
