"""An AWS as strict as AWS: a layer over moto that refuses what AWS refuses *meanwhile*.

moto is immediately consistent: a function is Active the moment it is created, a role
is usable the moment it exists, a mapping is gone the moment it is deleted. AWS is not,
and the bugs that only show on AWS live in that gap. This layer sits at botocore's one
choke point (``BaseClient._make_api_call``, so it sees every client of the process,
whenever it was created; the CLI under test runs in-process) and keeps, per test, a
small model of the states AWS goes through, with short configurable delays:

* Lambda ``State: Pending`` after CreateFunction and ``LastUpdateStatus: InProgress``
  after every code or configuration update; meanwhile UpdateFunctionCode,
  UpdateFunctionConfiguration, PublishVersion and Invoke get ``ResourceConflictException``
  with AWS's messages, and Get* answers show the transitional state, so botocore's own
  waiters (``function_active_v2``, ``function_updated_v2``) really wait.
* SnapStart: a version published with ``SnapStart.ApplyOn=PublishedVersions`` is
  ``Pending`` for a while (``published_version_active`` waits for it). AWS accepts an
  alias on a Pending version but cannot invoke it; the layer, stricter, refuses the
  alias move so a test sees it.
* IAM propagation: after CreateRole / PutRolePolicy / AttachRolePolicy /
  UpdateAssumeRolePolicy, the next ``iam_attempts`` uses of that role by Lambda fail
  with the real message for what Lambda checks: "cannot be assumed by Lambda"
  (new role), "...permissions to call CreateNetworkInterface on EC2" (VPC),
  "...SendMessage on SQS" (dead-letter queue), "...ReceiveMessage on SQS" /
  "...GetRecords..." (event source mappings).
* Event source mappings go ``Creating`` -> Enabled/Disabled, ``Updating`` -> ...,
  ``Deleting`` -> gone (moto's delete is deferred until the delay passed); updates and
  deletes meanwhile get ``ResourceInUseException``; a create for the same source and
  function while one is Deleting gets "provided mapping already exists".
* S3 ``PutBucketNotificationConfiguration`` validates each Lambda destination: the
  function policy must allow ``s3.amazonaws.com`` from that bucket, and a permission
  added in the last ``s3_permission_attempts`` attempts is not visible yet ("Unable to
  validate the following destination configurations").
* API Gateway: ``DeleteRestApi`` and ``CreateDomainName`` at most once per
  ``apigw_quota_window`` (``TooManyRequestsException``); ``conflict()`` queues
  ``ConflictException`` answers; ``rest_preflight()`` executes a REST API's CORS
  preflight as API Gateway would (mock integration, with the binary-media-type rule:
  ``*/*`` makes every payload binary and a mock's request template then fails with
  500 unless the integration converts to text); ``http_preflight()`` selects the HTTP
  API route an ``OPTIONS`` request reaches and applies its authorization.
* Aliases: UpdateAlias leaves routing weights on the alias for ``alias_weights``
  seconds; ``PutProvisionedConcurrencyConfig`` meanwhile is refused ("Alias with
  weights can not be used with Provisioned Concurrency"). moto lacks the provisioned
  concurrency API, so the layer implements it.
* ``chaos()``: random latency on every call and HTTP-level throttling answers (the
  protocol's own throttling error, so botocore's retry handler sees and retries them
  as it would AWS's), for convergence tests.

Delays are wall-clock seconds (milliseconds by default) and the CLI runs with
``LW_AWS_WAIT_SCALE`` so lw's waits shrink by the same factor. ``journal`` records every
call with the error the layer answered, for assertions. See docs/testing.md.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import pytest

FUNCTION_STATE_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]+:\d+:function:([^:]+)(?::(.+))?$")


@dataclass
class Delays:
    """How long AWS takes, scaled down (seconds), and how many attempts IAM needs."""

    function_pending: float = 0.03
    update_in_progress: float = 0.03
    snapstart_pending: float = 0.05
    mapping_transition: float = 0.03
    alias_weights: float = 0.03
    iam_attempts: int = 2
    s3_permission_attempts: int = 2
    apigw_quota_window: float = 0.05


@dataclass
class _Function:
    pending_until: float = 0.0
    updating_until: float = 0.0
    snap_start: bool = False
    role: str = ""
    versions_pending: dict[str, float] = field(default_factory=dict)


@dataclass
class _Mapping:
    state: str
    until: float
    then: str
    source: str
    function: str
    client: Any = None


class StrictAws:
    """The model and the hooks; ``install`` puts them in front of moto."""

    def __init__(self, delays: Delays | None = None) -> None:
        self.delays = delays or Delays()
        self.journal: list[tuple[str, str, str]] = []  # (service, operation, error code or "")
        self.alias_moves: list[tuple[int, str]] = []  # (journal index, version) of each UpdateAlias/CreateAlias
        self._functions: dict[tuple[str, str], _Function] = {}
        self._roles: dict[str, dict[str, Any]] = {}
        self._mappings: dict[str, _Mapping] = {}
        self._s3_grants: dict[tuple[str, str], int] = {}
        self._alias_weights: dict[tuple[str, str], tuple[float, str]] = {}
        self._provisioned: dict[tuple[str, str, str], int] = {}
        self._quota_last: dict[tuple[str, str], float] = {}
        self._conflicts: list[dict[str, Any]] = []
        self._rest_docs: dict[str, dict[str, Any]] = {}
        self._rest_binary: dict[str, list[str]] = {}
        self._paused = 0
        self._lock = threading.RLock()
        self._chaos: dict[str, Any] | None = None
        self._original: Callable[..., Any] | None = None
        self._local = threading.local()

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

    def conflict(self, service: str, operation: str, times: int = 1,
                 message: str = "Unable to complete operation due to concurrent modification. Please try again later."
                 ) -> None:
        """Answer the next ``times`` calls of ``operation`` with ``ConflictException``."""
        self._conflicts.append({"service": service, "operation": operation, "left": times, "message": message})

    def chaos(self, seed: int, *, latency: float = 0.004, throttle_rate: float = 0.15, most_in_a_row: int = 2) -> None:
        """Random latency (0..``latency`` s) on every call and throttling answers at the
        HTTP level on a ``throttle_rate`` share of attempts (never more than
        ``most_in_a_row`` for one call, so botocore's retries always get through)."""
        self._chaos = {"random": random.Random(seed), "latency": latency, "rate": throttle_rate,
                       "most": most_in_a_row, "throttled": 0}

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
        try:
            handler = getattr(self, f"_{service.replace('-', '_')}_{operation}", None)
            with self._lock:
                self._check_conflict(client, service, operation)
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
        except Exception as exc:
            code = str(((getattr(exc, "response", None) or {}).get("Error") or {}).get("Code") or type(exc).__name__)
            self.journal.append((service, operation, code))
            raise
        self.journal.append((service, operation, ""))
        return response

    def _raw(self, client: Any, operation: str, params: dict[str, Any]) -> Any:
        """A call to moto that bypasses the model (the layer's own reads)."""
        assert self._original is not None
        return self._original(client, operation, params)

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
        if not chaos or self._paused:
            return None
        with self._lock:
            roll = chaos["random"].random()
        if roll >= chaos["rate"] or getattr(self._local, "throttled", 0) >= chaos["most"]:
            return None
        body, status, headers = _throttling_answer(getattr(self._local, "protocol", ""),
                                                   getattr(self._local, "service", ""))
        if body is None:
            return None
        self._local.throttled = getattr(self._local, "throttled", 0) + 1
        chaos["throttled"] += 1
        from botocore.awsrequest import AWSResponse

        return AWSResponse("https://strict.invalid/", status, headers, _Raw(body))

    # ------------------------------------------------------------------ helpers

    def _now(self) -> float:
        return time.monotonic()

    def _function(self, client: Any, name: str) -> _Function:
        key = (client.meta.region_name, _function_name(name))
        return self._functions.setdefault(key, _Function())

    def _function_arn(self, client: Any, name: str) -> str:
        return f"arn:aws:lambda:{client.meta.region_name}:123456789012:function:{_function_name(name)}"

    def _refuse_while_changing(self, client: Any, operation: str, name: str) -> None:
        fn = self._function(client, name)
        now = self._now()
        if now < fn.pending_until:
            raise self._error(client, operation, "ResourceConflictException",
                              "The operation cannot be performed at this time. The function is currently in the "
                              "following state: Pending", 409)
        if now < fn.updating_until:
            raise self._error(client, operation, "ResourceConflictException",
                              "The operation cannot be performed at this time. An update is in progress for "
                              f"resource: {self._function_arn(client, name)}", 409)

    def _role_of(self, client: Any, name: str) -> str:
        fn = self._function(client, name)
        if not fn.role:
            found = self._raw(client, "GetFunctionConfiguration", {"FunctionName": _function_name(name)})
            fn.role = str(found.get("Role") or "")
        return fn.role

    def _iam_refusal(self, client: Any, operation: str, role_arn: str, check: str) -> None:
        """Raise the message Lambda gives while ``role_arn``'s last change propagates.
        ``check``: what Lambda verifies (assume, vpc, dlq-sqs, dlq-sns, mapping-sqs,
        mapping-stream). A new role or a new trust policy cannot be assumed yet; a new
        role or a changed permission policy does not grant yet what Lambda checks."""
        role = self._roles.get(role_arn.rsplit("/", 1)[-1])
        if not role or role["left"] <= 0:
            return
        kind = role["kind"]
        if check == "assume":
            if kind not in ("new", "trust"):
                return
            message = "The role defined for the function cannot be assumed by Lambda."
        elif kind not in ("new", "policy"):
            return
        else:
            message = {
                "vpc": "The provided execution role does not have permissions to call CreateNetworkInterface on EC2",
                "dlq-sqs": "The provided execution role does not have permissions to call SendMessage on SQS",
                "dlq-sns": "The provided execution role does not have permissions to call Publish on SNS",
                "mapping-sqs": "The provided execution role does not have permissions to call ReceiveMessage on SQS",
                "mapping-stream": "Cannot access stream. Please ensure the role can perform the GetRecords, "
                                  "GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.",
            }[check]
        role["left"] -= 1
        raise self._error(client, operation, "InvalidParameterValueException", message, 400)

    def _function_checks(self, config: dict[str, Any]) -> list[str]:
        checks = ["assume"]
        if (config.get("VpcConfig") or {}).get("SubnetIds"):
            checks.append("vpc")
        target = str((config.get("DeadLetterConfig") or {}).get("TargetArn") or "")
        if target.startswith("arn:aws:sqs:"):
            checks.append("dlq-sqs")
        elif target.startswith("arn:aws:sns:"):
            checks.append("dlq-sns")
        return checks

    # ------------------------------------------------------------------ IAM

    def _role_changed(self, name: str, kind: str) -> None:
        """``kind``: ``new`` (CreateRole), ``trust`` (UpdateAssumeRolePolicy) or
        ``policy`` (Put/AttachRolePolicy); a role still new stays new."""
        previous = self._roles.get(name)
        if previous and previous["kind"] == "new" and previous["left"] > 0:
            kind = "new"
        self._roles[name] = {"left": self.delays.iam_attempts, "kind": kind}

    def _after_iam_CreateRole(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        self._role_changed(params["RoleName"], "new")
        return response

    def _after_iam_PutRolePolicy(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        self._role_changed(params["RoleName"], "policy")
        return response

    def _after_iam_UpdateAssumeRolePolicy(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        self._role_changed(params["RoleName"], "trust")
        return response

    _after_iam_AttachRolePolicy = _after_iam_PutRolePolicy

    # ------------------------------------------------------------------ Lambda functions

    def _lambda_CreateFunction(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        for check in self._function_checks(params):
            self._iam_refusal(client, "CreateFunction", str(params.get("Role") or ""), check)
        return False, None

    def _after_lambda_CreateFunction(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        fn = self._function(client, params["FunctionName"])
        now = self._now()
        fn.pending_until = now + self.delays.function_pending
        fn.updating_until = 0.0
        fn.role = str(params.get("Role") or "")
        fn.snap_start = (params.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions"
        fn.versions_pending.clear()
        if params.get("Publish") and fn.snap_start and response.get("Version", "$LATEST") != "$LATEST":
            fn.versions_pending[str(response["Version"])] = now + self.delays.snapstart_pending
        return {**response, "State": "Pending", "StateReason": "The function is being created.",
                "StateReasonCode": "Creating"}

    def _lambda_UpdateFunctionCode(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._refuse_while_changing(client, "UpdateFunctionCode", params["FunctionName"])
        return False, None

    def _after_lambda_UpdateFunctionCode(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        self._function(client, params["FunctionName"]).updating_until = self._now() + self.delays.update_in_progress
        return {**response, "LastUpdateStatus": "InProgress"}

    def _lambda_UpdateFunctionConfiguration(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._refuse_while_changing(client, "UpdateFunctionConfiguration", params["FunctionName"])
        role = str(params.get("Role") or self._role_of(client, params["FunctionName"]))
        checks = self._function_checks(params)
        if "Role" not in params:
            checks.remove("assume")
        for check in checks:
            self._iam_refusal(client, "UpdateFunctionConfiguration", role, check)
        return False, None

    def _after_lambda_UpdateFunctionConfiguration(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        fn = self._function(client, params["FunctionName"])
        fn.updating_until = self._now() + self.delays.update_in_progress
        if "Role" in params:
            fn.role = str(params["Role"])
        if "SnapStart" in params:
            fn.snap_start = (params.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions"
        return {**response, "LastUpdateStatus": "InProgress"}

    def _lambda_PublishVersion(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._refuse_while_changing(client, "PublishVersion", params["FunctionName"])
        return False, None

    def _after_lambda_PublishVersion(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        fn = self._function(client, params["FunctionName"])
        if fn.snap_start:
            fn.versions_pending[str(response["Version"])] = self._now() + self.delays.snapstart_pending
            return {**response, "State": "Pending", "StateReasonCode": "Creating"}
        return response

    def _lambda_Invoke(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        fn = self._function(client, params["FunctionName"])
        if self._now() < fn.pending_until:
            raise self._error(client, "Invoke", "ResourceConflictException",
                              "The operation cannot be performed at this time. The function is currently in the "
                              "following state: Pending", 409)
        return False, None

    def _state_of(self, client: Any, name: str, qualifier: str | None, config: dict[str, Any]) -> dict[str, Any]:
        fn = self._function(client, name)
        now = self._now()
        config = dict(config)
        if qualifier and qualifier in fn.versions_pending:
            if now < fn.versions_pending[qualifier]:
                config.update(State="Pending", StateReasonCode="Creating", StateReason="SnapStart snapshot in progress")
            return config
        if qualifier not in (None, "$LATEST"):
            return config
        if now < fn.pending_until:
            config.update(State="Pending", StateReasonCode="Creating", StateReason="The function is being created.")
        elif now < fn.updating_until:
            config.update(LastUpdateStatus="InProgress", LastUpdateStatusReasonCode="", State="Active")
        return config

    def _after_lambda_GetFunctionConfiguration(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        return self._state_of(client, params["FunctionName"], _qualifier(params), response)

    def _after_lambda_GetFunction(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        config = self._state_of(client, params["FunctionName"], _qualifier(params), response["Configuration"])
        return {**response, "Configuration": config}

    def _after_lambda_DeleteFunction(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        if not params.get("Qualifier"):
            region, name = client.meta.region_name, _function_name(params["FunctionName"])
            self._functions.pop((region, name), None)
            for key in [k for k in self._provisioned if k[0] == region and k[1] == name]:
                del self._provisioned[key]
        return response

    # ------------------------------------------------------------------ aliases, provisioned concurrency

    def _pending_version(self, client: Any, operation: str, params: dict[str, Any]) -> None:
        fn = self._function(client, params["FunctionName"])
        version = str(params.get("FunctionVersion") or "")
        if version and self._now() < fn.versions_pending.get(version, 0.0):
            raise self._error(client, operation, "ResourceConflictException",
                              f"Version {version} of {_function_name(params['FunctionName'])} is Pending (its "
                              "SnapStart snapshot is not ready): an alias on it could not be invoked "
                              "[strict layer: AWS accepts the call, then fails every invocation]", 409)

    def _lambda_CreateAlias(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._pending_version(client, "CreateAlias", params)
        self.alias_moves.append((len(self.journal), str(params.get("FunctionVersion"))))
        return False, None

    def _lambda_UpdateAlias(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._pending_version(client, "UpdateAlias", params)
        key = (client.meta.region_name, _function_name(params["FunctionName"]))
        previous = self._raw(client, "GetAlias", {"FunctionName": key[1], "Name": params["Name"]})
        if params.get("FunctionVersion") and previous.get("FunctionVersion") != params["FunctionVersion"]:
            self._alias_weights[(key[0], f"{key[1]}:{params['Name']}")] = (
                self._now() + self.delays.alias_weights, str(previous.get("FunctionVersion")))
        self.alias_moves.append((len(self.journal), str(params.get("FunctionVersion"))))
        return False, None

    def _weights(self, client: Any, function: str, alias: str) -> dict[str, float]:
        found = self._alias_weights.get((client.meta.region_name, f"{_function_name(function)}:{alias}"))
        if found and self._now() < found[0]:
            return {found[1]: 0.5}
        return {}

    def _after_lambda_GetAlias(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        weights = self._weights(client, params["FunctionName"], params["Name"])
        if weights:
            return {**response, "RoutingConfig": {"AdditionalVersionWeights": weights}}
        return response

    def _lambda_PutProvisionedConcurrencyConfig(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        if self._weights(client, params["FunctionName"], params["Qualifier"]):
            raise self._error(client, "PutProvisionedConcurrencyConfig", "InvalidParameterValueException",
                              "Alias with weights can not be used with Provisioned Concurrency", 400)
        self._raw(client, "GetAlias", {"FunctionName": _function_name(params["FunctionName"]),
                                       "Name": params["Qualifier"]})
        key = (client.meta.region_name, _function_name(params["FunctionName"]), params["Qualifier"])
        self._provisioned[key] = int(params["ProvisionedConcurrentExecutions"])
        return True, {"RequestedProvisionedConcurrentExecutions": self._provisioned[key], "Status": "IN_PROGRESS"}

    def _lambda_GetProvisionedConcurrencyConfig(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        key = (client.meta.region_name, _function_name(params["FunctionName"]), params["Qualifier"])
        if key not in self._provisioned:
            raise self._error(client, "GetProvisionedConcurrencyConfig", "ProvisionedConcurrencyConfigNotFoundException",
                              "No Provisioned Concurrency Config found for this function", 404)
        count = self._provisioned[key]
        return True, {"RequestedProvisionedConcurrentExecutions": count, "AllocatedProvisionedConcurrentExecutions":
                      count, "AvailableProvisionedConcurrentExecutions": count, "Status": "READY"}

    def _lambda_DeleteProvisionedConcurrencyConfig(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        key = (client.meta.region_name, _function_name(params["FunctionName"]), params["Qualifier"])
        self._provisioned.pop(key, None)
        return True, {}

    def provisioned(self, region: str, function: str, alias: str = "live") -> int | None:
        return self._provisioned.get((region, function, alias))

    # ------------------------------------------------------------------ event source mappings

    def _mapping_checks(self, source: str) -> str:
        return "mapping-sqs" if source.startswith("arn:aws:sqs:") else "mapping-stream"

    def _lambda_CreateEventSourceMapping(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        source = str(params["EventSourceArn"])
        function = _function_name(params["FunctionName"])
        for uuid, mapping in self._mappings.items():
            if mapping.source == source and _function_name(mapping.function) == function and mapping.state == "Deleting":
                raise self._error(client, "CreateEventSourceMapping", "ResourceConflictException",
                                  f"The event source arn ({source}) and function ({function}) provided mapping "
                                  f"already exists. Please update or delete the existing mapping with UUID {uuid}",
                                  409)
        self._refuse_while_changing(client, "CreateEventSourceMapping", params["FunctionName"])
        self._iam_refusal(client, "CreateEventSourceMapping", self._role_of(client, params["FunctionName"]),
                          self._mapping_checks(source))
        return False, None

    def _after_lambda_CreateEventSourceMapping(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        final = "Enabled" if params.get("Enabled", True) else "Disabled"
        self._mappings[response["UUID"]] = _Mapping("Creating", self._now() + self.delays.mapping_transition, final,
                                                    str(params["EventSourceArn"]), str(params["FunctionName"]))
        return {**response, "State": "Creating"}

    def _mapping_state(self, response: dict[str, Any]) -> dict[str, Any]:
        mapping = self._mappings.get(str(response.get("UUID")))
        if mapping is None:
            return response
        if self._now() >= mapping.until and mapping.state != "Deleting":
            mapping.state = mapping.then
        return {**response, "State": mapping.state}

    def _busy_mapping(self, client: Any, operation: str, uuid: str) -> None:
        mapping = self._mappings.get(uuid)
        if mapping is None:
            return
        if self._now() >= mapping.until and mapping.state != "Deleting":
            mapping.state = mapping.then
        if mapping.state in ("Creating", "Updating", "Enabling", "Disabling", "Deleting"):
            verb = "update" if operation.startswith("Update") else "delete"
            raise self._error(client, operation, "ResourceInUseException",
                              f"Cannot {verb} the event source mapping because it is in use (state {mapping.state}).",
                              400)

    def _lambda_UpdateEventSourceMapping(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._busy_mapping(client, "UpdateEventSourceMapping", params["UUID"])
        mapping = self._mappings.get(params["UUID"])
        if mapping is not None:
            self._iam_refusal(client, "UpdateEventSourceMapping", self._role_of(client, mapping.function),
                              self._mapping_checks(mapping.source))
        return False, None

    def _after_lambda_UpdateEventSourceMapping(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        mapping = self._mappings.get(params["UUID"])
        if mapping is not None:
            if "Enabled" in params:
                mapping.then = "Enabled" if params["Enabled"] else "Disabled"
            mapping.state, mapping.until = "Updating", self._now() + self.delays.mapping_transition
            return {**response, "State": "Updating"}
        return response

    def _lambda_DeleteEventSourceMapping(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        uuid = params["UUID"]
        self._busy_mapping(client, "DeleteEventSourceMapping", uuid)
        found = self._raw(client, "GetEventSourceMapping", {"UUID": uuid})
        mapping = self._mappings.get(uuid) or _Mapping("Enabled", 0.0, "Enabled", str(found["EventSourceArn"]),
                                                       str(found["FunctionArn"]))
        mapping.state, mapping.until, mapping.client = "Deleting", self._now() + self.delays.mapping_transition, client
        self._mappings[uuid] = mapping
        return True, {**found, "State": "Deleting"}

    def _finish_due_deletes(self) -> None:
        now = self._now()
        for uuid, mapping in list(self._mappings.items()):
            if mapping.state == "Deleting" and now >= mapping.until:
                del self._mappings[uuid]
                with contextlib.suppress(Exception):
                    self._raw(mapping.client, "DeleteEventSourceMapping", {"UUID": uuid})

    def _after_lambda_GetEventSourceMapping(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        return self._mapping_state(response)

    def _after_lambda_ListEventSourceMappings(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        return {**response, "EventSourceMappings": [self._mapping_state(m) for m in response.get("EventSourceMappings")
                                                    or []]}

    def settle(self) -> None:
        """Let every transitional state run out (a test's "some time later")."""
        longest = max(self.delays.function_pending, self.delays.update_in_progress, self.delays.snapstart_pending,
                      self.delays.mapping_transition, self.delays.alias_weights)
        time.sleep(longest + 0.005)
        with self._lock:
            self._finish_due_deletes()

    # ------------------------------------------------------------------ S3 notification validation

    def _lambda_AddPermission(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        return False, None

    def _after_lambda_AddPermission(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        if params.get("Principal") == "s3.amazonaws.com":
            key = (_function_name(params["FunctionName"]), str(params.get("SourceArn") or ""))
            self._s3_grants[key] = self.delays.s3_permission_attempts
        return response

    def _s3_PutBucketNotificationConfiguration(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        bucket = params["Bucket"]
        entries = (params.get("NotificationConfiguration") or {}).get("LambdaFunctionConfigurations") or []
        failing: list[str] = []
        for entry in entries:
            arn = str(entry.get("LambdaFunctionArn") or "")
            if not self._s3_may_invoke(client, arn, bucket):
                failing.append(arn)
        if failing:
            raise self._error(client, "PutBucketNotificationConfiguration", "InvalidArgument",
                              "Unable to validate the following destination configurations", 400)
        return False, None

    def _s3_may_invoke(self, client: Any, arn: str, bucket: str) -> bool:
        import boto3

        match = FUNCTION_STATE_ARN.match(arn)
        if match is None:
            return False
        name, qualifier = match.group(1), match.group(2)
        region = arn.split(":")[3]
        lam = boto3.client("lambda", region_name=region)
        params = {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}
        try:
            policy = json.loads(self._raw(lam, "GetPolicy", params)["Policy"])
        except Exception:
            return False
        bucket_arn = f"arn:aws:s3:::{bucket}"
        for statement in policy.get("Statement") or []:
            principal = statement.get("Principal") or {}
            service = principal.get("Service") if isinstance(principal, dict) else principal
            source = ((statement.get("Condition") or {}).get("ArnLike") or {}).get("AWS:SourceArn")
            if service == "s3.amazonaws.com" and source in (bucket_arn, None):
                key = (name, bucket_arn)
                if self._s3_grants.get(key, 0) > 0:
                    self._s3_grants[key] -= 1
                    return False
                return True
        return False

    # ------------------------------------------------------------------ API Gateway

    def _quota(self, client: Any, operation: str) -> None:
        key = (client.meta.region_name, operation)
        now = self._now()
        last = self._quota_last.get(key)
        if last is not None and now - last < self.delays.apigw_quota_window:
            raise self._error(client, operation, "TooManyRequestsException", "Too Many Requests", 429)
        self._quota_last[key] = now

    def _apigateway_DeleteRestApi(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._quota(client, "DeleteRestApi")
        return False, None

    def _apigateway_CreateDomainName(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._quota(client, "CreateDomainName")
        return False, None

    def _apigatewayv2_CreateDomainName(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._quota(client, "CreateDomainName")
        return False, None

    def _after_apigateway_CreateRestApi(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        self._rest_binary[response["id"]] = list(params.get("binaryMediaTypes") or [])
        return response

    def _after_apigateway_PutRestApi(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        body = params["body"]
        document = json.loads(body.read() if hasattr(body, "read") else body)
        self._rest_docs[params["restApiId"]] = document
        extension = document.get("x-amazon-apigateway-binary-media-types")
        if extension is not None:
            self._rest_binary[params["restApiId"]] = list(extension)
        return response

    def _after_apigateway_UpdateRestApi(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        types = self._rest_binary.setdefault(params["restApiId"], [])
        for op in params.get("patchOperations") or []:
            if op.get("path", "").startswith("/binaryMediaTypes/"):
                value = op["path"].split("/", 2)[2].replace("~1", "/")
                if op["op"] == "add" and value not in types:
                    types.append(value)
                elif op["op"] == "remove" and value in types:
                    types.remove(value)
        return response

    def rest_preflight(self, api_id: str, path: str, origin: str = "https://app.example.com",
                       content_type: str | None = None) -> tuple[int, dict[str, str]]:
        """What a CORS preflight to ``path`` gets from the deployed REST API: a status
        and headers, or ``(0, {})`` when it reached the Lambda proxy integration."""
        document = self._rest_docs.get(api_id)
        if document is None:
            raise AssertionError(f"no definition was put for REST API {api_id}")
        paths = document.get("paths") or {}
        item = paths.get(path) or (paths.get("/{proxy+}") if path != "/" else None)
        if item is None:
            return 403, {"x-amzn-ErrorType": "MissingAuthenticationTokenException"}
        method = item.get("options")
        if method is None:
            return 0, {}
        if method.get("security"):
            return 401, {}
        integration = method.get("x-amazon-apigateway-integration") or {}
        if str(integration.get("type", "")).lower() != "mock":
            return 0, {}
        binary = self._rest_binary.get(api_id) or []
        payload_is_binary = any(t == "*/*" or (content_type and _media_matches(t, content_type)) for t in binary)
        if payload_is_binary and integration.get("contentHandling") != "CONVERT_TO_TEXT" and \
                integration.get("requestTemplates"):
            # the request template cannot be applied to a binary payload:
            # "Execution failed due to configuration error: Unable to transform request"
            return 500, {"x-amzn-ErrorType": "InternalServerErrorException"}
        response = (integration.get("responses") or {}).get("default") or {}
        headers = {}
        for key, value in (response.get("responseParameters") or {}).items():
            headers[key.rsplit(".", 1)[-1]] = str(value).strip("'")
        return int(response.get("statusCode") or 200), headers

    def http_preflight(self, api_id: str, path: str, origin: str = "https://app.example.com",
                       region: str = "us-east-1") -> tuple[int, str]:
        """What ``OPTIONS path`` (a preflight, so without credentials) gets from an HTTP
        API: ``(status, route key)``; 0 means it reached the integration."""
        import boto3

        client = boto3.client("apigatewayv2", region_name=region)
        routes = self._raw(client, "GetRoutes", {"ApiId": api_id}).get("Items") or []
        api = self._raw(client, "GetApi", {"ApiId": api_id})
        route = _select_route(routes, "OPTIONS", path)
        if route is None:
            return (204 if api.get("CorsConfiguration") else 404), ""
        auth = str(route.get("AuthorizationType") or "NONE")
        if auth in ("JWT", "CUSTOM"):
            return 401, str(route["RouteKey"])
        if auth == "AWS_IAM":
            return 403, str(route["RouteKey"])
        cors = api.get("CorsConfiguration") or {}
        if cors:
            return 204, str(route["RouteKey"])
        return 0, str(route["RouteKey"])


# ---------------------------------------------------------------------- helpers


def _function_name(name: str) -> str:
    match = FUNCTION_STATE_ARN.match(name)
    if match:
        return match.group(1)
    return name.split(":", 1)[0]


def _qualifier(params: dict[str, Any]) -> str | None:
    if params.get("Qualifier"):
        return str(params["Qualifier"])
    match = FUNCTION_STATE_ARN.match(str(params.get("FunctionName") or ""))
    if match and match.group(2):
        return match.group(2)
    if ":" in str(params.get("FunctionName")) and not str(params["FunctionName"]).startswith("arn:"):
        return str(params["FunctionName"]).split(":", 1)[1]
    return None


def _media_matches(pattern: str, content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    pattern = pattern.lower()
    if pattern.endswith("/*"):
        return kind.startswith(pattern[:-1])
    return kind == pattern


def _route_matches(route_path: str, path: str) -> tuple[bool, int]:
    """Whether ``path`` matches ``route_path`` and how specific the match is (higher
    wins): literal segments > ``{param}`` > greedy ``{proxy+}``."""
    want = [s for s in route_path.strip("/").split("/") if s]
    have = [s for s in path.strip("/").split("/") if s]
    score = 0
    for index, segment in enumerate(want):
        if segment.endswith("+}"):
            return len(have) > index, score
        if index >= len(have):
            return False, 0
        if segment.startswith("{"):
            score += 1
        elif segment == have[index]:
            score += 2
        else:
            return False, 0
    return len(want) == len(have), score + 1000


def _select_route(routes: list[dict[str, Any]], method: str, path: str) -> dict[str, Any] | None:
    """API Gateway's HTTP API route selection: the most specific path wins, then the
    exact method over ``ANY``; ``$default`` catches what nothing else matched."""
    best: tuple[int, int, dict[str, Any]] | None = None
    default = None
    for route in routes:
        key = str(route.get("RouteKey"))
        if key == "$default":
            default = route
            continue
        verb, _, route_path = key.partition(" ")
        if verb not in (method, "ANY"):
            continue
        ok, score = _route_matches(route_path, path)
        if not ok:
            continue
        rank = (score, 1 if verb == method else 0)
        if best is None or rank > best[:2]:
            best = (*rank, route)
    return best[2] if best else default


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _throttling_answer(protocol: str, service: str) -> tuple[bytes | None, int, dict[str, str]]:
    """The protocol's own throttling error, as AWS sends it."""
    if protocol == "json":
        return (json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode(), 400,
                {"x-amzn-RequestId": "strict", "Content-Type": "application/x-amz-json-1.1"})
    if protocol == "rest-json":
        return (json.dumps({"message": "Rate exceeded"}).encode(), 429,
                {"x-amzn-ErrorType": "TooManyRequestsException", "x-amzn-RequestId": "strict",
                 "Content-Type": "application/json"})
    if protocol == "query":
        return (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
                b"</Error><RequestId>strict</RequestId></ErrorResponse>", 400, {"Content-Type": "text/xml"})
    if protocol == "rest-xml" and service == "s3":
        return (b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
                b"<RequestId>strict</RequestId></Error>", 503, {"Content-Type": "application/xml"})
    if protocol == "rest-xml":
        return (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
                b"</Error><RequestId>strict</RequestId></ErrorResponse>", 400, {"Content-Type": "text/xml"})
    return None, 0, {}
