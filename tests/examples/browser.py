"""A tiny browser for example tests: a cookie jar, redirects followed, forms read from
the page (hidden CSRF fields included) and sent back with the Origin a browser adds."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass
class Page:
    status: int
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def hidden(self, name: str) -> str:
        """The value of the hidden input ``name`` (the CSRF token of a form)."""
        match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', self.text) or re.search(
            rf'<input[^>]*value="([^"]*)"[^>]*name="{re.escape(name)}"', self.text)
        assert match, f"no hidden input {name} on {self.url}"
        return match.group(1)


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            with self.opener.open(request, timeout=30) as response:
                return Page(response.status, response.url, dict(response.headers.items()), response.read())
        except urllib.error.HTTPError as error:
            return Page(error.code, request.full_url, dict(error.headers.items()), error.read())

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict[str, str], *, referer: str | None = None) -> Page:
        """A form submission as a browser makes it: urlencoded, with Origin and Referer."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.base,
                   "Referer": referer or self.base + path}
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self.base + path, data=data, headers=headers, method="POST"))
