"""Event fuzzing of both runtime shims: a hostile or broken event never crashes a container.

Contract, for the AWS handler and the OpenWhisk ``main`` alike:

- the handler never raises, whatever the event;
- an HTTP-shaped event (one an adapter claims) is answered either by the app (200, with
  exactly one access-log line on stdout and nothing on stderr) or, when malformed, with
  a 400 and exactly one log line on stderr;
- the app only ever sees an environ that passes ``wsgiref.validate`` (PEP 3333): str
  values, a path starting with ``/``, a scheme of ``http``/``https``...;
- anything else gets a JSON ``{"error": ...}`` document.

Events are the stored AWS and OpenWhisk samples, mutated by hypothesis (values replaced
by any JSON value, keys dropped, hostile headers added). The default run tries 1,000
events per shim in a few seconds; the nightly size (10,000 per shim) runs with
``pytest -m nightly tests/security/test_shim_fuzz.py`` or ``LW_NIGHTLY=1``.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lw.runtime.aws import make_handler
from lw.runtime.aws_http import adapter_for
from lw.runtime.openwhisk import make_main
from runtime.helpers import HTTP_EVENT_KEYS  # tests/ is on sys.path (tests/runtime is a package)

EVENTS = Path(__file__).resolve().parents[1] / "runtime" / "events"
DEFAULT_EXAMPLES = 1_000
NIGHTLY_EXAMPLES = 10_000


def nightly_enabled(config: pytest.Config) -> bool:
    """Nightly-size tests run when selected with ``-m nightly`` or with ``LW_NIGHTLY=1``."""
    return os.environ.get("LW_NIGHTLY") == "1" or "nightly" in (config.getoption("markexpr") or "")


def _load(name: str) -> dict[str, Any]:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    event.pop("_comment", None)
    return event


AWS_TEMPLATES = [
    _load(f"aws/{name}")
    for name in ("apigw_v1", "apigw_v2", "function_url", "alb_single", "alb_multi", "apigw_v1_authorizer")
]
OW_TEMPLATES = [
    _load(f"openwhisk/{name}")
    for name in ("web-raw-args-post-json", "web-raw-args-get-nobody", "web-nonraw-args-post-json")
]


def validated_app(environ, start_response):
    """A WSGI app behind wsgiref's PEP 3333 validator: a bad environ fails the example."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    assert len(environ["wsgi.input"].read(length)) == length
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [environ["PATH_INFO"].encode("latin-1")]


def _validated():
    from wsgiref.validate import validator

    import warnings

    app = validator(validated_app)

    def call(environ, start_response):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # non-standard methods only warn
            return app(environ, start_response)

    return call


AWS_HANDLER = make_handler(_validated(), context_header_mappings={"x-user": "authorizer.claims.sub"}, base_path="api")
OW_MAIN = make_main(_validated())

# Hostile and careless values: control characters, non-ASCII, lone surrogates are not
# valid JSON text so they are left out; huge and empty strings; wrong JSON types.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=16)
header_names = (
    st.sampled_from(
        [
            "Host",
            "host",
            "Cookie",
            "cookie",
            "Content-Length",
            "content-type",
            "Transfer-Encoding",
            "X-Forwarded-For",
            "x-forwarded-proto",
            "X-Forwarded-Port",
            "X_Forwarded_For",
            "x-user",
            "User-Agent",
            "Referer",
            "",
            "é",
        ]
    )
    | text
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=4,
)
header_values = text | json_values


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, prefix + (key,)))
    return found


@st.composite
def mutated(draw: Any, templates: list[dict[str, Any]], header_keys: tuple[str, ...]) -> dict[str, Any]:
    event = copy.deepcopy(draw(st.sampled_from(templates)))
    paths = _paths(event)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(("replace", "drop", "header", "header")))
        if op == "header":
            key = draw(st.sampled_from(header_keys))
            headers = event.get(key)
            if not isinstance(headers, dict):
                headers = event[key] = {}
            value = draw(header_values)
            if key == "multiValueHeaders" and draw(st.booleans()):
                value = [value, draw(header_values)]
            headers[draw(header_names)] = value
            continue
        path = draw(st.sampled_from(paths))
        target: Any = event
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            if op == "drop":
                target.pop(path[-1], None)
            else:
                target[path[-1]] = draw(json_values)
    return event


