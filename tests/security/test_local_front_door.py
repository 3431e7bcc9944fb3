"""A hostile HTTP client against the local provider's front door (issue 10, items 8 and 12).

Everything here talks raw sockets to a real local deployment, because the attacks are
about framing that ordinary clients never produce: bodies that lie about their length,
chunk sizes that are not hex, transfer codings stacked before ``chunked``, headers only
the front door may set, bodies over Lambda's payload limit and clients that never finish.
"""

from __future__ import annotations

import gzip
import json
import socket
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers" / "local"))

from localrun import Deployment, run_lw  # noqa: E402

# Echoes what the app received: the body's size and start, the URL it thinks it has, and
# the framing headers (which must never reach it: the body it gets is complete).
APP = """
import hashlib, json

def app(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    seen = {
        "length": len(body), "sha256": hashlib.sha256(body).hexdigest(), "start": body[:40].decode("latin-1"),
        "scheme": environ["wsgi.url_scheme"], "host": environ.get("HTTP_HOST"),
        "server_port": environ.get("SERVER_PORT"), "remote_addr": environ.get("REMOTE_ADDR"),
        "transfer_encoding": environ.get("HTTP_TRANSFER_ENCODING"), "content_length": environ.get("CONTENT_LENGTH"),
        "forwarded_proto": environ.get("HTTP_X_FORWARDED_PROTO"),
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen).encode()]
"""

CLIENT_TIMEOUT = 1


@pytest.fixture(scope="module")
def door(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    project = tmp_path_factory.mktemp("front-door") / "echo"
    project.mkdir()
    (project / "app.py").write_text(APP)
    (project / "requirements.txt").write_text("")
    (project / "lw.yml").write_text(
        "dev:\n  project_name: echo\n  app_function: app.app\n"
        f"  local:\n    client_timeout_seconds: {CLIENT_TIMEOUT}\n    concurrency: 2\n"
    )
    cache = tmp_path_factory.getbasetemp() / "lw-cache"
    cache.mkdir(exist_ok=True)
    deployment = Deployment(project=project, env={"LW_CACHE_DIR": str(cache), "CI": "1"})
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr
    yield deployment
    deployment.cleanup()


def _address(deployment: Deployment) -> tuple[str, int]:
    host, _, port = deployment.url.removeprefix("http://").partition(":")
    return host, int(port)


def exchange(deployment: Deployment, raw: bytes, *, timeout: float = 10) -> tuple[int, bytes]:
    """Send ``raw`` as is; the status and body of the answer (0 if the server closed)."""
    with socket.create_connection(_address(deployment), timeout=timeout) as conn:
        conn.sendall(raw)
        data = b""
        while True:
            try:
                part = conn.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep:
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    None,
                )
                if length is not None and len(rest) >= length:
                    break
    if not data:
        return 0, b""
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), rest


def request(target: str, headers: list[str], body: bytes = b"", method: str = "POST") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def chunked(body: bytes, size: int = 1000) -> bytes:
    out = b""
    for start in range(0, len(body), size):
        piece = body[start : start + size]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def test_chunked_body_reaches_the_app_complete_without_framing_headers(door: Deployment) -> None:
    body = bytes(range(256)) * 40
    status, answer = exchange(
        door, request("/", ["Transfer-Encoding: chunked", "Content-Type: application/octet-stream"], chunked(body))
    )
    seen = json.loads(answer)
    assert status == 200
    assert seen["length"] == len(body) and seen["content_length"] == str(len(body))
    assert seen["transfer_encoding"] is None


def test_gzip_then_chunked_is_decoded_not_read_as_a_second_request(door: Deployment) -> None:
    text = b'{"hello": "world"}' * 100
    raw = request(
        "/", ["Transfer-Encoding: gzip, chunked", "Content-Type: application/json"], chunked(gzip.compress(text), 50)
    )
    status, answer = exchange(door, raw)
    assert status == 200
    seen = json.loads(answer)
    assert seen["length"] == len(text) and seen["start"] == text[:40].decode()


@pytest.mark.parametrize(
    "headers, body",
    [
        (["Content-Length: abc"], b"x"),
        (["Content-Length: -1"], b""),
        (["Content-Length: 5", "Content-Length: 6"], b"hello!"),
        (["Content-Length: 1e3"], b""),
        (["Transfer-Encoding: chunked"], b"zz\r\nhello\r\n0\r\n\r\n"),
        (["Transfer-Encoding: chunked"], b"-5\r\nhello\r\n0\r\n\r\n"),
        (["Transfer-Encoding: chunked"], b"3\r\nhello\r\n0\r\n\r\n"),  # chunk longer than its size
        (["Transfer-Encoding: chunked", "Content-Length: 5"], b"5\r\nhello\r\n0\r\n\r\n"),  # smuggling shape
        (["Transfer-Encoding: chunked, gzip"], b""),  # chunked not last
    ],
)
def test_malformed_framing_is_answered_400(door: Deployment, headers: list[str], body: bytes) -> None:
    status, answer = exchange(door, request("/", headers, body))
    assert status == 400, answer
    assert "message" in json.loads(answer)


