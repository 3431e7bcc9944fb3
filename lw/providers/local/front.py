"""The public listener of the local runtime: the stand-in for API Gateway's edge.

It is the one socket of the local provider that any client reaches, so it behaves as a
strict edge does: a deep listen backlog (20 concurrent clients must not wait for SYN
retransmits), a deadline for each request so slow clients are cut, malformed framing
answered 400 (413 over Lambda's payload limit, 501 for an unknown transfer coding)
before anything reaches a worker, and only complete, decoded bodies handed on.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Protocol

from lw.providers.local import framing, gateway
from lw.providers.local.worker import Invocation, QuietServer

# Seconds a client has to send a whole request (line, headers, body) once it starts,
# and to send the next one on a kept-alive connection, unless the stage says otherwise.
DEFAULT_CLIENT_TIMEOUT = 30.0


class Dispatcher(Protocol):
    """What the front door needs from the supervisor."""

    def door(self) -> gateway.FrontDoor: ...

    def dispatch(self, event: bytes) -> Invocation | None: ...

    @property
    def client_timeout(self) -> float: ...


class FrontServer(QuietServer):
    """The public listener; ``socketserver``'s backlog of 5 made the sixth concurrent
    client wait a full second for a SYN retransmit."""

    request_queue_size = 128


def send(handler: BaseHTTPRequestHandler, response: gateway.HttpResponse, *, head: bool = False) -> None:
    """Write ``response`` with a correct length (the app's own framing headers dropped)."""
    handler.send_response(response.status)
    for name, value in response.headers:
        if name.lower() not in ("content-length", "connection", "transfer-encoding"):
            handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(response.body)))
    if getattr(handler, "close_connection", False):
        handler.send_header("Connection", "close")
    handler.end_headers()
    if not head:
        handler.wfile.write(response.body)


def front_handler(supervisor: Dispatcher) -> type[BaseHTTPRequestHandler]:
    class FrontDoorHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes
        server_version = "lw-local"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            return

        def setup(self) -> None:
            super().setup()
            self.rfile = framing.DeadlineReader(
                self.rfile,
                self.connection,  # type: ignore[assignment]
                supervisor.client_timeout,
            )

        def handle_one_request(self) -> None:
            self.rfile.restart()  # type: ignore[attr-defined]
            super().handle_one_request()

        def _refuse(self, status: int, message: str) -> None:
            self.close_connection = True
            send(self, gateway.error_response(status, message), head=self.command == "HEAD")

        def handle_expect_100(self) -> bool:
            """Refuse an oversized or malformed body before the client sends it."""
            try:
                framing.framing_of(self.headers, limit=gateway.PAYLOAD_LIMIT)
            except framing.BadRequest as exc:
                self._refuse(exc.status, exc.message)
                return False
            return super().handle_expect_100()

        def _serve(self) -> None:
            try:
                shape = framing.framing_of(self.headers, limit=gateway.PAYLOAD_LIMIT)
                body = framing.read_body(self.rfile, shape, limit=gateway.PAYLOAD_LIMIT)
            except framing.BadRequest as exc:
                self._refuse(exc.status, exc.message)
                return
            except OSError:  # the client went away or ran out of time: nothing to answer
                self.close_connection = True
                return
            door = supervisor.door()
            if len(body) > door.body_limit:  # an ALB takes 1 MB, API Gateway more
                self._refuse(413, "Request Entity Too Large")
                return
            request = gateway.HttpRequest(
                self.command, self.path, list(self.headers.items()), body, self.client_address[0]
            )
            event = json.dumps(gateway.to_event(request, door)).encode()
            if len(event) > gateway.PAYLOAD_LIMIT:  # base64 grows a binary body by a third
                self._refuse(413, "Request Entity Too Large")
                return
            invocation = supervisor.dispatch(event)
            if invocation is None:
                response = gateway.error_response(503, "Service Unavailable")
            elif invocation.outcome == "response":
                response = gateway.from_result(invocation.payload, door)
            elif invocation.outcome == "timeout":
                response = gateway.error_response(504, "Endpoint request timed out")
            else:
                response = gateway.error_response(502, "Internal server error")
            send(self, response, head=self.command == "HEAD")

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815

    return FrontDoorHandler
