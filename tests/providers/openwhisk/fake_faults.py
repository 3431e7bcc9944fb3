"""Faults the fake controller can inject at one chosen write (crash-safety tests, issue #19).

A *write* is any request that may change state: every non-GET under ``/api/v1``,
including feed lifecycle invocations of ``/whisk.system/alarms/*``. Writes are numbered
from 0 in the order the fake receives them; a ``FaultPlan`` hits exactly one of them:

- ``5xx``: the controller refuses the write (502, nothing applied);
- ``lost``: the write is applied, but the answer never reaches the client (it sees the
  502 a gateway returns when the controller's answer is lost);
- ``kill``: the write is applied, then the lw process dies before it reads the answer.
  ``on_kill`` does the killing: a test that runs ``lw`` as a subprocess sends it
  SIGKILL there; an in-process test sets a flag (see ``KillSwitch``) that makes the
  client raise ``SimulatedKill`` as soon as the call returns.

Nothing here is imported by lw: lw has no test hooks of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

import requests
import requests.adapters

MODES = ("5xx", "lost", "kill")
Answer = tuple[int, Any, dict[str, str]]


class SimulatedKill(BaseException):
    """Raised in-process where SIGKILL would have stopped lw: not an ``Exception``, so
    no ``except Exception`` in lw can catch it and carry on."""


@dataclass
class FaultPlan:
    """``at``: the write's number, or the first write whose ``"METHOD path"`` ends with it."""

    mode: str
    at: int | str
    on_kill: Callable[[], None] | None = None
    seen: int = 0
    fired: bool = False
    writes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}; expected one of {MODES}")

    def around(self, method: str, path: str, run: Callable[[], Answer], error: Callable[[int, str], Answer]) -> Answer:
        """Run one request through the plan: ``run`` applies it, ``error`` shapes a failure."""
        if method == "GET" or not path.startswith("/api/v1/"):
            return run()
        index = self.seen
        self.seen += 1
        self.writes.append(f"{method} {path}")
        hit = (
            index == self.at if isinstance(self.at, int) else (not self.fired and f"{method} {path}".endswith(self.at))
        )
        if not hit:
            return run()
        self.fired = True
        if self.mode == "5xx":
            return error(502, "injected: the controller refused the request")
        answer = run()
        if self.mode == "kill" and self.on_kill is not None:
            self.on_kill()
        return error(502, "injected: the answer was lost on the way back") if self.mode == "lost" else answer


class KillSwitch:
    """In-process stand-in for SIGKILL: wraps ``OpenWhiskClient.request`` so the call
    that carried the fatal write raises ``SimulatedKill`` instead of returning."""

    def __init__(self) -> None:
        self.killed = False

    def trip(self) -> None:
        self.killed = True

    def wrap(self, request: Callable[..., Any]) -> Callable[..., Any]:
        switch = self

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if switch.killed:
                raise SimulatedKill("lw was killed")
            try:
                return request(*args, **kwargs)
            finally:
                if switch.killed:
                    raise SimulatedKill("lw was killed right after a write")  # noqa: B012 - the point of a kill

        return guarded


class InProcessAdapter(requests.adapters.BaseAdapter):
    """Hands a ``requests`` call straight to ``FakeOpenWhisk.handle``: the same
    validation and answers as over HTTP, without a socket per call, so a walk of
    hundreds of runs stays fast. (The CLI tests keep real HTTP.)"""

    def __init__(self, fake: Any) -> None:
        super().__init__()
        self.fake = fake

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        split = urlsplit(request.url or "")
        path = split.path + (f"?{split.query}" if split.query else "")
        raw = request.body or b""
        status, body, headers = self.fake.handle(
            request.method or "GET", path, dict(request.headers), raw if isinstance(raw, bytes) else raw.encode()
        )
        response = requests.Response()
        response.status_code = status
        response._content = b"" if body is None else json.dumps(body).encode()
        response.headers.update({"Content-Type": "application/json", **headers})
        response.url = request.url or ""
        response.request = request
        response.reason = "OK" if status < 400 else "Error"
        return response

    def close(self) -> None:
        pass
