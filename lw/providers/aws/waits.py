"""Waiting for AWS's eventual consistency: the one place for every pause and retry.

AWS answers some calls with "not yet" (a role IAM created seconds ago, a function whose
update is still in progress, a mapping still being deleted). lw waits those out with
backoff and a time budget measured in *planned* seconds, so that the budget means the
same thing whatever the pauses really last.

``LW_AWS_WAIT_SCALE`` multiplies every pause (and the delay between waiter polls): the
strict AWS double in the tests models AWS's delays in milliseconds and runs lw with a
scale of 0.001, so the same code paths run without sleeping for real. It is a test
knob, not a user setting: on AWS the default of 1 is what works.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Iterator, Sequence, TypeVar

from lw.providers.aws.errors import error_code

T = TypeVar("T")

SCALE_VARIABLE = "LW_AWS_WAIT_SCALE"
sleep: Callable[[float], None] = time.sleep  # tests may replace it


def scale() -> float:
    """The factor applied to every pause (1 unless ``LW_AWS_WAIT_SCALE`` says otherwise)."""
    raw = os.environ.get(SCALE_VARIABLE, "")
    try:
        value = float(raw) if raw else 1.0
    except ValueError:
        return 1.0
    return value if value >= 0 else 1.0


def pause(seconds: float) -> None:
    """Sleep ``seconds`` (scaled)."""
    amount = seconds * scale()
    if amount > 0:
        sleep(amount)


def waiter_config(delay: float = 1, max_attempts: int = 300) -> dict[str, Any]:
    """A botocore ``WaiterConfig`` whose poll delay follows the scale; the number of
    polls stays, so a scaled wait gives up after as many attempts as a real one."""
    return {"Delay": delay * scale(), "MaxAttempts": max_attempts}


def backoff(first: float = 1.0, factor: float = 2.0, most: float = 15.0, budget: float = 120.0) -> Iterator[float]:
    """Delays ``first, first*factor, ...`` capped at ``most``, until their sum reaches
    ``budget`` (AWS's IAM propagation takes seconds, occasionally a minute or two:
    Terraform waits up to two minutes for the same errors)."""
    spent, delay = 0.0, first
    while spent < budget:
        step = min(delay, most, budget - spent)
        yield step
        spent += step
        delay *= factor


def retry_while(
    call: Callable[[], T],
    transient: Callable[[BaseException], str | None],
    *,
    delays: Sequence[float] | None = None,
    progress: Callable[[str], None] | None = None,
    what: str = "",
    budget: float = 120.0,
    first: float = 1.0,
    most: float = 15.0,
) -> T:
    """lw's one retry primitive. Run ``call``; while it fails with an error
    ``transient`` explains (it returns the reason to show, or ``None`` for an error that
    is final; it may also raise a better error itself), pause and try again. The pauses
    are ``delays`` when given (a fixed schedule, e.g. API Gateway's quota window), else
    the ``backoff`` of ``first``/``most`` spending ``budget`` planned seconds. Each wait
    is reported through ``progress`` (prefixed with ``what``); when the pauses run out
    the last error is raised unchanged."""
    schedule = tuple(delays) if delays is not None else tuple(backoff(first=first, most=most, budget=budget))
    total = sum(schedule)
    prefix = f"{what}: " if what else ""
    spent = 0.0
    for delay in (*schedule, None):
        try:
            return call()
        except Exception as exc:
            reason = transient(exc)
            if reason is None or delay is None:
                raise
            spent += delay
            if progress is not None:
                code = error_code(exc)
                detail = f" ({code})" if code else ""
                progress(f"{prefix}{reason}{detail}; retrying in {delay:g}s ({spent:g}s of {total:g}s)")
            pause(delay)
    raise AssertionError("unreachable: the last delay is None")
