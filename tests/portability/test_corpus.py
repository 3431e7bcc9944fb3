"""The portability corpus: one app, one list of requests, four ways to serve it.

* plain WSGI (wsgiref), the reference;
* the AWS shim behind an API Gateway REST front door (the local gateway's event and
  response translation, in process);
* OpenWhisk: deployed by lw into the fake controller and reached over HTTP through its
  web path, which runs the uploaded zip as the Python runtime does;
* the local provider (``lw deploy --provider local``, Lambda's runtime interface).

Every answer must match the reference in status, body and the headers an app controls,
apart from the platform differences docs/openwhisk.md documents, which ``normalise``
spells out one by one.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import wsgiref.simple_server
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

HERE = Path(__file__).parent
TESTS = HERE.parent
for helper_dir in (HERE, TESTS / "providers" / "openwhisk", TESTS / "providers" / "local"):
    if str(helper_dir) not in sys.path:
        sys.path.insert(0, str(helper_dir))

from action_runner import ActionRunner  # noqa: E402
from fake_openwhisk import FakeOpenWhisk  # noqa: E402
from localrun import Deployment  # noqa: E402
from ow_helpers import build_artifact, make_app, make_ctx  # noqa: E402

import corpus_app  # noqa: E402
from lw.core.plan import Plan, apply_plan  # noqa: E402
from lw.providers.local import gateway  # noqa: E402
from lw.providers.openwhisk import plugin  # noqa: E402
from lw.runtime.aws import make_handler  # noqa: E402
from lw.runtime.media_types import is_binary, split_content_type  # noqa: E402

MULTIPART = (
    b'--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n\x00\x01\xfe\xff\r\n--XyZ--\r\n"
)


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    target: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    compare_text: bool = False  # text whose charset a platform may change: compare the characters


CORPUS = [
    Case("root", "GET", "/"),
    Case("text", "GET", "/hello"),
    Case("repeated-query", "GET", "/echo?a=1&a=2&b=x"),
    Case("non-ascii-query", "GET", "/echo?q=%C3%A9t%C3%A9&empty=&flag"),
    Case("json-upload", "POST", "/echo", {"Content-Type": "application/json"}, b'{"n": [1, 2], "s": "\xc3\xa9"}'),
    Case("form-upload", "POST", "/echo", {"Content-Type": "application/x-www-form-urlencoded"}, b"a=1&b=x+y&c=%C3%A9"),
    Case("binary-upload", "POST", "/echo", {"Content-Type": "application/octet-stream"}, bytes(range(256))),
    Case("multipart-upload", "POST", "/echo", {"Content-Type": "multipart/form-data; boundary=XyZ"}, MULTIPART),
    Case("put-text", "PUT", "/echo", {"Content-Type": "text/plain; charset=utf-8"}, "naïve ✓".encode()),
    Case("delete", "DELETE", "/echo"),
    Case("patch-json-profile", "PATCH", "/echo", {"Content-Type": "application/json; profile=x"}, b"null"),
    Case("script-upload", "POST", "/echo", {"Content-Type": "text/x-scriptsh"}, b"abcd"),
    Case("non-ascii-path", "GET", "/echo/caf%C3%A9/%E2%9C%93"),
    Case("request-headers", "GET", "/echo", {"Cookie": "k=v; other=2", "X-Custom": "yes"}),
    Case("two-cookies", "GET", "/cookies"),
    Case("redirect", "GET", "/redirect"),
    Case("png", "GET", "/png"),
    Case("json-unicode", "GET", "/json-unicode"),
    Case("json-profile", "GET", "/json-profile"),
    Case("script", "GET", "/script"),
    Case("latin1-text", "GET", "/latin1", compare_text=True),
    Case("no-content", "GET", "/empty"),
    Case("custom-status", "GET", "/custom-status"),
    Case("not-found", "GET", "/nope"),
    Case("head", "HEAD", "/hello"),
]
COMPARED_HEADERS = ("content-type", "location", "set-cookie", "cache-control", "x-tea")


@dataclass
class Answer:
    status: int
    headers: dict[str, list[str]]
    body: bytes


def ask(base: str, case: Case) -> Answer:
    reply = requests.request(
        case.method, base + case.target, headers=case.headers, data=case.body or None, allow_redirects=False, timeout=60
    )
    headers: dict[str, list[str]] = {}
    for name in COMPARED_HEADERS:
        values = reply.raw.headers.getlist(name)
        if values:
            headers[name] = values
    return Answer(reply.status_code, headers, reply.content)


def app_base(base: str) -> str:
    """The URL of the app's root as the app itself sees it there (host and SCRIPT_NAME)."""
    return str(json.loads(ask(base, Case("probe", "GET", "/echo")).body)["url"])[: -len("/echo")]


