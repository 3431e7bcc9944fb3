"""A real Flask app exercising what the shims must carry."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request, url_for

from rt_common import COOKIES, GZIPPED, PNG

app = Flask(__name__)


@app.route("/hello")
def hello() -> Response:
    return Response("hello", mimetype="text/plain")


@app.route("/echo", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
@app.route("/echo/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def echo(rest: str) -> Response:
    return jsonify(
        method=request.method,
        path=request.path,
        rest=rest,
        script_root=request.script_root,
        url=request.url,
        args={k: request.args.getlist(k) for k in request.args},
        body=request.get_data().decode("utf-8", "replace"),
        content_length=request.content_length,
        remote_addr=request.remote_addr,
        remote_user=request.environ.get("REMOTE_USER"),
        cookies=dict(request.cookies),
        headers={k.lower(): v for k, v in request.headers.items()},
        authorizer=request.environ.get("lw.authorizer"),
        has_event="lw.event" in request.environ,
        has_context="lw.context" in request.environ,
    )


@app.route("/cookies")
def cookies() -> Response:
    response = Response("cookies", mimetype="text/plain")
    for cookie in COOKIES:
        response.headers.add("Set-Cookie", cookie)
    return response


@app.route("/png")
def png() -> Response:
    return Response(PNG, mimetype="image/png")


@app.route("/gzip")
def gzipped() -> Response:
    return Response(GZIPPED, mimetype="text/plain", headers={"Content-Encoding": "gzip"})


@app.route("/url")
def url() -> Response:
    return Response(url_for("echo", rest="x", _external=True), mimetype="text/plain")


@app.route("/boom")
def boom() -> Response:
    raise RuntimeError("secret detail that must not reach the client")


@app.route("/json")
def json_view() -> Response:
    return jsonify(ok=True, n=1234)
