"""pyproject's boto3/botocore floor must have every parameter lw sends (issue #11,
finding 5): an older model rejects an unknown parameter before any call
(``ParamValidationError``), e.g. ``InvokedViaFunctionUrl`` on a public Function URL."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session

REPO = Path(__file__).resolve().parents[3]
# (service, operation, parameter) lw sends that came late to botocore's models
LATE_PARAMETERS = [
    ("lambda", "AddPermission", "InvokedViaFunctionUrl"),
    ("lambda", "CreateFunction", "SnapStart"),
    ("lambda", "CreateFunction", "EphemeralStorage"),
    ("lambda", "CreateEventSourceMapping", "FunctionResponseTypes"),
]
FLOOR = (1, 40, 50)  # the first botocore with InvokedViaFunctionUrl


def _floor(package: str) -> tuple[int, ...]:
    text = (REPO / "pyproject.toml").read_text()
    found = re.search(rf'"{package}>=([0-9.]+)"', text)
    assert found, f"pyproject.toml has no floor for {package}"
    return tuple(int(p) for p in found.group(1).split("."))


def test_pyproject_floors_are_the_first_versions_with_every_parameter() -> None:
    assert _floor("boto3") >= FLOOR and _floor("botocore") >= FLOOR


def test_the_installed_models_accept_what_lw_sends() -> None:
    """Run at the floors by the minimum-versions CI leg."""
    session = botocore.session.get_session()
    for service, operation, parameter in LATE_PARAMETERS:
        shape = session.get_service_model(service).operation_model(operation).input_shape
        assert parameter in shape.members, f"botocore {botocore.__version__}: {operation} has no {parameter}"
