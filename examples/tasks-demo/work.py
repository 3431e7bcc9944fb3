"""The slow work the web routes start as tasks: plain module-level functions."""

from __future__ import annotations

import hashlib
import time

from lw.tasks import task


@task(capture_response=True)
def digest(text: str, rounds: int = 1000) -> dict:
    """Hash ``text`` ``rounds`` times: stands for any work too slow for a request."""
    value = text.encode()
    for _ in range(rounds):
        value = hashlib.sha256(value).digest()
    print(f"digest of {len(text)} characters over {rounds} rounds done")
    return {"rounds": rounds, "sha256": value.hex()}


@task
def announce(message: str) -> None:
    """A fire-and-forget task: its output goes to the stage's log."""
    time.sleep(0.1)
    print(f"announcement: {message}")
