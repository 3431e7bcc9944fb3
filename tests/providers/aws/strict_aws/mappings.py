"""Event source mappings as AWS changes them: asynchronously, through Creating,
Updating and Deleting, refusing updates and deletes meanwhile."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from .state import MappingState
from .wire import function_name


class MappingModel:
    """Mixed into ``StrictAws``."""

    delays: Any
    _mappings: dict[str, MappingState]

    # ------------------------------------------------------------------ event source mappings

    def _mapping_checks(self, source: str) -> str:
        return "mapping-sqs" if source.startswith("arn:aws:sqs:") else "mapping-stream"

    def _lambda_CreateEventSourceMapping(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        source = str(params["EventSourceArn"])
        function = function_name(params["FunctionName"])
        for uuid, mapping in self._mappings.items():
            if mapping.source == source and function_name(mapping.function) == function and mapping.state == "Deleting":
                raise self._error(
                    client,
                    "CreateEventSourceMapping",
                    "ResourceConflictException",
                    f"The event source arn ({source}) and function ({function}) provided mapping "
                    f"already exists. Please update or delete the existing mapping with UUID {uuid}",
                    409,
                )
        self._refuse_while_changing(client, "CreateEventSourceMapping", params["FunctionName"])
        self._iam_refusal(
            client,
            "CreateEventSourceMapping",
            self._role_of(client, params["FunctionName"]),
            self._mapping_checks(source),
        )
        return False, None

    def _after_lambda_CreateEventSourceMapping(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        final = "Enabled" if params.get("Enabled", True) else "Disabled"
        self._mappings[response["UUID"]] = MappingState(
            "Creating",
            self._now() + self.delays.mapping_transition,
            final,
            str(params["EventSourceArn"]),
            str(params["FunctionName"]),
        )
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
            raise self._error(
                client,
                operation,
                "ResourceInUseException",
                f"Cannot {verb} the event source mapping because it is in use (state {mapping.state}).",
                400,
            )

    def _lambda_UpdateEventSourceMapping(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._busy_mapping(client, "UpdateEventSourceMapping", params["UUID"])
        mapping = self._mappings.get(params["UUID"])
        if mapping is not None:
            self._iam_refusal(
                client,
                "UpdateEventSourceMapping",
                self._role_of(client, mapping.function),
                self._mapping_checks(mapping.source),
            )
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
        mapping = self._mappings.get(uuid) or MappingState(
            "Enabled", 0.0, "Enabled", str(found["EventSourceArn"]), str(found["FunctionArn"])
        )
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
        return {
            **response,
            "EventSourceMappings": [self._mapping_state(m) for m in response.get("EventSourceMappings") or []],
        }

    def settle(self) -> None:
        """Let every transitional state run out (a test's "some time later")."""
        longest = max(
            self.delays.function_pending,
            self.delays.update_in_progress,
            self.delays.snapstart_pending,
            self.delays.mapping_transition,
            self.delays.alias_weights,
        )
        time.sleep(longest + 0.005)
        with self._lock:
            self._finish_due_deletes()
            self._finish_due_enis()
