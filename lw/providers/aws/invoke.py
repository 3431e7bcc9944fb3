"""``lw invoke``/``lw manage``: call the deployed alias directly and show its log tail."""

from __future__ import annotations

import base64
import json
from typing import Any

from lw.core.context import Context
from lw.core.errors import UsageError
from lw.core.provider import InvokeRequest, InvokeResult
from lw.providers.aws import names
from lw.providers.aws.errors import aws_call
from lw.providers.aws.session import AwsSession


def invoke(ctx: Context, aws: AwsSession, request: InvokeRequest) -> InvokeResult:
    app = ctx.app
    if request.raw is not None and not app.setting("allow_raw_invoke", False):
        # Checked here too so that no code-execution payload is ever sent by mistake;
        # the deployed runtime refuses it as well.
        raise UsageError(
            f"{app.config_file.name}: stage '{app.stage}': raw Python invocation is off; set allow_raw_invoke: true"
        )
    function = names.function_name(app)
    lam = aws.client("lambda")
    payload = json.dumps(request.to_command()).encode()
    response = aws_call(
        "invoke",
        f"Lambda function {function}:{names.ALIAS}",
        lambda: lam.invoke(
            FunctionName=function,
            Qualifier=names.ALIAS,
            InvocationType="RequestResponse",
            LogType="Tail",
            Payload=payload,
        ),
    )
    raw = response["Payload"].read()
    logs = base64.b64decode(response["LogResult"]).decode("utf-8", "replace") if response.get("LogResult") else ""
    result = _decode(raw)
    error = None
    if response.get("FunctionError"):
        error = _error_text(result)
    return InvokeResult(result=result, logs=logs, error=error)


def _decode(raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _error_text(result: Any) -> str:
    if isinstance(result, dict):
        kind = result.get("errorType") or "Error"
        return f"{kind}: {result.get('errorMessage', '')}".strip()
    return str(result)
