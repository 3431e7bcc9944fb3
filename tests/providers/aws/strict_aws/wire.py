"""Names as Lambda accepts them, and AWS's throttling answers as each protocol sends them."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

FUNCTION_STATE_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]+:\d+:function:([^:]+)(?::(.+))?$")


def function_name(name: str) -> str:
    match = FUNCTION_STATE_ARN.match(name)
    if match:
        return match.group(1)
    return name.split(":", 1)[0]


def qualifier(params: dict[str, Any]) -> str | None:
    if params.get("Qualifier"):
        return str(params["Qualifier"])
    match = FUNCTION_STATE_ARN.match(str(params.get("FunctionName") or ""))
    if match and match.group(2):
        return match.group(2)
    if ":" in str(params.get("FunctionName")) and not str(params["FunctionName"]).startswith("arn:"):
        return str(params["FunctionName"]).split(":", 1)[1]
    return None


class Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def throttling_answer(protocol: str, service: str) -> tuple[bytes | None, int, dict[str, str]]:
    """The protocol's own throttling error, as AWS sends it."""
    if protocol == "json":
        return (
            json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode(),
            400,
            {"x-amzn-RequestId": "strict", "Content-Type": "application/x-amz-json-1.1"},
        )
    if protocol == "rest-json":
        return (
            json.dumps({"message": "Rate exceeded"}).encode(),
            429,
            {
                "x-amzn-ErrorType": "TooManyRequestsException",
                "x-amzn-RequestId": "strict",
                "Content-Type": "application/json",
            },
        )
    if protocol == "query":
        return (
            b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
            b"</Error><RequestId>strict</RequestId></ErrorResponse>",
            400,
            {"Content-Type": "text/xml"},
        )
    if protocol == "rest-xml" and service == "s3":
        return (
            b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
            b"<RequestId>strict</RequestId></Error>",
            503,
            {"Content-Type": "application/xml"},
        )
    if protocol == "rest-xml":
        return (
            b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
            b"</Error><RequestId>strict</RequestId></ErrorResponse>",
            400,
            {"Content-Type": "text/xml"},
        )
    return None, 0, {}
