"""Make moto's Lambda ``Invoke`` run the deployed code, with lw's local runtime.

moto without Docker echoes the payload back, which proves what lw sent but not what the
function does with it. This patch (botocore's single call point, as ``call_counter``
uses) keeps each code zip lw uploads (``ZipFile`` or the S3 object it names) by its
SHA-256, and answers ``Invoke`` by running the zip of the version invoked in a
local-runtime worker: the real ``awslambdaric`` against a Runtime API,
``python -I -S``, the package folder read-only. The reply has Lambda's shape
(``StatusCode``, ``Payload``, ``FunctionError``, ``LogResult`` with the log tail); an
``InvocationType=Event`` invoke runs before the call returns and answers 202, empty.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest

from lw.providers.local import isolation
from lw.providers.local.pool import Pool
from lw.providers.local.worker import WorkerSpec


class LocalLambda:
    """One warm worker per (function, code hash), started on first use."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.pools: dict[str, Pool] = {}
        self.zips: dict[str, bytes] = {}  # CodeSha256 (base64, as Lambda reports it) -> zip
        self.runtime_dir = work_dir / "runtime"
        isolation.build_runtime_dir(self.runtime_dir)

    def keep(self, code: bytes) -> None:
        self.zips[base64.b64encode(hashlib.sha256(code).digest()).decode()] = code

    def pool_for(self, configuration: dict[str, Any]) -> Pool:
        key = f"{configuration['FunctionName']}-{configuration['CodeSha256']}"
        pool = self.pools.get(key)
        if pool is not None:
            return pool
        task_root = self.work_dir / key.replace("/", "_").replace("+", "-").replace("=", "")
        zipfile.ZipFile(io.BytesIO(self.zips[configuration["CodeSha256"]])).extractall(task_root)
        spec = WorkerSpec(
            handler=configuration["Handler"],
            task_root=task_root,
            runtime_dir=self.runtime_dir,
            function_name=configuration["FunctionName"],
            memory_size=configuration["MemorySize"],
            region="us-east-1",
            python_version=f"{sys.version_info.major}.{sys.version_info.minor}",
            timeout_seconds=float(configuration["Timeout"]),
            init_timeout_seconds=60,
            tmp_root=self.work_dir / "tmp",
        )
        pool = Pool(1, spec, 1, lambda _source, _text: None)
        pool.start()
        error = pool.wait_ready()
        assert error is None, f"the function did not start: {error}\n" + "\n".join(pool.recent_output())
        self.pools[key] = pool
        return pool

    def invoke(self, pool: Pool, payload: bytes) -> dict[str, Any]:
        invocation = pool.invoke(payload)
        time.sleep(0.05)  # the output pump lags the Runtime API a little
        reply: dict[str, Any] = {
            "StatusCode": 200,
            "ExecutedVersion": "1",
            "Payload": io.BytesIO(invocation.payload),
            "LogResult": base64.b64encode("\n".join(invocation.logs)[-4096:].encode()).decode(),
        }
        if invocation.outcome != "response":
            reply["FunctionError"] = "Unhandled"
        return reply

    def close(self) -> None:
        for pool in self.pools.values():
            pool.stop()


@pytest.fixture
def lambda_runs_code(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalLambda]:
    from botocore.client import BaseClient

    local = LocalLambda(tmp_path / "local-lambda")
    original = BaseClient._make_api_call

    def call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        if service == "lambda" and operation_name in ("CreateFunction", "UpdateFunctionCode"):
            code = api_params.get("Code", api_params)
            if code.get("ZipFile"):
                local.keep(code["ZipFile"])
            elif code.get("S3Bucket"):
                s3 = boto3.client("s3")
                local.keep(s3.get_object(Bucket=code["S3Bucket"], Key=code["S3Key"])["Body"].read())
        if service == "lambda" and operation_name == "Invoke":
            function = original(
                self,
                "GetFunction",
                {"FunctionName": api_params["FunctionName"], "Qualifier": api_params.get("Qualifier", "$LATEST")},
            )
            pool = local.pool_for(function["Configuration"])
            payload = api_params.get("Payload") or b"{}"
            reply = local.invoke(pool, payload if isinstance(payload, bytes) else json.dumps(payload).encode())
            if api_params.get("InvocationType") == "Event":
                # Lambda queues an asynchronous invocation and answers 202 with an empty
                # payload; here it has already run (synchronously), which tests rely on.
                return {"StatusCode": 202, "Payload": io.BytesIO(b"")}
            return reply
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", call)
    yield local
    local.close()
