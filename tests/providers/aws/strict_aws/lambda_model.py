"""Lambda and IAM as AWS behaves: functions Pending and InProgress, SnapStart versions
Pending, IAM changes not visible yet, alias weights while an alias moves, and the
provisioned-concurrency API moto lacks."""

from __future__ import annotations

import uuid
from typing import Any

from .state import FunctionState
from .wire import function_name, qualifier


class LambdaModel:
    """Mixed into ``StrictAws``: the hooks named ``_lambda_<Operation>`` (before the
    call) and ``_after_lambda_<Operation>`` (after it), and the same for IAM."""

    delays: Any
    journal: list[tuple[str, str, str]]
    alias_moves: list[tuple[int, str]]
    _functions: dict[tuple[str, str], FunctionState]
    _roles: dict[str, dict[str, Any]]
    _alias_weights: dict[tuple[str, str], tuple[float, str]]
    _provisioned: dict[tuple[str, str, str], int]

    def _function(self, client: Any, name: str) -> FunctionState:
        key = (client.meta.region_name, function_name(name))
        return self._functions.setdefault(key, FunctionState())

    def _revision(self, client: Any, name: str) -> str:
        """``$LATEST``'s ``RevisionId``: a new one after every change of the function."""
        fn = self._function(client, name)
        if not fn.revision:
            fn.revision = str(uuid.uuid4())
        return fn.revision

    def _revised(self, client: Any, name: str, response: Any) -> Any:
        fn = self._function(client, name)
        fn.revision = str(uuid.uuid4())
        return {**response, "RevisionId": fn.revision}

    def _function_arn(self, client: Any, name: str) -> str:
        return f"arn:aws:lambda:{client.meta.region_name}:123456789012:function:{function_name(name)}"

    def _refuse_while_changing(self, client: Any, operation: str, name: str) -> None:
        fn = self._function(client, name)
        now = self._now()
        if now < fn.pending_until:
            raise self._error(
                client,
                operation,
                "ResourceConflictException",
                "The operation cannot be performed at this time. The function is currently in the "
                "following state: Pending",
                409,
            )
        if now < fn.updating_until:
            raise self._error(
                client,
                operation,
                "ResourceConflictException",
                "The operation cannot be performed at this time. An update is in progress for "
                f"resource: {self._function_arn(client, name)}",
                409,
            )

    def _role_of(self, client: Any, name: str) -> str:
        fn = self._function(client, name)
        if not fn.role:
            found = self._raw(client, "GetFunctionConfiguration", {"FunctionName": function_name(name)})
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
                "destination-sqs": "The function's execution role does not have permissions to call SendMessage "
                "on the destination",
                "destination-sns": "The function's execution role does not have permissions to call Publish "
                "on the destination",
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
        self._vpc_function_created(client, params, response)
        if params.get("Publish") and fn.snap_start and response.get("Version", "$LATEST") != "$LATEST":
            fn.versions_pending[str(response["Version"])] = now + self.delays.snapstart_pending
        return {
            **self._revised(client, params["FunctionName"], response),
            "State": "Pending",
            "StateReason": "The function is being created.",
            "StateReasonCode": "Creating",
        }

    def _lambda_UpdateFunctionCode(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._refuse_while_changing(client, "UpdateFunctionCode", params["FunctionName"])
        return False, None

    def _after_lambda_UpdateFunctionCode(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        self._function(client, params["FunctionName"]).updating_until = self._now() + self.delays.update_in_progress
        self._limits_after_update(client, params)
        return {**self._revised(client, params["FunctionName"], response), "LastUpdateStatus": "InProgress"}

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
        self._limits_after_update(client, params)
        if (params.get("VpcConfig") or {}).get("SubnetIds") and not self._has_interface(client, params["FunctionName"]):
            self._vpc_function_created(client, {**params, "Role": params.get("Role") or fn.role}, response)
        if "Role" in params:
            fn.role = str(params["Role"])
        if "SnapStart" in params:
            fn.snap_start = (params.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions"
        return {**self._revised(client, params["FunctionName"], response), "LastUpdateStatus": "InProgress"}

    def _lambda_PublishVersion(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._refuse_while_changing(client, "PublishVersion", params["FunctionName"])
        return False, None

    def _after_lambda_PublishVersion(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        fn = self._function(client, params["FunctionName"])
        fn.revision = str(uuid.uuid4())  # publishing revises $LATEST too (stricter where unsure)
        if fn.snap_start:
            fn.versions_pending[str(response["Version"])] = self._now() + self.delays.snapstart_pending
            return {**response, "State": "Pending", "StateReasonCode": "Creating"}
        return response

    def _lambda_Invoke(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        # moto without Docker answers an invocation of a function that does not exist by
        # echoing the payload; AWS refuses it (404 ResourceNotFoundException).
        try:
            self._raw(client, "GetFunction", {k: v for k, v in params.items() if k in ("FunctionName", "Qualifier")})
        except client.exceptions.ResourceNotFoundException:
            target = params["FunctionName"] + (f":{params['Qualifier']}" if params.get("Qualifier") else "")
            raise self._error(
                client,
                "Invoke",
                "ResourceNotFoundException",
                f"Function not found: {self._function_arn(client, target)}",
                404,
            ) from None
        fn = self._function(client, params["FunctionName"])
        if self._now() < fn.pending_until:
            raise self._error(
                client,
                "Invoke",
                "ResourceConflictException",
                "The operation cannot be performed at this time. The function is currently in the "
                "following state: Pending",
                409,
            )
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
        config["RevisionId"] = self._revision(client, name)
        if now < fn.pending_until:
            config.update(State="Pending", StateReasonCode="Creating", StateReason="The function is being created.")
        elif now < fn.updating_until:
            config.update(LastUpdateStatus="InProgress", LastUpdateStatusReasonCode="", State="Active")
        else:
            config = self._limits_failed_state(client, name, config)
        return config

    def _after_lambda_GetFunctionConfiguration(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        return self._state_of(client, params["FunctionName"], qualifier(params), response)

    def _after_lambda_GetFunction(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        config = self._state_of(client, params["FunctionName"], qualifier(params), response["Configuration"])
        return {**response, "Configuration": config}

    def _after_lambda_DeleteFunction(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        if not params.get("Qualifier"):
            region, name = client.meta.region_name, function_name(params["FunctionName"])
            self._functions.pop((region, name), None)
            self._vpc_function_deleted(client, name)
            for key in [k for k in self._provisioned if k[0] == region and k[1] == name]:
                del self._provisioned[key]
        return response

    # ------------------------------------------------------------------ aliases, provisioned concurrency

    def _pending_version(self, client: Any, operation: str, params: dict[str, Any]) -> None:
        fn = self._function(client, params["FunctionName"])
        version = str(params.get("FunctionVersion") or "")
        if version and self._now() < fn.versions_pending.get(version, 0.0):
            raise self._error(
                client,
                operation,
                "ResourceConflictException",
                f"Version {version} of {function_name(params['FunctionName'])} is Pending (its "
                "SnapStart snapshot is not ready): an alias on it could not be invoked "
                "[strict layer: AWS accepts the call, then fails every invocation]",
                409,
            )

    def _lambda_CreateAlias(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._pending_version(client, "CreateAlias", params)
        self.alias_moves.append((len(self.journal), str(params.get("FunctionVersion"))))
        return False, None

    def _lambda_UpdateAlias(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._pending_version(client, "UpdateAlias", params)
        key = (client.meta.region_name, function_name(params["FunctionName"]))
        previous = self._raw(client, "GetAlias", {"FunctionName": key[1], "Name": params["Name"]})
        if params.get("FunctionVersion") and previous.get("FunctionVersion") != params["FunctionVersion"]:
            self._alias_weights[(key[0], f"{key[1]}:{params['Name']}")] = (
                self._now() + self.delays.alias_weights,
                str(previous.get("FunctionVersion")),
            )
        self.alias_moves.append((len(self.journal), str(params.get("FunctionVersion"))))
        return False, None

    def _weights(self, client: Any, function: str, alias: str) -> dict[str, float]:
        found = self._alias_weights.get((client.meta.region_name, f"{function_name(function)}:{alias}"))
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
            raise self._error(
                client,
                "PutProvisionedConcurrencyConfig",
                "InvalidParameterValueException",
                "Alias with weights can not be used with Provisioned Concurrency",
                400,
            )
        self._raw(
            client, "GetAlias", {"FunctionName": function_name(params["FunctionName"]), "Name": params["Qualifier"]}
        )
        key = (client.meta.region_name, function_name(params["FunctionName"]), params["Qualifier"])
        self._provisioned[key] = int(params["ProvisionedConcurrentExecutions"])
        return True, {"RequestedProvisionedConcurrentExecutions": self._provisioned[key], "Status": "IN_PROGRESS"}

    def _lambda_GetProvisionedConcurrencyConfig(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        key = (client.meta.region_name, function_name(params["FunctionName"]), params["Qualifier"])
        if key not in self._provisioned:
            raise self._error(
                client,
                "GetProvisionedConcurrencyConfig",
                "ProvisionedConcurrencyConfigNotFoundException",
                "No Provisioned Concurrency Config found for this function",
                404,
            )
        count = self._provisioned[key]
        return True, {
            "RequestedProvisionedConcurrentExecutions": count,
            "AllocatedProvisionedConcurrentExecutions": count,
            "AvailableProvisionedConcurrentExecutions": count,
            "Status": "READY",
        }

    def _lambda_DeleteProvisionedConcurrencyConfig(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        key = (client.meta.region_name, function_name(params["FunctionName"]), params["Qualifier"])
        self._provisioned.pop(key, None)
        return True, {}

    def provisioned(self, region: str, function: str, alias: str = "live") -> int | None:
        return self._provisioned.get((region, function, alias))
