"""The AWS handler picks the adapter ``adapter_for`` names, for every event.

The handler recognises the HTTP API v2 shape itself, without calling ``adapter_for``
(a call on every request costs measurable time, docs/performance.md). This keeps the
two from drifting apart: hypothesis builds events from the keys the dispatch looks at,
and the adapter that actually builds the environ must be the one ``adapter_for`` names.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lw.runtime import aws_http
from lw.runtime.aws import make_handler

ABSENT = object()


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(ABSENT), value)


request_contexts = st.one_of(
    st.just(ABSENT),
    st.sampled_from([None, "text", [], 7]),
    st.fixed_dictionaries(
        {},
        optional={
            "elb": st.just({"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/t/1"}),
            "http": st.just({"method": "GET", "path": "/", "sourceIp": "192.0.2.1"}),
            "stage": st.sampled_from(["$default", "dev"]),
            "identity": st.just({"sourceIp": "192.0.2.1"}),
        },
    ),
)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {"headers": {"host": "example.com"}}
    for key, value in (
        ("version", draw(_maybe(st.sampled_from(["2.0", "1.0", "3.0", 2.0, None])))),
        ("requestContext", draw(request_contexts)),
        ("httpMethod", draw(_maybe(st.just("GET")))),
        ("path", draw(_maybe(st.just("/")))),
        ("rawPath", draw(_maybe(st.just("/")))),
    ):
        if value is not ABSENT:
            event[key] = value
    return event


@pytest.fixture(scope="module")
def spied() -> Any:
    """The handler, with every adapter's ``environ`` recording which adapter ran."""
    used: list[Any] = []
    originals = {}
    for adapter in (aws_http.REST_V1, aws_http.HTTP_V2, aws_http.ALB):
        cls = type(adapter)
        originals[cls] = cls.environ

        def spy(self: Any, event: Any, context: Any, shim: Any, _original: Any = cls.environ) -> Any:
            used.append(self)
            return _original(self, event, context, shim)

        cls.environ = spy  # type: ignore[method-assign]
    try:
        yield make_handler(_app, log_requests=False), used
    finally:
        for cls, original in originals.items():
            cls.environ = original  # type: ignore[method-assign]


@settings(max_examples=300, deadline=None)
@given(event=events())
def test_handler_uses_the_adapter_that_adapter_for_names(spied: Any, event: dict[str, Any]) -> None:
    handler, used = spied
    used.clear()
    handler(event, None)
    expected = aws_http.adapter_for(event)
    assert used == ([expected] if expected is not None else []), event