def normalise(answer: Answer, bases: tuple[str, str], case: Case, platform: str) -> Answer:
    """The answer with each documented platform difference taken out.

    ``bases`` are the URL the client used and the one the app sees: hosts differ by
    nature, so absolute URLs are compared relative to them.
    """
    body, headers = answer.body, dict(answer.headers)
    for base in bases:
        body = body.replace(base.encode(), b"{base}")
        headers = {k: [v.replace(base, "{base}") for v in vs] for k, vs in headers.items()}
    if "content-type" in headers:
        mime, params = split_content_type(headers["content-type"][0])
        if case.compare_text:
            # OpenWhisk re-encodes text as UTF-8 (docs/openwhisk.md): compare the characters.
            body = body.decode(params.get("charset", "utf-8")).encode("utf-8")
            params.pop("charset", None)
        elif not is_binary(headers["content-type"][0]) and mime != "application/json" and not mime.endswith("+json"):
            # OpenWhisk labels every text response with its (UTF-8) charset.
            params.setdefault("charset", "utf-8")
        rendered = mime + "".join(f"; {k}={v.lower() if k == 'charset' else v}" for k, v in sorted(params.items()))
        headers["content-type"] = [rendered]
    if platform == "openwhisk" and body.startswith(b"{") and b'"content_type"' in body:
        # pekko re-renders the request's Content-Type (charset names in upper case).
        echoed = json.loads(body)
        echoed["content_type"] = echoed["content_type"].replace("charset=UTF-8", "charset=utf-8")
        body = json.dumps(echoed, sort_keys=True).encode()
    if body.startswith(b"{") and b'"query"' in body:
        # API Gateway REST passes parsed parameters, so a bare key comes back as "key="
        # (docs/runtime.md: query values are re-encoded): queries compare in that form.
        echoed = json.loads(body)
        echoed["query"] = (
            "&".join(p if "=" in p else p + "=" for p in echoed["query"].split("&")) if echoed["query"] else ""
        )
        body = json.dumps(echoed, sort_keys=True).encode()
    if case.method == "HEAD":
        headers.pop("content-type", None)  # OpenWhisk sends no entity headers for HEAD
        body = b""
    return Answer(answer.status, headers, body)


# ---------------------------------------------------------------- the four ways to serve it


def serve_wsgi() -> tuple[str, Any]:
    class QuietHandler(wsgiref.simple_server.WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def get_environ(self) -> dict[str, Any]:
            environ = super().get_environ()
            if self.headers.get("content-type") is None:
                del environ["CONTENT_TYPE"]  # wsgiref's own "text/plain" default, not the client's
            return environ

    server = wsgiref.simple_server.make_server("127.0.0.1", 0, corpus_app.app, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


class _Context:
    function_name = "corpus-dev"
    aws_request_id = "req"
    memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def serve_aws_shim() -> tuple[str, Any]:
    """API Gateway REST (stage ``dev``) in front of ``make_handler``."""
    handler = make_handler(corpus_app.app, log_requests=False)
    holder: dict[str, Any] = {}

    class Door(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            target = self.path[len("/dev") :] or "/"
            request = gateway.HttpRequest(self.command, target, list(self.headers.items()), raw)
            result = handler(gateway.to_event(request, holder["door"]), _Context())
            reply = gateway.from_result(json.dumps(result).encode(), holder["door"])
            self.send_response(reply.status)
            for name, value in reply.headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Door)
    server.daemon_threads = True
    holder["door"] = gateway.FrontDoor("v1", "dev", f"127.0.0.1:{server.server_address[1]}")
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/dev", server


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("corpus")
    project = tmp / "project"
    project.mkdir()
    shutil.copy(HERE / "corpus_app.py", project / "corpus_app.py")
    (project / "lw.yml").write_text(
        "dev:\n  project_name: corpus\n  app_function: corpus_app.app\n  keep_warm: false\n"
    )

    wsgi_base, wsgi_server = serve_wsgi()
    aws_base, aws_server = serve_aws_shim()

    runner = ActionRunner(tmp / "containers")
    fake = FakeOpenWhisk(runner=runner).start()
    ctx = make_ctx(make_app(project, fake, project_name="corpus", app_function="corpus_app.app"))
    plan = Plan()
    plan.extend(plugin.lw_deploy(ctx=ctx, artifact=build_artifact(ctx, tmp)))
    apply_plan(plan)

    cache = tmp_path_factory.getbasetemp() / "lw-cache"
    cache.mkdir(exist_ok=True)
    local = Deployment(project=project, env={"LW_CACHE_DIR": str(cache), "CI": "1"})
    deployed = local.deploy()
    try:
        assert deployed.returncode == 0, deployed.stderr
        yield {
            "wsgi": wsgi_base,
            "aws": aws_base,
            "openwhisk": fake.web_url("corpus-dev", "app"),
            "local": local.url.rstrip("/"),
        }
    finally:
        local.cleanup()
        fake.stop()
        runner.close()
        for server in (wsgi_server, aws_server):
            server.shutdown()
            server.server_close()
    assert fake.violations == []


@pytest.fixture(scope="module")
def app_bases(bases: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {platform: (base, app_base(base)) for platform, base in bases.items()}


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_same_answers_everywhere(bases: dict[str, str], app_bases: dict[str, tuple[str, str]], case: Case) -> None:
    reference = normalise(ask(bases["wsgi"], case), app_bases["wsgi"], case, "wsgi")
    for platform in ("aws", "openwhisk", "local"):
        answer = normalise(ask(bases[platform], case), app_bases[platform], case, platform)
        assert (platform, answer.status, answer.headers, answer.body) == (
            platform,
            reference.status,
            reference.headers,
            reference.body,
        )