@contextlib.contextmanager
def captured():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def _check_http_answer(response: Any, out: str, err: str, event: Any) -> None:
    assert isinstance(response, dict), (event, response)
    status = response.get("statusCode")
    if status == 400:
        assert out == "", (event, out)
        assert len(err.splitlines()) == 1, (event, err)
        assert "answering 400" in err
    else:
        assert status == 200, (event, response, err)
        assert err == "", (event, err)
        assert len(out.splitlines()) == 1, (event, out)
    json.dumps(response)  # the platform serialises the result


def check_aws(event: dict[str, Any]) -> None:
    http_shaped = adapter_for(event) is not None
    with captured() as (out, err):
        response = AWS_HANDLER(event, None)  # never raises: an exception fails the example
    if http_shaped:
        _check_http_answer(response, out.getvalue(), err.getvalue(), event)
    else:
        assert isinstance(response, dict) and "error" in response, (event, response)


def check_openwhisk(args: dict[str, Any]) -> None:
    with captured() as (out, err):
        result = OW_MAIN(args)
    if "__ow_method" in args:
        _check_http_answer(result, out.getvalue(), err.getvalue(), args)
    else:
        assert isinstance(result, dict) and "error" in result, (args, result)


AWS_EVENTS = mutated(AWS_TEMPLATES, ("headers", "multiValueHeaders"))
OW_ARGS = mutated(OW_TEMPLATES, ("__ow_headers",))
RANDOM_AWS = st.dictionaries(
    st.sampled_from(HTTP_EVENT_KEYS),
    json_values,
    min_size=1,
    max_size=6,
).map(lambda event: {**event, "requestContext": event.get("requestContext") or {"elb": {}}})


def _fuzz(check: Any, strategy: Any, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def run(event: dict[str, Any]) -> None:
        check(event)

    run()


def test_mutated_aws_events(request):
    _fuzz(check_aws, AWS_EVENTS, DEFAULT_EXAMPLES)


def test_mutated_openwhisk_arguments():
    _fuzz(check_openwhisk, OW_ARGS, DEFAULT_EXAMPLES)


def test_arbitrary_http_like_aws_dicts():
    _fuzz(check_aws, RANDOM_AWS, DEFAULT_EXAMPLES // 4)


@pytest.mark.nightly
@pytest.mark.parametrize(
    "check, strategy",
    [(check_aws, AWS_EVENTS), (check_openwhisk, OW_ARGS), (check_aws, RANDOM_AWS)],
    ids=["aws", "openwhisk", "aws-random"],
)
def test_nightly_size(request, check, strategy):
    if not nightly_enabled(request.config):
        pytest.skip("nightly size: run with -m nightly or LW_NIGHTLY=1")
    _fuzz(check, strategy, NIGHTLY_EXAMPLES)


def test_the_reported_crashers_are_answered():
    """The issue's repro and the shapes that used to raise (v2, ALB, v1 without
    ``multiValueHeaders``), kept as fixed examples."""
    check_aws(
        {
            "version": "2.0",
            "rawPath": "/",
            "headers": {"x-a": "é", "user-agent": None},
            "requestContext": {"http": {"method": "GET", "sourceIp": "1.2.3.4"}},
        }
    )
    check_aws(
        {"httpMethod": "GET", "path": "/", "headers": {"x-a": "é", "referer": None}, "requestContext": {"elb": {}}}
    )
    check_aws(
        {
            "httpMethod": "GET",
            "path": "/",
            "headers": {"x-a": "é", "user-agent": None},
            "requestContext": {"stage": "dev"},
        }
    )
    check_openwhisk({"__ow_method": "get", "__ow_path": "/", "__ow_headers": {"x-a": "é", "user-agent": None}})
