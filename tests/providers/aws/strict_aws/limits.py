"""AWS's validations and limits moto does not enforce (issue #11, findings 8, 9, 11, 12),
and the deployer's IAM policy.

Each rule is AWS's documented answer, with its real error code and message:

* API Gateway: a v1 base path holds no ``/`` (a multi-level key is a v2 API mapping,
  on a REGIONAL domain only); ``GetRestApis`` answers 25 items a page unless ``limit``
  says more (500 at most).
* IAM: a role's inline policies add up to 10,240 characters at most (whitespace not
  counted).
* Lambda: an SQS mapping's queue must have a visibility timeout at least the
  function's timeout; reserved concurrency may not leave the account fewer than 100
  unreserved executions (the account's ``GetAccountSettings``, which moto lacks, is
  answered here); ``SnapStart`` is refused for a runtime without SnapStart;
  ``PublishVersion`` with a ``CodeSha256`` that is no longer the function's code, or a
  ``RevisionId`` that is no longer ``$LATEST``'s (the layer keeps one per function:
  moto has none), is a ``PreconditionFailedException``; a ``CreateFunction``,
  ``UpdateFunctionCode`` or ``PublishLayerVersion`` request whose body (the inline
  ``ZipFile`` base64-encoded, and every other parameter beside it, serialized as
  botocore sends them) is over 69,905,067 bytes gets HTTP 413
  ``RequestEntityTooLargeException`` before moto sees it (Lambda's "50 MB direct
  upload" rule is this one: 50 MiB of zip is 69,905,068 bytes of base64); ``fail_update()`` makes the next update end
  ``Failed`` with a reason, as a VPC without free addresses does.
* ACM: ``ListCertificates`` leaves out every key type but RSA_1024/RSA_2048 unless
  ``Includes.keyTypes`` names it.
* EventBridge: ``failed_entries()`` queues ``PutTargets``/``RemoveTargets`` answers with
  ``FailedEntryCount`` (HTTP 200: botocore raises nothing).
* ``deny(service)``: the deployer's policy does not allow that service
  (``AccessDeniedException``, as IAM answers).
"""

from __future__ import annotations

import json
import math
from typing import Any

from .wire import function_name

SNAPSTART_RUNTIMES = ("java11", "java17", "java21", "python3.12", "python3.13", "dotnet8")
ACCOUNT_CONCURRENCY = 1000
UNRESERVED_MINIMUM = 100
INLINE_POLICY_LIMIT = 10240
REST_APIS_PAGE = 25
DEFAULT_KEY_TYPES = ("RSA_1024", "RSA_2048")
REQUEST_LIMIT = 69_905_067  # bytes of a Lambda request body


