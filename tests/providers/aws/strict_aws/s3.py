"""S3's validation of notification destinations: the function policy must let S3
invoke it, and a permission just added is not visible yet."""

from __future__ import annotations

import json
from typing import Any

from .wire import FUNCTION_STATE_ARN, function_name


class S3Model:
    """Mixed into ``StrictAws``."""

    delays: Any
    _s3_grants: dict[tuple[str, str], int]

    # ------------------------------------------------------------------ S3 notification validation

    def _lambda_AddPermission(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        return False, None

    def _after_lambda_AddPermission(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        if params.get("Principal") == "s3.amazonaws.com":
            key = (function_name(params["FunctionName"]), str(params.get("SourceArn") or ""))
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
            error = self._error(
                client,
                "PutBucketNotificationConfiguration",
                "InvalidArgument",
                "Unable to validate the following destination configurations",
                400,
            )
            for n, arn in enumerate(failing, 1):  # S3 names each failing destination
                error.response["Error"][f"ArgumentName{n}"] = arn  # type: ignore[attr-defined]
                error.response["Error"][f"ArgumentValue{n}"] = f"Not authorized to invoke function [{arn}]"  # type: ignore[attr-defined]
            raise error
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
