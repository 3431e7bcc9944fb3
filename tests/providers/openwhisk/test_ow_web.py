"""lw's web action over HTTP through the fake controller's web path.

The app is deployed with the real provider, the uploaded zip runs in a subprocess the
way the Python runtime runs it, and every request goes through the controller's
request->arguments and result->response rules (``fake_web.py``).
"""

from __future__ import annotations

import base64
import http.client
import json
import shutil
import zipfile
from pathlib import Path
from typing import Iterator

import pytest
import requests
from action_runner import ActionRunner
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk
from ow_helpers import deploy_app, make_app

from lw.core.model import EventBinding

HERE = Path(__file__).parent
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeOpenWhisk]:
    """One deployed stage for the module: the web app plus a trigger bound to an event function."""
    tmp = tmp_path_factory.mktemp("ow-web")
    runner = ActionRunner(tmp / "containers")
    fake = FakeOpenWhisk(runner=runner).start()
    project = tmp / "project"
    project.mkdir()
    shutil.copy(HERE / "apps" / "web_app.py", project / "web_app.py")
    events = (EventBinding(name="orders", function="web_app.on_event", kind="trigger", source="orders"),)
    deploy_app(make_app(project, fake, app_function="web_app.app", events=events), tmp)
    yield fake
    fake.stop()
    runner.close()
    assert fake.violations == []


@pytest.fixture
def web(cluster: FakeOpenWhisk) -> str:
    return cluster.web_url("shop-dev", "app")


def get(url: str, **kw) -> requests.Response:
    return requests.request(kw.pop("method", "GET"), url, timeout=30, allow_redirects=False, **kw)


# ---------------------------------------------------------------- issue #12, bugs 2-7


def test_response_over_one_mib_of_utf8_is_a_clear_502(cluster: FakeOpenWhisk, web: str) -> None:
    small = get(f"{web}/big?n=500000")  # 500,000 characters, 1,000,000 bytes of UTF-8
    assert small.status_code == 200 and small.content == "é".encode() * 500_000
    big = get(f"{web}/big?n=600000")  # 600,000 characters, 1.2 MB: the invoker would cut it
    assert big.status_code == 502
    assert big.text == "Bad Gateway: the response is larger than OpenWhisk allows (1 MiB)"
    logs = "\n".join(cluster.activations[-1]["logs"])
    assert "over OpenWhisk's limit of 1048576 bytes" in logs
    assert '/big?n=600000 HTTP/1.1" 502 ' in logs and '" 200 ' not in logs  # the access line tells the truth


def test_trigger_activation_hides_the_platform_keys_from_the_event_function(cluster: FakeOpenWhisk) -> None:
    status, _, _ = cluster.fire("shop-dev-orders", {"order": 7})  # fired as the alarms provider does, with the key
    assert status == 202
    activation = cluster.activations[-1]
    assert activation["response"]["status"] == "success", activation["response"]
    result = activation["response"]["result"]
    assert "__ow_headers" not in result["result"]["keys"] and "order" in result["result"]["keys"]
    assert "authorization" not in json.dumps(activation)


def test_undecodable_text_arrives_byte_exact(web: str) -> None:
    reply = get(f"{web}/as", params={"type": "text/plain; charset=utf-8", "hex": b"caf\xe9".hex()})
    assert reply.status_code == 200 and reply.content == b"caf\xe9"


def test_text_in_another_charset_arrives_as_the_same_text(web: str) -> None:
    reply = get(f"{web}/as", params={"type": "text/plain; charset=iso-8859-1", "hex": b"caf\xe9".hex()})
    assert reply.headers["Content-Type"] == "text/plain; charset=UTF-8"  # the controller re-encodes text
    assert reply.content.decode("utf-8") == "café"


@pytest.mark.parametrize(
    "content_type", ["text/x-scriptsh", "text/x-scriptperl", "text/x-server-parsed-html", "text/x-setext"]
)
def test_registered_text_types_travel_as_text(web: str, content_type: str) -> None:
    echo = get(f"{web}/echo", method="POST", data=b"abcd", headers={"Content-Type": content_type}).json()
    assert bytes.fromhex(echo["body_hex"]) == b"abcd"
    reply = get(f"{web}/as", params={"type": content_type, "hex": b"abcd".hex()})
    assert reply.content == b"abcd" and reply.headers["Content-Type"] == f"{content_type}; charset=UTF-8"