class LimitsModel:
    """Mixed into ``StrictAws``."""

    _denied: set[str]
    _entry_failures: list[dict[str, Any]]
    _update_failures: dict[tuple[str, str], tuple[str, str]]
    _failed_updates: dict[tuple[str, str], tuple[str, str]]
    _reserved: dict[tuple[str, str], int]
    _key_types: dict[str, str]

    # ------------------------------------------------------------------ knobs

    def deny(self, service: str) -> None:
        """The deployer's IAM policy allows nothing of ``service`` from now on."""
        self._denied.add(service)

    def failed_entries(self, operation: str, code: str = "ConcurrentModificationException", times: int = 1) -> None:
        """The next ``times`` EventBridge ``operation`` calls fail for every entry."""
        self._entry_failures.append({"operation": operation, "code": code, "left": times})

    def fail_update(self, function: str, code: str, reason: str, region: str = "us-east-1") -> None:
        """The next code or configuration update of ``function`` ends ``Failed``."""
        self._update_failures[(region, function)] = (code, reason)

    def _check_denied(self, client: Any, service: str, operation: str) -> None:
        if service in self._denied:
            raise self._error(  # type: ignore[attr-defined]
                client,
                operation,
                "AccessDeniedException",
                f"User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: {service}:{operation}",
                403,
            )

    # ------------------------------------------------------------------ API Gateway (finding 8, 11)

    def _apigateway_CreateBasePathMapping(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        if "/" in str(params.get("basePath") or ""):
            raise self._error(  # type: ignore[attr-defined]
                client,
                "CreateBasePathMapping",
                "BadRequestException",
                "Base path must not contain '/'. Use the API Gateway V2 CreateApiMapping API for multi-level "
                "base paths",
                400,
            )
        return False, None

    def _apigatewayv2_CreateApiMapping(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        key = str(params.get("ApiMappingKey") or "")
        if "/" in key:
            import boto3

            v1 = boto3.client("apigateway", region_name=client.meta.region_name)
            try:
                domain = self._raw(v1, "GetDomainName", {"domainName": params["DomainName"]})  # type: ignore[attr-defined]
            except Exception:
                domain = {}
            if "EDGE" in ((domain.get("endpointConfiguration") or {}).get("types") or []):
                raise self._error(  # type: ignore[attr-defined]
                    client,
                    "CreateApiMapping",
                    "BadRequestException",
                    "Multi-level base path mappings are only supported for REGIONAL domain names",
                    400,
                )
        return False, None

    def _apigateway_GetRestApis(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        limit = int(params.get("limit") or REST_APIS_PAGE)
        if limit > 500:
            raise self._error(client, "GetRestApis", "BadRequestException", "limit must be at most 500", 400)  # type: ignore[attr-defined]
        everything = self._raw(client, "GetRestApis", {"limit": 500}).get("items") or []  # type: ignore[attr-defined]
        start = int(params.get("position") or 0)
        page: dict[str, Any] = {"items": everything[start : start + limit]}
        if start + limit < len(everything):
            page["position"] = str(start + limit)
        return True, page

    # ------------------------------------------------------------------ IAM (finding 11)

    def _iam_PutRolePolicy(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        size = _policy_size(params["PolicyDocument"])
        names = self._raw(client, "ListRolePolicies", {"RoleName": params["RoleName"]}).get("PolicyNames") or []  # type: ignore[attr-defined]
        for name in names:
            if name != params["PolicyName"]:
                other = self._raw(client, "GetRolePolicy", {"RoleName": params["RoleName"], "PolicyName": name})  # type: ignore[attr-defined]
                size += _policy_size(other["PolicyDocument"])
        if size > INLINE_POLICY_LIMIT:
            raise self._error(  # type: ignore[attr-defined]
                client,
                "PutRolePolicy",
                "LimitExceeded",
                f"Maximum policy size of {INLINE_POLICY_LIMIT} bytes exceeded for role {params['RoleName']}",
                409,
            )
        return False, None

    # ------------------------------------------------------------------ Lambda (findings 11, 12)

    def _snap_start_supported(self, client: Any, operation: str, params: dict[str, Any], runtime: str) -> None:
        if "SnapStart" in params and runtime not in SNAPSTART_RUNTIMES:
            raise self._error(  # type: ignore[attr-defined]
                client,
                operation,
                "InvalidParameterValueException",
                f"SnapStart is not supported for {runtime}. [strict layer: some endpoints refuse the "
                "parameter itself, ApplyOn=None included]",
                400,
            )

    def _request_fits(self, client: Any, operation: str, params: dict[str, Any]) -> None:
        """Lambda's front door refuses a body over ``REQUEST_LIMIT`` (HTTP 413), whatever
        is in it: the size is the body botocore sends, counted without building it."""
        size = request_body_size(client, operation, params)
        if size > REQUEST_LIMIT:
            raise self._error(  # type: ignore[attr-defined]
                client,
                operation,
                "RequestEntityTooLargeException",
                f"Request must be smaller than {REQUEST_LIMIT} bytes for the {operation} operation",
                413,
            )

    def _revision_matches(self, client: Any, operation: str, params: dict[str, Any]) -> None:
        wanted = params.get("RevisionId")
        if wanted and wanted != self._revision(client, params["FunctionName"]):  # type: ignore[attr-defined]
            raise self._error(  # type: ignore[attr-defined]
                client,
                operation,
                "PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias "
                "API to retrieve the latest Revision Id",
                412,
            )

    def _limits_CreateFunction(self, client: Any, params: dict[str, Any]) -> None:
        self._request_fits(client, "CreateFunction", params)
        self._snap_start_supported(client, "CreateFunction", params, str(params.get("Runtime") or ""))

    def _limits_UpdateFunctionCode(self, client: Any, params: dict[str, Any]) -> None:
        self._request_fits(client, "UpdateFunctionCode", params)
        self._revision_matches(client, "UpdateFunctionCode", params)

    def _limits_PublishLayerVersion(self, client: Any, params: dict[str, Any]) -> None:
        self._request_fits(client, "PublishLayerVersion", params)

    def _limits_UpdateFunctionConfiguration(self, client: Any, params: dict[str, Any]) -> None:
        self._revision_matches(client, "UpdateFunctionConfiguration", params)
        if "SnapStart" in params:
            runtime = params.get("Runtime") or self._raw(  # type: ignore[attr-defined]
                client, "GetFunctionConfiguration", {"FunctionName": function_name(params["FunctionName"])}
            ).get("Runtime")
            self._snap_start_supported(client, "UpdateFunctionConfiguration", params, str(runtime or ""))

    def _limits_CreateEventSourceMapping(self, client: Any, params: dict[str, Any]) -> None:
        source = str(params.get("EventSourceArn") or "")
        if not source.startswith("arn:aws:sqs:"):
            return
        import boto3

        _, _, _, region, account, queue = source.split(":", 5)
        sqs = boto3.client("sqs", region_name=region)
        url = self._raw(sqs, "GetQueueUrl", {"QueueName": queue})["QueueUrl"]  # type: ignore[attr-defined]
        attributes = self._raw(sqs, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["VisibilityTimeout"]})  # type: ignore[attr-defined]
        visibility = int(attributes["Attributes"]["VisibilityTimeout"])
        config = self._raw(client, "GetFunctionConfiguration", {"FunctionName": function_name(params["FunctionName"])})  # type: ignore[attr-defined]
        timeout = int(config.get("Timeout") or 3)
        if visibility < timeout:
            raise self._error(  # type: ignore[attr-defined]
                client,
                "CreateEventSourceMapping",
                "InvalidParameterValueException",
                f"Queue visibility timeout: {visibility} seconds is less than Function timeout: {timeout} seconds",
                400,
            )

    def _limits_PublishVersion(self, client: Any, params: dict[str, Any]) -> None:
        # An update in progress is answered before the preconditions are compared (AWS
        # does not document the order: this one is the stricter for a deployer, which
        # must then recognise another writer's update from the conflict alone).
        self._refuse_while_changing(client, "PublishVersion", params["FunctionName"])  # type: ignore[attr-defined]
        self._revision_matches(client, "PublishVersion", params)
        wanted = params.get("CodeSha256")
        if not wanted:
            return
        current = self._raw(client, "GetFunctionConfiguration", {"FunctionName": function_name(params["FunctionName"])})  # type: ignore[attr-defined]
        if current.get("CodeSha256") != wanted:
            raise self._error(  # type: ignore[attr-defined]
                client,
                "PublishVersion",
                "PreconditionFailedException",
                f"CodeSha256 ({wanted}) is different from current CodeSha256 in $LATEST "
                f"({current.get('CodeSha256')}). Please try again with the CodeSha256 in $LATEST.",
                412,
            )

    def _lambda_GetAccountSettings(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        region = client.meta.region_name
        reserved = sum(count for (r, _), count in self._reserved.items() if r == region)
        return True, {
            "AccountLimit": {
                "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved,
            },
            "AccountUsage": {"FunctionCount": 0},
        }

    def _lambda_PutFunctionConcurrency(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        region, name = client.meta.region_name, function_name(params["FunctionName"])
        others = sum(count for (r, f), count in self._reserved.items() if r == region and f != name)
        wanted = int(params["ReservedConcurrentExecutions"])
        if ACCOUNT_CONCURRENCY - others - wanted < UNRESERVED_MINIMUM:
            raise self._error(  # type: ignore[attr-defined]
                client,
                "PutFunctionConcurrency",
                "InvalidParameterValueException",
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{UNRESERVED_MINIMUM}].",
                400,
            )
        return False, None

    def _after_lambda_PutFunctionConcurrency(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        key = (client.meta.region_name, function_name(params["FunctionName"]))
        self._reserved[key] = int(params["ReservedConcurrentExecutions"])
        return response

    def _after_lambda_DeleteFunctionConcurrency(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        self._reserved.pop((client.meta.region_name, function_name(params["FunctionName"])), None)
        return response

    def reserve(self, function: str, count: int, region: str = "us-east-1") -> None:
        """Another function of the account holds ``count`` reserved executions."""
        self._reserved[(region, function)] = count

    def _limits_after_update(self, client: Any, params: dict[str, Any]) -> None:
        key = (client.meta.region_name, function_name(params["FunctionName"]))
        self._failed_updates.pop(key, None)  # a new update replaces the last one's outcome
        failure = self._update_failures.pop(key, None)
        if failure is not None:
            self._failed_updates[key] = failure

    def _limits_failed_state(self, client: Any, name: str, config: dict[str, Any]) -> dict[str, Any]:
        failure = self._failed_updates.get((client.meta.region_name, function_name(name)))
        if failure is None:
            return config
        return {
            **config,
            "LastUpdateStatus": "Failed",
            "LastUpdateStatusReasonCode": failure[0],
            "LastUpdateStatusReason": failure[1],
        }

    # ------------------------------------------------------------------ ACM (finding 11)

    def _after_acm_RequestCertificate(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        # moto reports RSA_2048 whatever was requested: remember the real key type
        self._key_types[response["CertificateArn"]] = str(params.get("KeyAlgorithm") or "RSA_2048")
        return response

    def _acm_ListCertificates(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        # moto filters by the key type it recorded (always RSA_2048): list all, filter here
        unfiltered = {k: v for k, v in params.items() if k != "Includes"}
        response = self._raw(client, "ListCertificates", unfiltered)  # type: ignore[attr-defined]
        wanted = (params.get("Includes") or {}).get("keyTypes") or list(DEFAULT_KEY_TYPES)
        kept = []
        for summary in response.get("CertificateSummaryList") or []:
            algorithm = self._key_types.get(summary["CertificateArn"]) or summary.get("KeyAlgorithm") or "RSA_2048"
            algorithm = str(algorithm).replace("-", "_")
            if algorithm in wanted:
                kept.append({**summary, "KeyAlgorithm": algorithm})
        return True, {**response, "CertificateSummaryList": kept}

    # ------------------------------------------------------------------ EventBridge (finding 11)

    def _entries_fail(self, client: Any, operation: str, params: dict[str, Any]) -> tuple[bool, Any]:
        for rule in self._entry_failures:
            if rule["operation"] == operation and rule["left"] > 0:
                rule["left"] -= 1
                ids = [t["Id"] for t in params.get("Targets") or []] or list(params.get("Ids") or [])
                return True, {
                    "FailedEntryCount": len(ids),
                    "FailedEntries": [
                        {"TargetId": i, "ErrorCode": rule["code"], "ErrorMessage": f"{rule['code']} for target {i}"}
                        for i in ids
                    ],
                }
        return False, None

    def _events_PutTargets(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        return self._entries_fail(client, "PutTargets", params)

    def _events_RemoveTargets(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        return self._entries_fail(client, "RemoveTargets", params)


def request_body_size(client: Any, operation: str, params: dict[str, Any]) -> int:
    """The bytes of the body botocore sends for ``params``: the request serialized with
    the inline ``ZipFile`` left empty, plus that zip's base64 (which JSON carries
    unescaped), so a 50 MB zip is never encoded just to be measured."""
    from botocore.serialize import create_serializer

    zip_size = 0
    trimmed = dict(params)
    for holder in ("Code", "Content", None):  # CreateFunction, PublishLayerVersion, UpdateFunctionCode
        container = trimmed if holder is None else trimmed.get(holder)
        if isinstance(container, dict) and isinstance(container.get("ZipFile"), (bytes, bytearray)):
            zip_size = len(container["ZipFile"])
            emptied = {**container, "ZipFile": b""}
            trimmed = emptied if holder is None else {**trimmed, holder: emptied}
            break
    model = client.meta.service_model
    body = create_serializer(model.protocol, include_validation=False).serialize_to_request(
        trimmed, model.operation_model(operation)
    )["body"]
    return len(body) + 4 * math.ceil(zip_size / 3)


def _policy_size(document: Any) -> int:
    """IAM counts a policy's characters without whitespace."""
    text = document if isinstance(document, str) else json.dumps(document)
    return sum(1 for c in text if not c.isspace())
