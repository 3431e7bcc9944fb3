"""Request-body framing of the local front door, without sockets (the attack suite in
tests/security/test_local_front_door.py sends the same shapes over a real connection)."""

from __future__ import annotations

import gzip
import io
import zlib
from email.message import Message

import pytest

from lw.providers.local.framing import BadRequest, framing_of, read_body


def headers(*pairs: tuple[str, str]) -> Message:
    message = Message()
    for name, value in pairs:
        message[name] = value
    return message


def test_plain_and_empty_bodies() -> None:
    assert read_body(io.BytesIO(b"hello"), framing_of(headers(("Content-Length", "5")))) == b"hello"
    assert read_body(io.BytesIO(b""), framing_of(headers())) == b""


def test_chunked_with_extensions_and_trailers() -> None:
    stream = io.BytesIO(b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT")
    assert read_body(stream, framing_of(headers(("Transfer-Encoding", "chunked")))) == b"hello world"
    assert stream.read() == b"NEXT"  # the next request on the connection is left alone


@pytest.mark.parametrize("coding, encode", [("gzip", gzip.compress), ("deflate", zlib.compress)])
def test_codings_before_chunked_are_undone(coding, encode) -> None:
    packed = encode(b"x" * 1000)
    stream = io.BytesIO(f"{len(packed):x}\r\n".encode() + packed + b"\r\n0\r\n\r\n")
    framing = framing_of(headers(("Transfer-Encoding", f"{coding}, chunked")))
    assert read_body(stream, framing, limit=2000) == b"x" * 1000


@pytest.mark.parametrize(
    "pairs, status",
    [
        ((("Content-Length", "x"),), 400),
        ((("Content-Length", "-1"),), 400),
        ((("Content-Length", "+5"),), 400),
        ((("Content-Length", "5"), ("Content-Length", "7")), 400),
        ((("Content-Length", "99999999999999999999"),), 400),
        ((("Transfer-Encoding", "chunked"), ("Content-Length", "3")), 400),
        ((("Transfer-Encoding", "gzip"),), 400),
        ((("Transfer-Encoding", "chunked, chunked"),), 400),
        ((("Transfer-Encoding", "compress, chunked"),), 501),
        ((("Content-Length", "11"),), 413),
    ],
)
def test_framing_headers_a_proxy_must_refuse(pairs, status) -> None:
    with pytest.raises(BadRequest) as caught:
        framing_of(headers(*pairs), limit=10)
    assert caught.value.status == status


@pytest.mark.parametrize(
    "stream, status",
    [
        (b"zz\r\nhello\r\n0\r\n\r\n", 400),
        (b"5\r\nhel", 400),  # the client stopped mid-chunk
        (b"2\r\nhello\r\n0\r\n\r\n", 400),
        (b"ffffffffffffffffff\r\n", 400),
        (b"b\r\nhello world\r\n0\r\n\r\n", 413),
    ],
)
def test_bad_chunk_streams(stream, status) -> None:
    with pytest.raises(BadRequest) as caught:
        read_body(io.BytesIO(stream), framing_of(headers(("Transfer-Encoding", "chunked"))), limit=10)
    assert caught.value.status == status


def test_a_gzip_bomb_stops_at_the_limit() -> None:
    bomb = gzip.compress(b"\0" * 10_000_000)
    stream = io.BytesIO(f"{len(bomb):x}\r\n".encode() + bomb + b"\r\n0\r\n\r\n")
    with pytest.raises(BadRequest) as caught:
        read_body(stream, framing_of(headers(("Transfer-Encoding", "gzip, chunked"))), limit=1_000_000)
    assert caught.value.status == 413
