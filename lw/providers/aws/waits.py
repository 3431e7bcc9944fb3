"""Waiting for AWS's eventual consistency: one place for every pause and retry budget.

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
from typing import Any, Callable, Iterator, TypeVar

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
    progress: Callable[[str], None] | None = None,
    budget: float = 120.0,
    first: float = 1.0,
    most: float = 15.0,
) -> T:
    """Run ``call``; while it fails with an error ``transient`` explains (it returns the
    reason to show, or ``None`` for an error that is final), wait and try again, for at
    most ``budget`` planned seconds. The last error is raised unchanged."""
    delays = backoff(first=first, most=most, budget=budget)
    spent = 0.0
    while True:
        try:
            return call()
        except Exception as exc:
            reason = transient(exc)
            delay = next(delays, None) if reason else None
            if delay is None:
                raise
            spent += delay
            if progress is not None:
                progress(f"{reason}; retrying in {delay:g}s ({spent:g}s of {budget:g}s)")
            pause(delay)
