"""lw's waits for AWS's eventual consistency: backoff budget, the IAM-propagation
messages that are retried (and those that are not), progress, and the test scale."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from lw.providers.aws import propagation, waits

MESSAGES = [
    "The role defined for the function cannot be assumed by Lambda.",
    "The provided execution role does not have permissions to call CreateNetworkInterface on EC2",
    "The provided execution role does not have permissions to call SendMessage on SQS",
    "The provided execution role does not have permissions to call Publish on SNS",
    "The provided execution role does not have permissions to call ReceiveMessage on SQS",
    "Cannot access stream arn:aws:kinesis:us-east-1:1:stream/s. Please ensure the role can perform the GetRecords, "
    "GetShardIterator, DescribeStream, and ListShards Actions on your stream in IAM.",
    "The provided execution role does not have permissions to call GetRecords on Kinesis",
]


def _error(message: str, code: str = "InvalidParameterValueException") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "CreateFunction")


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    pauses: list[float] = []
    monkeypatch.setattr(waits, "sleep", pauses.append)
    monkeypatch.delenv(waits.SCALE_VARIABLE, raising=False)
    return pauses


def test_backoff_grows_is_capped_and_spends_exactly_the_budget() -> None:
    delays = list(waits.backoff(first=1, most=15, budget=120))
    assert delays[:5] == [1, 2, 4, 8, 15] and max(delays) == 15
    assert sum(delays) == 120


@pytest.mark.parametrize("message", MESSAGES)
def test_every_iam_propagation_message_is_retried_with_progress(slept: list[float], message: str) -> None:
    answers = [_error(message), _error(message), "done"]
    shown: list[str] = []

    def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert propagation.retry_iam(call, shown.append) == "done"
    assert slept == [1, 2] and len(shown) == 2 and "retrying in 1s" in shown[0]


def test_gives_up_after_two_minutes_with_the_last_error(slept: list[float]) -> None:
    def call() -> None:
        raise _error(MESSAGES[0])

    with pytest.raises(ClientError, match="cannot be assumed"):
        propagation.retry_iam(call)
    assert sum(slept) == propagation.IAM_BUDGET_SECONDS


@pytest.mark.parametrize(
    "error",
    [
        _error("Unzipped size must be smaller than 262144000 bytes"),
        _error("The role defined for the function cannot be assumed by Lambda.", code="AccessDeniedException"),
    ],
)
def test_other_errors_are_not_retried(slept: list[float], error: ClientError) -> None:
    def call() -> None:
        raise error

    with pytest.raises(ClientError):
        propagation.retry_iam(call)
    assert slept == []


def test_the_scale_shrinks_pauses_and_waiter_delays(slept: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(waits.SCALE_VARIABLE, "0.001")
    waits.pause(2)
    assert slept == [0.002]
    assert waits.waiter_config(1, 300) == {"Delay": 0.001, "MaxAttempts": 300}
    monkeypatch.setenv(waits.SCALE_VARIABLE, "nonsense")
    assert waits.scale() == 1.0


def test_lambda_busy_answers_are_recognised() -> None:
    busy = _error(
        "The operation cannot be performed at this time. An update is in progress for resource: x",
        code="ResourceConflictException",
    )
    assert propagation.resource_busy(busy)
    assert propagation.resource_busy(_error("in use", code="ResourceInUseException"))
    assert not propagation.resource_busy(_error("Function already exist: f", code="ResourceConflictException"))
