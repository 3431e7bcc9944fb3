"""Fixtures for AWS provider tests: one moto server per session, reset per test.

moto in server mode is what the CLI talks to through ``AWS_ENDPOINT_URL``, exactly as
it would talk to LocalStack or AWS. Call counting and fault injection patch botocore's
single choke point (``BaseClient._make_api_call``) so they see every client, whenever
it was created.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from typing import Any, Callable, Iterator

import pytest

os.environ.setdefault("MOTO_ACM_VALIDATION_WAIT", "0")  # read once when moto is imported

READ_PREFIXES = ("Get", "List", "Describe", "Head")


def mutating(calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The calls that may change remote state: every operation that is not a read."""
    return [(service, op) for service, op in calls if not op.startswith(READ_PREFIXES)]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    build_routes(endpoint)
    try:
        yield endpoint
    finally:
        server.stop()


# One cheap read per service lw (and these tests) call, to make moto build its routes.
_ROUTE_READS = {
    "lambda": "list_functions",
    "apigateway": "get_rest_apis",
    "apigatewayv2": "get_apis",
    "iam": "list_roles",
    "sts": "get_caller_identity",
    "s3": "list_buckets",
    "sqs": "list_queues",
    "sns": "list_topics",
    "dynamodb": "list_tables",
    "events": "list_rules",
    "logs": "describe_log_groups",
    "ecr": "describe_repositories",
    "acm": "list_certificates",
    "route53": "list_hosted_zones",
    "ec2": "describe_vpcs",
    "elbv2": "describe_load_balancers",
    "cloudwatch": "list_metrics",
    "kinesis": "list_streams",
}


def build_routes(endpoint: str) -> None:
    """Route one request of each service through the server, one at a time, before any
    test runs. moto builds a service's URL routes on its first request, compiling them
    with ``ast``; on CPython 3.11 two threads compiling at once can fail with
    "AST constructor recursion depth mismatch" (python/cpython#106905), a 500 that a
    multi-region deploy (regions in parallel, each service's first call at once) met."""
    import boto3

    for service, operation in _ROUTE_READS.items():
        client = boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        try:
            getattr(client, operation)()
        except Exception:
            pass  # an error answer is routed too: the routes exist now


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean moto account with Docker-free Lambda and the AWS env pointing at it."""
    import requests

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=30).raise_for_status()
    requests.post(
        f"{moto_endpoint}/moto-api/config", json={"lambda": {"use_docker": False}}, timeout=30
    ).raise_for_status()
    for key, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    return moto_endpoint


class CallLog:
    """Every (service, operation) called through botocore, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def clear(self) -> None:
        self.calls.clear()

    @property
    def mutating(self) -> list[tuple[str, str]]:
        return mutating(self.calls)

    def count(self) -> Counter[tuple[str, str]]:
        return Counter(self.calls)


def _service_name(client: Any) -> str:
    return client.meta.service_model.service_name


@pytest.fixture
def call_counter(monkeypatch: pytest.MonkeyPatch) -> CallLog:
    from botocore.client import BaseClient

    log = CallLog()
    original = BaseClient._make_api_call

    def counting(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        log.calls.append((_service_name(self), operation_name))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    return log


class Faults:
    """Make chosen operations raise their modeled ``ClientError`` a number of times."""

    def __init__(self) -> None:
        self._rules: list[dict[str, Any]] = []
        self.raised: list[tuple[str, str]] = []

    def fail(
        self,
        service: str,
        operation: str,
        code: str = "ServiceException",
        message: str = "injected failure",
        *,
        status: int = 500,
        times: int = 1,
    ) -> None:
        self._rules.append(
            {
                "service": service,
                "operation": operation,
                "code": code,
                "message": message,
                "status": status,
                "left": times,
            }
        )

    def clear(self) -> None:
        self._rules.clear()

    def check(self, service: str, operation: str) -> None:
        from botocore.exceptions import ClientError

        for rule in self._rules:
            if rule["service"] == service and rule["operation"] == operation and rule["left"] > 0:
                rule["left"] -= 1
                self.raised.append((service, operation))
                raise ClientError(
                    {
                        "Error": {"Code": rule["code"], "Message": rule["message"]},
                        "ResponseMetadata": {"HTTPStatusCode": rule["status"]},
                    },
                    operation,
                )


@pytest.fixture
def fault(monkeypatch: pytest.MonkeyPatch) -> Faults:
    """Fault injection at botocore's call boundary; raises the modeled exception class
    (``client.exceptions.X``) so code catching it by class behaves as against AWS."""
    from botocore.client import BaseClient

    faults = Faults()
    original = BaseClient._make_api_call

    def failing(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        try:
            faults.check(_service_name(self), operation_name)
        except Exception as exc:
            modeled: Callable[..., Exception] | None = None
            code = exc.response["Error"]["Code"]  # type: ignore[attr-defined]
            try:
                modeled = self.exceptions.from_code(code)
            except Exception:
                modeled = None
            if modeled is not None and modeled is not type(exc):
                raise modeled(exc.response, operation_name) from None  # type: ignore[attr-defined]
            raise
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", failing)
    return faults


@pytest.fixture
def strict_aws(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """moto behind the strict layer (tests/providers/aws/strict_aws/): AWS's delays,
    transitional states and eventual consistency, in milliseconds. lw's own waits are
    scaled by the same factor through ``LW_AWS_WAIT_SCALE``, so nothing sleeps for real."""
    from strict_aws import StrictAws

    monkeypatch.setenv("LW_AWS_WAIT_SCALE", "0.001")
    return StrictAws().install(monkeypatch)


@pytest.fixture
def fast_botocore_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's own retries (standard mode) with millisecond backoff, for tests that
    let the strict layer throttle: the retry logic runs, the sleeping does not."""
    from botocore.retries import standard

    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "5")
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.001)


# --------------------------------------------------------------------------- AWS answers moto lacks


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """lw's AWS waits (``lw.providers.aws.waits``), recorded instead of slept."""
    from lw.providers.aws import waits

    slept: list[float] = []
    monkeypatch.delenv(waits.SCALE_VARIABLE, raising=False)
    monkeypatch.setattr(waits, "sleep", slept.append)
    return slept


@pytest.fixture
def answer(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str, Callable[[dict[str, Any]], Any]], None]:
    """``answer(service, operation, fn)``: the operation returns ``fn(params)`` instead
    of moto's answer (``fn`` may call ``real(params)`` through the second argument)."""
    from botocore.client import BaseClient

    rules: dict[tuple[str, str], Callable[..., Any]] = {}
    original = BaseClient._make_api_call

    def patched(self: Any, operation: str, params: dict[str, Any]) -> Any:
        rule = rules.get((self.meta.service_model.service_name, operation))
        if rule is not None:
            return rule(params, lambda p=params: original(self, operation, p))
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", patched)

    def add(service: str, operation: str, fn: Callable[..., Any]) -> None:
        rules[(service, operation)] = fn

    return add
