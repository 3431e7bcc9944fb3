"""The public runtime API for providers (``lw.runtime.api``): neutral request in, response out."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

from lw.runtime import api
from lw.runtime.api import HttpRequest, HttpResponse, Runtime, UnroutableEvent, load

from .conftest import FakeContext, framework_app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "runtime.md"

BINDINGS = [
    {"name": "nightly", "function": "rt_events.scheduled", "kind": "schedule", "source": None},
    {"name": "broken", "function": "rt_events.fail", "kind": "schedule", "source": None},
    {"name": "keep-warm", "function": "", "kind": "keep_warm", "source": None},
]

_RUNTIMES: dict[str, Runtime] = {}


def runtime(framework: str) -> Runtime:
    """One runtime per framework for the module (an ASGI app's lifespan runs once)."""
    if framework not in _RUNTIMES:
        _RUNTIMES[framework] = Runtime(framework_app(framework), log_requests=False)
    return _RUNTIMES[framework]


def echo(response: HttpResponse) -> dict[str, Any]:
    assert response.status == 200, response.body
    return json.loads(response.body)


@pytest.mark.parametrize("framework", ["flask", "fastapi"])
def test_a_neutral_request_reaches_the_app_whole(framework: str) -> None:
    context = FakeContext()
    request = HttpRequest(
        "POST",
        "/echo/a%20b",
        query_string="q=1&q=2&name=%C3%A9",
        headers=[("Host", "fn.example.net"), ("Content-Type", "text/plain"), ("Cookie", "a=1"), ("cookie", "b=2")],
        body="héllo".encode(),
        remote_addr="203.0.113.9",
        context=context,
        event={"platform": "raw"},
    )
    body = echo(runtime(framework).handle_http(request))
    assert body["method"] == "POST"
    assert body["rest"] == "a b"
    assert body["args"] == {"q": ["1", "2"], "name": ["é"]}
    assert body["body"] == "héllo"
    assert body["content_length"] == len("héllo".encode())
    assert body["remote_addr"] == "203.0.113.9"
    assert body["cookies"] == {"a": "1", "b": "2"}
    assert body["url"].startswith("https://fn.example.net/echo/a")  # Starlette does not re-quote the space
    assert body["has_event"] is True


def test_root_path_is_kept_in_the_urls_the_app_builds() -> None:
    request = HttpRequest("GET", "/url", root_path="/api/", headers=[("Host", "x.example")], scheme="http")
    response = runtime("flask").handle_http(request)
    assert response.body == b"http://x.example/api/echo/x"


def test_host_replaces_the_host_header_and_sets_the_port() -> None:
    request = HttpRequest("GET", "/echo/p", headers=[("Host", "internal:8080")], host="public.example:8443")
    assert echo(runtime("flask").handle_http(request))["url"] == "https://public.example:8443/echo/p"


def test_an_asgi_app_runs_with_its_lifespan_state() -> None:
    body = echo(runtime("fastapi").handle_http(HttpRequest("GET", "/echo/x", headers=[("host", "h")])))
    assert body["state"] == "hi from lifespan"
    assert body["path"] == "/echo/x"


@pytest.mark.parametrize("framework", ["flask", "fastapi"])
def test_a_binary_response_is_binary_and_text_is_not(framework: str) -> None:
    from rt_common import PNG

    png = runtime(framework).handle_http(HttpRequest("GET", "/png"))
    assert png.body == PNG
    assert png.is_binary is True
    assert png.body_text() == (base64.b64encode(PNG).decode(), True)
    hello = runtime(framework).handle_http(HttpRequest("GET", "/hello"))
    assert (hello.is_binary, hello.body_text()) == (False, ("hello", False))
    assert hello.reason == "OK"


def test_a_binary_request_body_arrives_byte_exact() -> None:
    from rt_common import PNG

    def app(environ: dict, start_response: Any) -> list[bytes]:
        data = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [data]

    response = Runtime(app, log_requests=False).handle_http(
        HttpRequest("PUT", "/", body=PNG, headers=[("Content-Type", "image/png")])
    )
    assert response.body == PNG
    assert response.is_binary


@pytest.mark.parametrize("framework", ["flask", "fastapi"])
def test_repeated_set_cookie_headers_stay_separate_pairs(framework: str) -> None:
    from rt_common import COOKIES

    response = runtime(framework).handle_http(HttpRequest("GET", "/cookies"))
    assert response.header_values("set-cookie") == list(COOKIES)
    assert response.header("SET-COOKIE") == COOKIES[0]


def test_an_app_crash_is_a_500_reported_with_the_platform_objects(capsys: pytest.CaptureFixture[str]) -> None:
    from rt_events import REPORTED

    REPORTED.clear()

    def app(environ: dict, start_response: Any) -> list[bytes]:
        raise RuntimeError("secret detail that must not reach the client")

    rt = Runtime(app, log_requests=False, exception_handler="rt_events.report")
    response = rt.handle_http(HttpRequest("GET", "/boom"))
    assert response.status == 500
    assert b"secret" not in response.body
    assert [type(e) for e in REPORTED] == [RuntimeError]
    assert "secret detail" in capsys.readouterr().err


@pytest.mark.parametrize(
    "request_",
    [
        HttpRequest("GET\r\nX: y", "/hello"),
        HttpRequest("GET", "hello"),
        HttpRequest("GET", "/hello", headers=[("X-A", None)]),  # type: ignore[list-item]
        HttpRequest("POST", "/hello", body="text, not bytes"),  # type: ignore[arg-type]
        HttpRequest("GET", "/hello", scheme="ftp"),
    ],
    ids=["method", "path", "header-value", "body-type", "scheme"],
)
def test_a_request_lw_cannot_serve_is_a_400_not_a_crash(request_: HttpRequest) -> None:
    assert runtime("flask").handle_http(request_).status == 400


def test_stage_options_apply_base_path_cors_header_mappings_and_access_log(capsys: pytest.CaptureFixture[str]) -> None:
    rt = Runtime(
        framework_app("flask"),
        base_path="v1",
        cors={"allowed_origin": ["https://app.example"]},
        context_header_mappings={"x-caller": "identity.caller"},
    )
    forged = [("Origin", "https://app.example"), ("X-Caller", "admin")]
    response = rt.handle_http(HttpRequest("GET", "/v1/echo/z", headers=forged, request_context={}))
    body = echo(response)
    assert body["script_root"] == "/v1"
    assert "x-caller" not in body["headers"]  # the client's copy never passes
    assert response.header("Access-Control-Allow-Origin") == "https://app.example"
    response = rt.handle_http(HttpRequest("GET", "/v1/echo/z", request_context={"identity": {"caller": "alice"}}))
    assert echo(response)["headers"]["x-caller"] == "alice"
    assert '"GET /v1/echo/z HTTP/1.1" 200' in capsys.readouterr().out


def test_an_event_goes_to_its_binding() -> None:
    from rt_events import CALLS, REPORTED

    CALLS.clear()
    REPORTED.clear()
    rt = Runtime(None, events=BINDINGS, exception_handler="rt_events.report")
    context = FakeContext()
    assert rt.handle_event("nightly", {"tick": 1}, context) == "done"
    assert CALLS == [("scheduled", {"tick": 1})]
    assert rt.handle_event("keep-warm", {}) == {"lw": "warm"}
    with pytest.raises(ValueError, match="on purpose"):
        rt.handle_event("broken", {"x": 1}, context)
    assert [type(e) for e in REPORTED] == [ValueError]
    with pytest.raises(UnroutableEvent, match="no binding named 'nope'"):
        rt.handle_event("nope", {})


def test_a_command_goes_through_the_gate() -> None:
    rt = Runtime(None)
    assert rt.handle_command({"function": "rt_events.add", "payload": {"a": 2, "b": 5}}) == {
        "result": 7,
        "output": "adding {'a': 2, 'b': 5}\n",
    }


@pytest.mark.parametrize(
    "command",
    [{"raw": "import os; os.system('id')"}, {"function": "os.system", "payload": "id"}, "not a document"],
    ids=["raw", "stdlib-function", "not-an-object"],
)
def test_a_command_the_gate_refuses_is_an_error_document(command: Any) -> None:
    result = Runtime(None).handle_command(command)
    assert "error" in result
    assert "result" not in result


def test_load_reads_the_settings_once_and_never_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LW_API_TEST_SEEN", "")
    settings = tmp_path / api.SETTINGS_FILE
    settings.write_text(
        json.dumps(
            {
                "app_function": "rt_flask_app.app",
                "environment_variables": {"LW_API_TEST_SEEN": "yes"},
                "log_requests": False,
                "events": BINDINGS,
            }
        )
    )
    rt = load(str(settings))
    assert load(str(settings)) is rt
    assert rt.init_error is None
    assert rt.handle_http(HttpRequest("GET", "/hello")).body == b"hello"
    import os

    assert os.environ["LW_API_TEST_SEEN"] == "yes"

    broken = tmp_path / "broken" / api.SETTINGS_FILE
    broken.parent.mkdir()
    broken.write_text(json.dumps({"app_function": "rt_broken_app.app", "log_requests": False}))
    failed = load(str(broken))
    assert failed.init_error and "rt_broken_app" in failed.init_error
    assert failed.handle_http(HttpRequest("GET", "/")).status == 500


def test_the_default_settings_path_is_the_package_root() -> None:
    root = Path(api.__file__).resolve().parents[2]
    assert api.default_settings_path() == str(root / "lw_settings.json")


def test_every_public_name_is_documented() -> None:
    section = DOCS.read_text().split("## Runtime API for providers", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in api.__all__ if not re.search(rf"`{name}\b", section)]
    assert not missing, f"undocumented in docs/runtime.md: {missing}"