def test_an_unknown_transfer_coding_is_501(door: Deployment) -> None:
    status, _ = exchange(door, request("/", ["Transfer-Encoding: br, chunked"], chunked(b"abc")))
    assert status == 501


def test_client_forwarded_headers_never_become_the_url(door: Deployment) -> None:
    status, answer = exchange(
        door,
        request(
            "/", ["X-Forwarded-Proto: javascript", "X-Forwarded-Port: 1", "X-Forwarded-For: 6.6.6.6"], method="GET"
        ),
    )
    seen = json.loads(answer)
    assert status == 200
    assert seen["scheme"] == "http" and seen["forwarded_proto"] == "http"
    assert seen["server_port"] == str(_address(door)[1])
    assert seen["remote_addr"] == "127.0.0.1"


def test_a_declared_body_over_6_mb_is_413_before_it_is_sent(door: Deployment) -> None:
    status, answer = exchange(door, request("/", [f"Content-Length: {7 * 1024 * 1024}"]))
    assert status == 413 and json.loads(answer) == {"message": "Request Entity Too Large"}


def test_a_chunked_body_growing_over_6_mb_is_413(door: Deployment) -> None:
    piece = b"a" * (1024 * 1024)
    stream = b"".join(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for _ in range(7)) + b"0\r\n\r\n"
    status, _ = exchange(door, request("/", ["Transfer-Encoding: chunked"], stream))
    assert status == 413


def test_a_gzip_bomb_is_413_not_expanded(door: Deployment) -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))
    status, _ = exchange(door, request("/", ["Transfer-Encoding: gzip, chunked"], chunked(bomb, 65536)))
    assert status == 413


def test_a_binary_body_under_6_mb_whose_event_is_over_is_413(door: Deployment) -> None:
    body = bytes(range(256)) * (5 * 1024 * 4)  # 5 MiB of binary: about 6.7 MiB once base64-encoded
    status, _ = exchange(door, request("/", [f"Content-Length: {len(body)}", "Content-Type: image/png"], body))
    assert status == 413


def test_a_body_under_the_limit_is_served(door: Deployment) -> None:
    body = b"x" * (2 * 1024 * 1024)
    status, answer = exchange(door, request("/", [f"Content-Length: {len(body)}", "Content-Type: text/plain"], body))
    assert status == 200 and json.loads(answer)["length"] == len(body)


@pytest.mark.parametrize(
    "raw",
    [
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",  # slowloris: headers never end
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nonly a few bytes",
        b"",  # connects and says nothing
    ],
)
def test_slow_clients_are_cut_after_the_client_timeout(door: Deployment, raw: bytes) -> None:
    with socket.create_connection(_address(door), timeout=CLIENT_TIMEOUT + 10) as conn:
        conn.sendall(raw)
        started = time.monotonic()
        try:
            while conn.recv(65536):
                pass
        except ConnectionResetError:
            pass
        waited = time.monotonic() - started
    assert waited < CLIENT_TIMEOUT + 5


def test_a_trickling_client_is_cut_by_the_deadline_not_per_read(door: Deployment) -> None:
    with socket.create_connection(_address(door), timeout=CLIENT_TIMEOUT + 10) as conn:
        started = time.monotonic()
        closed = False
        for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 200:
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(CLIENT_TIMEOUT / 4)
            if time.monotonic() - started > CLIENT_TIMEOUT + 5:
                break
        if not closed:
            conn.settimeout(1)
            try:
                closed = conn.recv(1) == b""
            except (ConnectionResetError, BrokenPipeError):
                closed = True
            except TimeoutError:
                closed = False
    assert closed and time.monotonic() - started < CLIENT_TIMEOUT + 5


def test_twenty_clients_connecting_at_once_are_all_accepted(door: Deployment) -> None:
    """The listen backlog: socketserver's default of 5 made the sixth client wait for a
    SYN retransmit (one second) instead of being queued."""
    connections = [socket.create_connection(_address(door), timeout=5) for _ in range(40)]
    try:
        for conn in connections:
            conn.sendall(request("/", [], method="GET"))
        started = time.monotonic()
        for conn in connections:
            assert conn.recv(12).startswith(b"HTTP/1.1 200")
        assert time.monotonic() - started < 10
    finally:
        for conn in connections:
            conn.close()


def test_an_impossible_port_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "lw.yml").write_text("dev:\n  project_name: port\n  app_function: app.app\n")
    result = run_lw(tmp_path, "deploy", "--provider", "local", "--port", "99999")
    assert result.returncode == 2
    assert "99999" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "lw.yml").write_text("dev:\n  project_name: port\n  app_function: app.app\n  local:\n    port: 70000\n")
    result = run_lw(tmp_path, "deploy", "--provider", "local")
    assert result.returncode == 2
    assert "local.port" in result.stderr and "70000" in result.stderr
