"""A stdlib-only WSGI app exercising what web actions must carry: methods, JSON,
forms, binary uploads, several cookies, redirects and absolute URLs."""

import json
from urllib.parse import parse_qs


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    method = environ["REQUEST_METHOD"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    if path == "/redirect":
        start_response("302 Found", [("Location", wsgi_url(environ) + "/target")])
        return [b""]
    if path == "/cookies":
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")]
        )
        return [b"cookies"]
    if path == "/binary":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [bytes(range(256))]
    if path == "/upload":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"size": len(body), "first": body[:4].hex(), "type": environ.get("CONTENT_TYPE")}).encode()]
    if path == "/form":
        fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(fields).encode()]
    payload = {
        "method": method,
        "path": path,
        "query": environ.get("QUERY_STRING", ""),
        "script_name": environ.get("SCRIPT_NAME", ""),
        "host": environ.get("HTTP_HOST", ""),
        "url": wsgi_url(environ),
        "json": json.loads(body) if environ.get("CONTENT_TYPE") == "application/json" and body else None,
        "cookie": environ.get("HTTP_COOKIE"),
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(payload).encode()]


def wsgi_url(environ):
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    return f"{environ['wsgi.url_scheme']}://{host}{environ.get('SCRIPT_NAME', '')}"


def on_event(event, context):
    print("event received", event.get("lw_binding"))
    return {"handled": event.get("lw_binding"), "keys": sorted(event)}


def echo(payload, context=None):
    print("echo called")
    return {"echo": payload}
