"""A stdlib WSGI app for the web-path tests: each route answers one case the controller
treats specially (sizes, charsets, media types, the app's root)."""

import json
from urllib.parse import parse_qs


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    query = environ.get("QUERY_STRING", "")
    if path == "/":
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [b'<a href="page">relative link</a>']
    if path == "/echo":
        payload = {
            "method": environ["REQUEST_METHOD"],
            "query": query,
            "content_type": environ.get("CONTENT_TYPE", ""),
            "body_hex": body.hex(),
            "host": environ.get("HTTP_HOST"),
            "cookie": environ.get("HTTP_COOKIE"),
        }
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(payload).encode()]
    if path == "/as":  # answer ?type=... with the bytes of ?hex=...
        params = {k: v[0] for k, v in parse_qs(query).items()}
        start_response("200 OK", [("Content-Type", params["type"])])
        return [bytes.fromhex(params.get("hex", ""))]
    if path == "/big":
        count = int(query.partition("=")[2] or 600000)
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return ["é".encode() * count]
    if path == "/cookies":
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")]
        )
        return [b"two cookies"]
    if path == "/empty":
        start_response("204 No Content", [("Content-Type", "text/html")])
        return [b""]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


def on_event(event, context):
    print("event keys", sorted(event))
    return {"keys": sorted(event), "order": 7, "error": None}
