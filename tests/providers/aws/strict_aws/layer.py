"""The strict layer's core: botocore's choke point, the journal, conflicts and chaos.

Each modelled service lives in its own mixin; a hook is a method named
``_<service>_<Operation>`` (run before the call: it may refuse it, or answer it in
moto's place) or ``_after_<service>_<Operation>`` (run on moto's answer: it may rewrite
it with the transitional state AWS would report).
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from typing import Any, Callable, Iterator

import pytest

from .apigateway import ApiGatewayModel
from .elbv2 import Elbv2Model
from .images import ImageModel
from .lambda_model import LambdaModel
from .limits import LimitsModel
from .mappings import MappingModel
from .s3 import S3Model
from .state import Delays, FunctionState, MappingState
from .tasks_model import TasksModel
from .vpc import VpcModel
from .wire import Raw, throttling_answer


class StrictAws(
    LambdaModel, MappingModel, Elbv2Model, S3Model, ApiGatewayModel, LimitsModel, VpcModel, TasksModel, ImageModel
):
    """The model and the hooks; ``install`` puts them in front of moto."""

    def __init__(self, delays: Delays | None = None) -> None:
        self.delays = delays or Delays()
        self.journal: list[tuple[str, str, str]] = []  # (service, operation, error code or "")
        self.alias_moves: list[tuple[int, str]] = []  # (journal index, version) of each UpdateAlias/CreateAlias
        self._functions: dict[tuple[str, str], FunctionState] = {}
        self._roles: dict[str, dict[str, Any]] = {}
        self._mappings: dict[str, MappingState] = {}
        self._s3_grants: dict[tuple[str, str], int] = {}
        self._tables: dict[tuple[str, str], float] = {}  # (region, table) -> end of CREATING
        self._elb_grants: dict[tuple[str, str], int] = {}
        self._alias_weights: dict[tuple[str, str], tuple[float, str]] = {}
        self._provisioned: dict[tuple[str, str, str], int] = {}
        self._quota_last: dict[tuple[str, str], float] = {}
        self._conflicts: list[dict[str, Any]] = []
        self._rest_docs: dict[str, dict[str, Any]] = {}
        self._rest_binary: dict[str, list[str]] = {}
        self._denied: set[str] = set()
        self._entry_failures: list[dict[str, Any]] = []
        self._update_failures: dict[tuple[str, str], tuple[str, str]] = {}
        self._failed_updates: dict[tuple[str, str], tuple[str, str]] = {}
        self._reserved: dict[tuple[str, str], int] = {}
        self._key_types: dict[str, str] = {}
        self._enis: dict[str, dict[str, Any]] = {}
        self._paused = 0
        self._lock = threading.RLock()
        self._chaos: dict[str, Any] | None = None
        self._original: Callable[..., Any] | None = None
        self._local = threading.local()
        self.ecr_registry: str | None = None
        self.ecr_pushed: dict[str, dict[str, list[str]]] = {}
        self._package_types: dict[tuple[str, str], str] = {}
        self._image_sha: dict[str, str] = {}

    # ------------------------------------------------------------------ install

    def install(self, monkeypatch: pytest.MonkeyPatch) -> "StrictAws":
        from botocore.client import BaseClient
        from botocore.endpoint import Endpoint

        self._original = BaseClient._make_api_call
        original_send = Endpoint._send
        layer = self

        def strict_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            return layer._call(client, operation, params)

        def strict_send(endpoint: Any, request: Any) -> Any:
            injected = layer._maybe_throttle()
            return injected if injected is not None else original_send(endpoint, request)

        monkeypatch.setattr(BaseClient, "_make_api_call", strict_call)
        monkeypatch.setattr(Endpoint, "_send", strict_send)
        return self

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Test set-up calls (fixtures made with boto3) go straight to moto."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    def conflict(
        self,
        service: str,
        operation: str,
        times: int = 1,
        message: str = "Unable to complete operation due to concurrent modification. Please try again later.",
    ) -> None:
        """Answer the next ``times`` calls of ``operation`` with ``ConflictException``."""
        self._conflicts.append({"service": service, "operation": operation, "left": times, "message": message})

    def chaos(self, seed: int, *, latency: float = 0.004, throttle_rate: float = 0.15, most_in_a_row: int = 2) -> None:
        """Random latency (0..``latency`` s) on every call and throttling answers at the
        HTTP level on a ``throttle_rate`` share of attempts (never more than
        ``most_in_a_row`` for one call, so botocore's retries always get through)."""
        self._chaos = {
            "random": random.Random(seed),
            "latency": latency,
            "rate": throttle_rate,
            "most": most_in_a_row,
            "throttled": 0,
        }

    def errors(self) -> list[tuple[str, str, str]]:
        return [entry for entry in self.journal if entry[2]]

    # ------------------------------------------------------------------ dispatch

    def _call(self, client: Any, operation: str, params: dict[str, Any]) -> Any:
        assert self._original is not None
        if self._paused:
            return self._original(client, operation, params)
        service = client.meta.service_model.service_name
        chaos = self._chaos
        if chaos:
            with self._lock:
                delay = chaos["random"].uniform(0, chaos["latency"])
            time.sleep(delay)
        self._local.protocol = client.meta.service_model.protocol
        self._local.service = service
        self._local.throttled = 0
        with self._lock:
            self._finish_due_deletes()
            self._finish_due_enis()
        try:
            handler = getattr(self, f"_{service.replace('-', '_')}_{operation}", None)
            with self._lock:
                self._check_denied(client, service, operation)
                self._check_conflict(client, service, operation)
                # Image functions first: it maps AWS's CodeSha256 (the digest) to moto's,
                # which the limits compare with.
                params = self._images_before(client, service, operation, params)
                limits = getattr(self, f"_limits_{operation}", None) if service == "lambda" else None
                if limits is not None:
                    limits(client, params)
                if handler is not None:
                    handled, value = handler(client, params)
                    if handled:
                        self.journal.append((service, operation, ""))
                        return value
            response = self._original(client, operation, params)
            after = getattr(self, f"_after_{service.replace('-', '_')}_{operation}", None)
            if after is not None:
                with self._lock:
                    response = after(client, params, response)
            with self._lock:
                response = self._images_after(client, service, operation, params, response)
        except Exception as exc:
            code = str(((getattr(exc, "response", None) or {}).get("Error") or {}).get("Code") or type(exc).__name__)
            self.journal.append((service, operation, code))
            raise
        self.journal.append((service, operation, ""))
        return response

    def _raw(self, client: Any, operation: str, params: dict[str, Any]) -> Any:
        """A call to moto that bypasses the model (the layer's own reads). Never
        throttled by ``chaos()``: it is not lw's call, and its protocol may differ from
        the one of the call being modelled (an SQS read while checking a Lambda call)."""
        assert self._original is not None
        self._local.internal = getattr(self._local, "internal", 0) + 1
        try:
            return self._original(client, operation, params)
        finally:
            self._local.internal -= 1

    @staticmethod
    def _error(client: Any, operation: str, code: str, message: str, status: int = 400) -> Exception:
        from botocore.exceptions import ClientError

        response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
        try:
            modeled = client.exceptions.from_code(code)
        except Exception:
            modeled = ClientError
        return modeled(response, operation)

    def _check_conflict(self, client: Any, service: str, operation: str) -> None:
        for rule in self._conflicts:
            if rule["service"] == service and rule["operation"] == operation and rule["left"] > 0:
                rule["left"] -= 1
                raise self._error(client, operation, "ConflictException", rule["message"], 409)

    # ------------------------------------------------------------------ chaos (HTTP level)

    def _maybe_throttle(self) -> Any:
        chaos = self._chaos
        if not chaos or self._paused or getattr(self._local, "internal", 0):
            return None
        with self._lock:
            roll = chaos["random"].random()
        if roll >= chaos["rate"] or getattr(self._local, "throttled", 0) >= chaos["most"]:
            return None
        body, status, headers = throttling_answer(
            getattr(self._local, "protocol", ""), getattr(self._local, "service", "")
        )
        if body is None:
            return None
        self._local.throttled = getattr(self._local, "throttled", 0) + 1
        chaos["throttled"] += 1
        from botocore.awsrequest import AWSResponse

        return AWSResponse("https://strict.invalid/", status, headers, Raw(body))

    def _now(self) -> float:
        return time.monotonic()
