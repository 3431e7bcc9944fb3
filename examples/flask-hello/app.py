"""The README quickstart: a plain Flask app that knows nothing about lw.

It exercises the three things a WSGI-to-event bridge most often gets wrong: cookies
(several Set-Cookie headers on one response), binary bodies (a PNG) and JSON bodies
going both ways.
"""

from __future__ import annotations

import struct
import zlib

from flask import Flask, jsonify, make_response, request

app = Flask(__name__)


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG built with the standard library, so the example needs no Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")


def _visits() -> int:
    """The visits cookie as a number; a client can send anything, so junk counts as 0."""
    value = request.cookies.get("visits", "0")
    return int(value) if value.isdigit() and len(value) < 10 else 0


@app.get("/")
def hello():
    name = request.args.get("name", "world")
    return jsonify(message=f"Hello, {name}!", visits=_visits())


@app.get("/cookies")
def cookies():
    """Two cookies on one response: API Gateway v1 needs multiValueHeaders for this."""
    visits = _visits() + 1
    response = make_response(jsonify(visits=visits))
    response.set_cookie("visits", str(visits))
    response.set_cookie("flavour", "oatmeal", httponly=True)
    return response


@app.get("/logo.png")
def logo():
    response = make_response(_png(16, 16, (200, 40, 40)))
    response.headers["Content-Type"] = "image/png"
    return response


@app.post("/echo")
def echo():
    """Returns the JSON body it received, so a test can check it survives the trip."""
    payload = request.get_json(silent=True)
    if payload is None:
        return jsonify(error="send a JSON body"), 400
    return jsonify(received=payload, method=request.method, path=request.path)


if __name__ == "__main__":
    app.run(debug=True)
