"""Issue #11, finding 11, the two release guards, through the real CLI against moto
behind the strict layer (tests/providers/aws/strict_aws/limits.py):

* a zip a few bytes under 50 MiB is within Lambda's zip limit, but its inline request
  (base64 plus the rest of the body) is over the 69,905,067-byte request limit: lw must
  send it through S3, and the layer refuses it inline as Lambda does;
* a write by another deploy between this deploy's update and its ``PublishVersion``
  must stop the release (``CodeSha256``/``RevisionId`` preconditions), not publish and
  release the other run's code or configuration.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest
from botocore.exceptions import ClientError
from cli_helpers import lw_run
from secure_helpers import NAME, configure, deploy_ok, project, project_template  # noqa: F401

MIB = 1024 * 1024
# Under Lambda's 50 MiB zip limit, so lw's rule before the fix (file size only) sent it
# inline; its base64 alone is within 150 bytes of the request limit, so the rest of a
# CreateFunction body takes it over.
ZIP_TARGET = 50 * MIB - 100
REQUEST_LIMIT = 69_905_067


def _incompressible_size(zip_target: int, zip_without: int, name: str) -> int:
    """How many random bytes in file ``name`` take a ``zip_without``-byte package to
    ``zip_target`` bytes. zlib (lw packages at level 6) stores incompressible data in
    blocks of about 16 KiB with 5 bytes of header each; the zip entry adds two headers
    with the name. Within a few bytes, which the test checks on the real package."""
    room = zip_target - zip_without - 2 * len(name) - 30 - 46
    size = room
    for _ in range(4):
        size = room - 5 * math.ceil(size / 16383)
    return size


def test_the_layer_counts_the_body_botocore_sends_and_refuses_a_byte_over(aws_env: str, strict_aws: Any) -> None:
    """The rule itself, without moto: the count is the serialized body, byte for byte,
    and a body of exactly the limit passes where one more byte is refused."""
    from botocore.serialize import create_serializer
    from strict_aws.limits import request_body_size

    lam = boto3.client("lambda")
    model = lam.meta.service_model
    params = {
        "FunctionName": "f",
        "Role": "arn:aws:iam::123456789012:role/r",
        "Code": {"ZipFile": hashlib.shake_128(b"zip").digest(1001)},
        "Environment": {"Variables": {"GREETING": 'h\u00e9llo "quoted"'}},
        "Tags": {"lw:project": "p"},
    }
    for operation, request in (
        ("CreateFunction", params),
        ("UpdateFunctionCode", {"FunctionName": "f", "ZipFile": b"\x00" * 7}),
        ("PublishLayerVersion", {"LayerName": "l", "Content": {"ZipFile": b"\xff" * 2}}),
    ):
        sent = create_serializer(model.protocol).serialize_to_request(request, model.operation_model(operation))
        assert request_body_size(lam, operation, request) == len(sent["body"]), operation

    big = b"\x00" * (3 * ((REQUEST_LIMIT - 100) // 4))  # base64 without padding, 100 bytes of room
    at_limit: dict[str, Any] = {"FunctionName": "f", "ZipFile": big, "RevisionId": ""}
    at_limit["RevisionId"] = "r" * (REQUEST_LIMIT - request_body_size(lam, "UpdateFunctionCode", at_limit))
    assert request_body_size(lam, "UpdateFunctionCode", at_limit) == REQUEST_LIMIT
    strict_aws._request_fits(lam, "UpdateFunctionCode", at_limit)  # accepted
    at_limit["RevisionId"] += "r"
    with pytest.raises(ClientError, match="Request must be smaller than 69905067 bytes for the UpdateFunctionCode"):
        strict_aws._request_fits(lam, "UpdateFunctionCode", at_limit)


@pytest.mark.slow  # packages, uploads and deploys 50 MiB (about 6 s on two cores)
def test_a_zip_just_under_50_mib_deploys_through_s3_and_is_refused_inline(project: Path, strict_aws: Any) -> None:
    configure(project, apigateway=False)  # the function is what is tested: no front door to deploy
    without = json.loads(lw_run(project, "package", "--json").stdout)  # the package without the data
    packaged = Path(without["path"])
    name = "model.bin"
    size = _incompressible_size(ZIP_TARGET, int(without["size"]), name)
    (project / name).write_bytes(hashlib.shake_128(b"lw finding 11").digest(size))

    deploy_ok(project)

    assert packaged.stat().st_size <= 50 * MIB  # packaging accepted it, and it is within the zip limit
    assert abs(packaged.stat().st_size - ZIP_TARGET) < 50, packaged.stat().st_size
    lam = boto3.client("lambda")
    config = lam.get_function_configuration(FunctionName=NAME)
    assert config["CodeSize"] == packaged.stat().st_size
    assert not [e for e in strict_aws.errors() if e[2] == "RequestEntityTooLargeException"]
    assert any(e[:2] == ("s3", "CreateMultipartUpload") for e in strict_aws.journal)  # through S3

    # The same zip inline, with the function's own configuration beside it: Lambda's
    # front door refuses the request, as it would have refused lw's before the fix.
    with pytest.raises(ClientError) as refused:
        lam.create_function(
            FunctionName=f"{NAME}-inline",
            Runtime=config["Runtime"],
            Role=config["Role"],
            Handler=config["Handler"],
            MemorySize=config["MemorySize"],
            Timeout=config["Timeout"],
            Environment=config.get("Environment") or {"Variables": {}},
            Code={"ZipFile": packaged.read_bytes()},
        )
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert refused.value.response["Error"] == {
        "Code": "RequestEntityTooLargeException",
        "Message": f"Request must be smaller than {REQUEST_LIMIT} bytes for the CreateFunction operation",
    }


def _other_runs_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "# the other CI run's code\n")
    return buffer.getvalue()


def _code_landed(strict_aws: Any, lam: Any) -> None:
    """The other run's upload, finished. Paused, so the layer's ``RevisionId`` stays and
    no update is in progress: only ``CodeSha256`` tells."""
    with strict_aws.paused():
        lam.update_function_code(FunctionName=NAME, ZipFile=_other_runs_zip())


def _configuration_landed(strict_aws: Any, lam: Any) -> None:
    """Same code, another configuration: only ``RevisionId`` tells."""
    lam.update_function_configuration(FunctionName=NAME, Description="set by the other CI run")
    strict_aws.settle()


def _code_still_updating(strict_aws: Any, lam: Any) -> None:
    """The other run's upload, still in progress: Lambda answers the publish with
    ``ResourceConflictException`` before comparing the preconditions."""
    strict_aws.delays.update_in_progress = 5.0  # still in progress when this run publishes, however busy the machine
    lam.update_function_code(FunctionName=NAME, ZipFile=_other_runs_zip())


def test_a_deploy_another_one_raced_releases_nothing(
    project: Path, strict_aws: Any, answer: Callable[..., None]
) -> None:
    """Another deploy writes between this one's update and its publish: Lambda refuses
    the guarded ``PublishVersion`` and lw stops with one line, nothing published or
    released (without the guard it published, and released, the other run's work).
    One first deploy, then a raced redeploy per kind of write (each a new version of
    the app), the still-running update last."""
    configure(project, apigateway=False)  # the function is what is tested: no front door to deploy
    deploy_ok(project)
    lam = boto3.client("lambda")
    races = [
        (_code_landed, "PreconditionFailedException"),
        (_configuration_landed, "PreconditionFailedException"),
        (_code_still_updating, "ResourceConflictException"),
    ]
    for n, (other_run, answered) in enumerate(races, start=2):
        sent: list[dict[str, Any]] = []

        def other_run_first(params: dict[str, Any], real: Callable[[], Any], other_run: Any = other_run) -> Any:
            if not sent:  # just before this run's PublishVersion
                other_run(strict_aws, lam)
            sent.append(params)
            return real()

        answer("lambda", "PublishVersion", other_run_first)
        (project / "app.py").write_text((project / "app.py").read_text() + f"\n# v{n}\n")
        raced = lw_run(project, "deploy")

        why = f"{other_run.__name__}: {raced.stderr}"
        assert raced.exit_code == 1, why
        assert "another deploy changed it while this one ran" in raced.stderr, why
        assert "Traceback" not in raced.stderr, why
        assert [line for line in raced.stderr.splitlines() if not line.startswith("warning:")] == [
            line for line in raced.stderr.splitlines() if "another deploy changed it" in line
        ], why  # that one line, and warnings
        assert [e[2] for e in strict_aws.errors() if e[1] == "PublishVersion"][-1] == answered, why
        assert lam.get_alias(FunctionName=NAME, Name="live")["FunctionVersion"] == "1", why  # nothing released
        versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=NAME)["Versions"]]
        assert versions == ["$LATEST", "1"], why  # nor published
        assert sent[0].get("CodeSha256") and sent[0].get("RevisionId"), why  # both preconditions sent
