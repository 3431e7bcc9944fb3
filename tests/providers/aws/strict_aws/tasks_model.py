"""What lw.tasks' resources go through on AWS and moto skips: a DynamoDB table is
``CREATING`` for a while (its TTL and deletion are refused meanwhile, as AWS refuses
them), and an on-failure destination is validated against the execution role, whose
new permission Lambda does not see yet."""

from __future__ import annotations

from typing import Any


class TasksModel:
    """Mixed into ``StrictAws``."""

    delays: Any
    _tables: dict[tuple[str, str], float]

    def _table_creating(self, client: Any, name: str) -> bool:
        until = self._tables.get((client.meta.region_name, name), 0.0)
        return self._now() < until

    def _after_dynamodb_CreateTable(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        self._tables[(client.meta.region_name, params["TableName"])] = self._now() + self.delays.table_creating
        description = dict(response["TableDescription"], TableStatus="CREATING")
        return {**response, "TableDescription": description}

    def _after_dynamodb_DescribeTable(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        if self._table_creating(client, params["TableName"]):
            return {**response, "Table": dict(response["Table"], TableStatus="CREATING")}
        return response

    def _refuse_while_creating(self, client: Any, operation: str, name: str) -> None:
        if self._table_creating(client, name):
            raise self._error(
                client,
                operation,
                "ResourceInUseException",
                f"Attempt to change a resource which is still in use: Table is being created: {name}",
                400,
            )

    def _dynamodb_UpdateTimeToLive(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._refuse_while_creating(client, "UpdateTimeToLive", params["TableName"])
        return False, None

    def _dynamodb_DeleteTable(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._refuse_while_creating(client, "DeleteTable", params["TableName"])
        return False, None

    def _lambda_PutFunctionEventInvokeConfig(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        """Lambda checks that the role may send to the destination, and a permission
        just put on the role is not visible to it yet."""
        destination = str(((params.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination") or "")
        if destination:
            check = "destination-sqs" if destination.startswith("arn:aws:sqs:") else "destination-sns"
            role = self._role_of(client, params["FunctionName"])
            self._iam_refusal(client, "PutFunctionEventInvokeConfig", role, check)
        return False, None
