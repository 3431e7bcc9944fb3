"""Views of the tiny Django project (same routes as the Flask and FastAPI test apps)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from rt_common import COOKIES, GZIPPED, PNG


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello", content_type="text/plain")


def echo(request: HttpRequest, rest: str | None = None) -> JsonResponse:
    return JsonResponse(
        {
            "method": request.method,
            "path": request.path,
            "rest": rest or "",
            "script_root": request.META.get("SCRIPT_NAME", ""),
            "url": request.build_absolute_uri(),
            "args": {k: request.GET.getlist(k) for k in request.GET},
            "body": request.body.decode("utf-8", "replace"),
            "content_length": int(request.META["CONTENT_LENGTH"]) if request.META.get("CONTENT_LENGTH") else None,
            "remote_addr": request.META.get("REMOTE_ADDR"),
            "remote_user": request.META.get("REMOTE_USER"),
            "cookies": dict(request.COOKIES),
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "has_event": "lw.event" in request.META,
        }
    )


def cookies(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("cookies", content_type="text/plain")
    for cookie in COOKIES:
        name, _, rest = cookie.partition("=")
        value = rest.split(";", 1)[0]
        response.set_cookie(name, value, path="/")
    return response


def png(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PNG, content_type="image/png")


def gzipped(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(GZIPPED, content_type="text/plain")
    response["Content-Encoding"] = "gzip"
    return response


def url(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.build_absolute_uri(reverse("echo", kwargs={"rest": "x"})), content_type="text/plain")


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail that must not reach the client")
