"""The portability corpus's app: plain stdlib WSGI, answering each kind of request the
providers must carry unchanged (see test_corpus.py)."""

import json

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63fccf54000003010101a5e2e0b20000000049454e44ae426082"
)


def base_url(environ):
    host = environ.get("HTTP_HOST") or environ["SERVER_NAME"]
    return f"{environ['wsgi.url_scheme']}://{host}{environ.get('SCRIPT_NAME', '')}"


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    method = environ["REQUEST_METHOD"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""

    def answer(status, content_type, payload, *extra):
        start_response(status, [("Content-Type", content_type), *extra])
        return [payload]

    if path == "/":
        return answer("200 OK", "text/html; charset=utf-8", b'<a href="hello">hello</a>')
    if path == "/hello":
        return answer("200 OK", "text/plain; charset=utf-8", "hello, wörld ✓".encode())
    if path == "/echo" or path.startswith("/echo/"):
        payload = {
            "method": method,
            "path": path.encode("latin-1").decode("utf-8", "replace"),
            "query": environ.get("QUERY_STRING", ""),
            "content_type": environ.get("CONTENT_TYPE", ""),
            "body": body.hex(),
            "cookie": environ.get("HTTP_COOKIE"),
            "x_custom": environ.get("HTTP_X_CUSTOM"),
            "url": base_url(environ) + path,
        }
        return answer("200 OK", "application/json", json.dumps(payload, sort_keys=True).encode())
    if path == "/cookies":
        return answer(
            "200 OK",
            "text/plain; charset=utf-8",
            b"two cookies",
            ("Set-Cookie", "a=1; Path=/"),
            ("Set-Cookie", "b=2; Path=/; HttpOnly"),
        )
    if path == "/redirect":
        start_response(
            "302 Found", [("Location", base_url(environ) + "/hello"), ("Content-Type", "text/plain; charset=utf-8")]
        )
        return [b"moved"]
    if path == "/png":
        return answer("200 OK", "image/png", PNG, ("Cache-Control", "max-age=60"))
    if path == "/json-unicode":
        return answer(
            "200 OK", "application/json", json.dumps({"name": "Zoë", "emoji": "🙂"}, ensure_ascii=False).encode()
        )
    if path == "/json-profile":
        return answer("200 OK", "application/json; profile=x", b"true")
    if path == "/script":
        return answer("200 OK", "text/x-scriptsh", b"echo hi\n")
    if path == "/latin1":
        return answer("200 OK", "text/plain; charset=iso-8859-1", "café".encode("latin-1"))
    if path == "/empty":
        start_response("204 No Content", [])
        return [b""]
    if path == "/custom-status":
        return answer("418 I'm a teapot", "text/plain; charset=utf-8", b"short and stout", ("X-Tea", "earl grey"))
    return answer("404 Not Found", "text/plain; charset=utf-8", b"not found")
