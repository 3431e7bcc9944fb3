"""A real FastAPI (ASGI) app with a lifespan, exercising what the shims must carry."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from rt_common import COOKIES, GZIPPED, PNG

LIFESPAN_CALLS = {"startup": 0, "shutdown": 0}


@asynccontextmanager
async def lifespan(app: FastAPI):
    LIFESPAN_CALLS["startup"] += 1
    yield {"greeting": "hi from lifespan"}
    LIFESPAN_CALLS["shutdown"] += 1


app = FastAPI(lifespan=lifespan)


@app.get("/hello")
async def hello() -> PlainTextResponse:
    return PlainTextResponse("hello")


@app.api_route("/echo/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
async def echo(rest: str, request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "rest": rest,
            "script_root": request.scope.get("root_path", ""),
            "url": str(request.url),
            "args": {k: request.query_params.getlist(k) for k in request.query_params},
            "body": body.decode("utf-8", "replace"),
            "content_length": int(request.headers["content-length"]) if "content-length" in request.headers else None,
            "remote_addr": request.client.host if request.client else None,
            "cookies": dict(request.cookies),
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "state": request.state.greeting,
            "has_event": "lw.event" in request.scope,
        }
    )


@app.get("/cookies")
async def cookies() -> Response:
    response = PlainTextResponse("cookies")
    for cookie in COOKIES:
        response.headers.append("set-cookie", cookie)
    return response


@app.get("/png")
async def png() -> Response:
    return Response(PNG, media_type="image/png")


@app.get("/gzip")
async def gzipped() -> Response:
    return Response(GZIPPED, media_type="text/plain", headers={"Content-Encoding": "gzip"})


@app.get("/url")
async def url(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(request.url_for("echo", rest="x")))


@app.get("/boom")
async def boom() -> Response:
    raise RuntimeError("secret detail that must not reach the client")