@pytest.mark.parametrize(
    "content_type",
    [
        "message/rfc822; charset=utf-8",
        "application/postscript; charset=utf-8",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document; charset=utf-8",
        "image/png",
    ],
)
def test_registered_binary_types_arrive_byte_exact_whatever_their_charset(web: str, content_type: str) -> None:
    reply = get(f"{web}/as", params={"type": content_type, "hex": PNG.hex()})
    assert reply.status_code == 200 and reply.content == PNG


@pytest.mark.parametrize("value", [b"true", b"null", b"1234", b'{"a": 1}'])
def test_json_with_parameters_is_not_mangled(web: str, value: bytes) -> None:
    reply = get(f"{web}/as", params={"type": "application/json; profile=x", "hex": value.hex()})
    assert reply.status_code == 200 and reply.content == value
    echo = get(f"{web}/echo", method="POST", data=value, headers={"Content-Type": "application/json; profile=x"}).json()
    assert bytes.fromhex(echo["body_hex"]) == value
    plain = get(f"{web}/as", params={"type": "application/json", "hex": value.hex()})
    assert plain.content == value and plain.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("content_type", ["nonsense", "text html", "text/"])
def test_unparsable_content_type_still_delivers_the_body(web: str, content_type: str) -> None:
    reply = get(f"{web}/as", params={"type": content_type, "hex": b"body".hex()})
    assert reply.status_code == 200 and reply.content == b"body"
    assert reply.headers["Content-Type"] == "application/octet-stream"


def test_bare_action_url_redirects_to_the_trailing_slash(web: str) -> None:
    bare = get(f"{web}?x=1")
    assert bare.status_code == 308 and bare.headers["Location"] == f"{web}/?x=1"
    root = requests.get(web, timeout=30)  # following it, as a browser would
    assert root.url == f"{web}/" and 'href="page"' in root.text


# ---------------------------------------------------------------- the web path's own rules (F1)


def test_requests_reach_the_app_as_the_controller_builds_them(cluster: FakeOpenWhisk, web: str) -> None:
    echo = get(f"{web}/echo?b=2&a=1;x&p=%2Fq&s=a+b&bad=%FF", headers={"Cookie": "k=v"}).json()
    assert echo["query"] == "b=2&a=1%3Bx&p=/q&s=a+b&bad=%EF%BF%BD"  # re-rendered by pekko
    assert echo["host"] == cluster.url.split("://")[1]  # lw_base_url, not nginx's "controllers"
    assert echo["cookie"] == "k=v"
    args = cluster.web.calls[-1]
    assert args["__ow_headers"]["host"] == "controllers" and "content-length" not in args["__ow_headers"]
    assert args["__ow_method"] == "get" and args["__ow_path"] == "/echo" and args["__ow_body"] == ""


