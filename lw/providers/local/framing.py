"""Reading an HTTP/1.1 request body the way a strict front door does.

The local runtime's servers are ``http.server`` handlers, which parse the request line
and headers but leave the body to the handler. This module reads it: ``Content-Length``
or chunked framing (with ``gzip``/``deflate`` transfer codings before ``chunked``), a
size limit checked before and while reading, and a deadline for the whole request, so a
slow or lying client is answered (400, 411, 413, 501) or cut off instead of holding a
thread for ever. The body it returns is complete and decoded: the transfer coding is a
hop-by-hop matter the app never sees, as behind API Gateway.
"""

from __future__ import annotations

import socket
import time
import zlib
from dataclasses import dataclass
from email.message import Message
from io import BufferedIOBase

# A chunk-size line is hex digits plus optional extensions; anything longer is abuse.
_MAX_LINE = 4096
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class BadRequest(Exception):
    """The request cannot be read: answer ``status`` with ``message`` and close."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Framing:
    """How the body is delimited, decided from the headers alone (before reading)."""

    chunked: bool
    length: int
    codings: tuple[str, ...] = ()


def framing_of(headers: Message, *, limit: int | None = None) -> Framing:
    """Validate the framing headers; raises BadRequest for what a proxy must refuse.

    Both ``Transfer-Encoding`` and ``Content-Length`` on one request is the classic
    request-smuggling shape, so it is refused rather than resolved.
    """
    encodings = [
        part.strip().lower()
        for value in headers.get_all("Transfer-Encoding") or []
        for part in value.split(",")
        if part.strip()
    ]
    lengths = headers.get_all("Content-Length") or []
    if encodings:
        if lengths:
            raise BadRequest(400, "Transfer-Encoding and Content-Length together")
        if encodings[-1] != "chunked" or encodings.count("chunked") != 1:
            raise BadRequest(400, "chunked must be the final transfer coding")
        unknown = [coding for coding in encodings[:-1] if coding not in _DECODERS]
        if unknown:
            raise BadRequest(501, f"unsupported transfer coding {unknown[0]}")
        return Framing(chunked=True, length=-1, codings=tuple(encodings[:-1]))
    if not lengths:
        return Framing(chunked=False, length=0)
    values = {value.strip() for value in lengths}
    if len(values) != 1:
        raise BadRequest(400, "conflicting Content-Length values")
    value = values.pop()
    if not value.isdigit() or not value.isascii() or len(value) > 18:
        raise BadRequest(400, "invalid Content-Length")
    length = int(value)
    if limit is not None and length > limit:
        raise BadRequest(413, "Request Entity Too Large")
    return Framing(chunked=False, length=length)


class DeadlineReader:
    """A socket file whose reads all end by one deadline (the socket timeout is set to
    what is left before each read), so a client that trickles bytes is cut as surely
    as one that sends nothing."""

    def __init__(self, raw: BufferedIOBase, connection: socket.socket, seconds: float) -> None:
        self.raw = raw
        self.connection = connection
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def restart(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def _arm(self) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the client did not send its request in time")
        self.connection.settimeout(remaining)

    def readline(self, limit: int = -1) -> bytes:
        self._arm()
        return self.raw.readline(limit)

    def read(self, size: int = -1) -> bytes:
        self._arm()
        return self.raw.read(size)

    def __getattr__(self, name: str) -> object:
        return getattr(self.raw, name)


def read_body(rfile: BufferedIOBase, framing: Framing, *, limit: int | None = None) -> bytes:
    """The complete body; raises BadRequest (malformed, too large) or OSError (the
    client went away or ran out of time)."""
    if not framing.chunked:
        if not framing.length:
            return b""
        body = _read_exactly(rfile, framing.length)
        return body
    body = _read_chunks(rfile, limit)
    for coding in reversed(framing.codings):
        body = _decode(body, coding, limit)
    return body


def _read_exactly(rfile: BufferedIOBase, size: int) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining:
        part = rfile.read(min(remaining, 1 << 20))
        if not part:
            raise BadRequest(400, "the body is shorter than its Content-Length")
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def _read_chunks(rfile: BufferedIOBase, limit: int | None) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        line = rfile.readline(_MAX_LINE + 1)
        if not line.endswith(b"\n") or len(line) > _MAX_LINE:
            raise BadRequest(400, "invalid chunk size line")
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or len(size_text) > 16 or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
            raise BadRequest(400, "invalid chunk size")
        size = int(size_text, 16)
        if size == 0:
            _skip_trailers(rfile)
            return b"".join(chunks)
        total += size
        if limit is not None and total > limit:
            raise BadRequest(413, "Request Entity Too Large")
        chunks.append(_read_exactly(rfile, size))
        if rfile.readline(3) not in (b"\r\n", b"\n"):
            raise BadRequest(400, "a chunk is longer than its size")


def _skip_trailers(rfile: BufferedIOBase) -> None:
    for _ in range(100):
        line = rfile.readline(_MAX_LINE + 1)
        if line in (b"\r\n", b"\n", b""):
            return
        if not line.endswith(b"\n"):
            raise BadRequest(400, "invalid trailer")
    raise BadRequest(400, "too many trailers")


def _decode(body: bytes, coding: str, limit: int | None) -> bytes:
    """Undo one transfer coding, refusing a decompression bomb past ``limit``."""
    decoder = zlib.decompressobj(_DECODERS[coding])
    try:
        out = decoder.decompress(body, (limit + 1) if limit is not None else 0)
    except zlib.error:
        raise BadRequest(400, f"the body is not valid {coding}") from None
    if limit is not None and (len(out) > limit or decoder.unconsumed_tail):
        raise BadRequest(413, "Request Entity Too Large")
    if not decoder.eof:
        raise BadRequest(400, f"the body is truncated {coding}")
    return out