@pytest.mark.parametrize(
    "content_type, sent_as",
    [
        ("application/json", "base64"),
        ("application/json; charset=utf-8", "base64"),
        ("application/json; profile=x", "text"),
        ("text/plain", "text"),
        ("text/javascript", "base64"),  # not registered and no charset: binary
        ("text/javascript; charset=utf-8", "text"),
        ("multipart/form-data; boundary=x", "base64"),
        (None, "base64"),
    ],
)
def test_request_body_encoding(cluster: FakeOpenWhisk, web: str, content_type: str | None, sent_as: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    echo = get(f"{web}/echo", method="PUT", data=b"1234", headers=headers).json()
    assert bytes.fromhex(echo["body_hex"]) == b"1234"
    body = cluster.web.calls[-1]["__ow_body"]
    assert body == ("MTIzNA==" if sent_as == "base64" else "1234")


def test_platform_limits(web: str) -> None:
    assert get(f"{web}/echo", method="POST", data=b"x" * (1024 * 1024 + 1)).status_code == 413
    netloc, _, path = web.split("://", 1)[1].partition("/")
    for illegal in ("[", "]", "{", "}", "|", "^"):
        for target in (f"/{path}/echo?q={illegal}", f"/{path}/echo/{illegal}"):
            connection = http.client.HTTPConnection(netloc, timeout=30)
            connection.request("GET", target)  # sent raw, as a non-browser client may
            assert connection.getresponse().status == 400, target
            connection.close()


def test_responses_as_the_controller_shapes_them(web: str) -> None:
    cookies = get(f"{web}/cookies")
    assert cookies.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert cookies.headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert cookies.headers["x-openwhisk-activation-id"]
    assert "Access-Control-Allow-Origin" not in cookies.headers  # web-custom-options: the app decides
    empty = get(f"{web}/empty")
    assert empty.status_code == 204 and "Content-Type" not in empty.headers
    head = get(f"{web}/cookies", method="HEAD")
    assert head.status_code == 200 and "Content-Type" not in head.headers


# ---------------------------------------------------------------- the fake's result rules, with a bare action


RESULTS_ACTION = """
import json
RESULTS = json.loads(open("results.json").read())
def main(args):
    return RESULTS[args["__ow_path"].strip("/")]
"""

RESULTS = {
    "ok": {"statusCode": "201", "headers": {"X-Many": ["a", 1, True]}, "body": "hi"},
    "json-body": {"body": {"a": 1}},
    "json-body-as-html": {"headers": {"Content-Type": "text/html"}, "body": {"a": 1}},
    "bad-header": {"headers": {"X": {"nested": 1}}, "body": "x"},
    "bad-status": {"statusCode": 12.5, "body": "x"},
    "bad-base64": {"headers": {"Content-Type": "image/png"}, "body": "not base64!"},
    "bad-type": {"headers": {"Content-Type": "nonsense"}, "body": "x"},
    "app-error": {"error": {"statusCode": 418, "body": "teapot"}},
    "error-null": {"order": 7, "error": None},
    "json-looks-base64": {"headers": {"Content-Type": "application/json"}, "body": "true"},
    "no-body": {"statusCode": 200, "headers": {"Content-Type": "text/html"}},
    "not-an-object": [1, 2],
}


@pytest.fixture(scope="module")
def results_url(cluster: FakeOpenWhisk, tmp_path_factory: pytest.TempPathFactory) -> str:
    archive = tmp_path_factory.mktemp("results") / "results.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("__main__.py", RESULTS_ACTION)
        zf.writestr("results.json", json.dumps(RESULTS))
    body = {
        "exec": {"kind": "python:3.11", "code": base64.b64encode(archive.read_bytes()).decode()},
        "annotations": [{"key": "web-export", "value": True}, {"key": "raw-http", "value": True}],
    }
    reply = requests.put(
        f"{cluster.url}/api/v1/namespaces/_/actions/results",
        json=body,
        params={"overwrite": "true"},
        auth=tuple(GUEST_AUTH.split(":", 1)),
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    return cluster.web_url("", "results")


@pytest.mark.parametrize(
    "case, status, body",
    [
        ("ok", 201, b"hi"),
        ("json-body", 200, b'{"a":1}'),
        ("json-body-as-html", 400, "Response type in header did not match generated content type."),
        ("bad-header", 400, "Response is not valid 'message/http'."),
        ("bad-status", 400, "Response is not valid 'message/http'."),
        ("bad-base64", 400, "Response type in header did not match generated content type."),
        ("bad-type", 400, "Response did not specify a known content-type."),
        ("app-error", 418, b"teapot"),
        ("error-null", 400, "Response is not valid 'message/http'."),  # an application error whose error is null
        ("json-looks-base64", 200, base64.b64decode("true")),
        ("no-body", 200, b""),
        ("not-an-object", 400, "Response is not valid 'message/http'."),
    ],
)
def test_fake_result_rules(results_url: str, case: str, status: int, body) -> None:
    reply = get(f"{results_url}/{case}")
    assert reply.status_code == status
    if isinstance(body, bytes):
        assert reply.content == body
    else:
        assert reply.json()["error"] == body
    if case == "ok":
        assert reply.raw.headers.getlist("X-Many") == ["a", "1", "true"]
    if case == "no-body":
        assert "Content-Type" not in reply.headers
    if case == "app-error":
        assert reply.headers["Content-Type"] == "text/html; charset=UTF-8"
