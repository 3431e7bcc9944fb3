"""The strict layer in an ``lw`` CLI run as a separate process (tests only).

The in-process layer patches botocore in the test's own interpreter; a CLI started
with ``subprocess`` has its own. ``environment()`` gives such a process the variables
that make it load the layer at start-up (``boot/sitecustomize.py`` on ``PYTHONPATH``,
``LW_STRICT_AWS`` with the delays as JSON) and append every call to a journal file the
test reads back with ``read_journal()``.

Each process starts with an empty model: what earlier runs created is seen as settled,
as it is on AWS seconds later, while everything the run itself does goes through
Pending, InProgress, IAM propagation, mapping states and the rest. At exit the process
lets its own transitional states run out (``settle``), so a mapping it deleted is gone
for the next run, as AWS would have finished by then.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from .state import Delays

ENV = "LW_STRICT_AWS"
JOURNAL_ENV = "LW_STRICT_AWS_JOURNAL"
BOOT = Path(__file__).with_name("boot")


def environment(journal: Path, delays: Delays | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) plus what puts a child ``lw``
    behind the strict layer, journaling to ``journal``."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BOOT), env.get("PYTHONPATH", "")) if p)
    env[ENV] = json.dumps(dataclasses.asdict(delays or Delays()))
    env[JOURNAL_ENV] = str(journal)
    env["LW_AWS_WAIT_SCALE"] = "0.001"
    return env


def read_journal(journal: Path) -> list[tuple[str, str, str]]:
    """Every call the child processes made, in order: (service, operation, error code)."""
    if not journal.exists():
        return []
    return [tuple(json.loads(line)) for line in journal.read_text().splitlines() if line]  # type: ignore[misc]


class _JournalFile(list):  # type: ignore[type-arg]
    """The layer's journal, also appended to a file (the test is another process)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path

    def append(self, entry: Any) -> None:
        super().append(entry)
        with self._path.open("a") as out:
            out.write(json.dumps(list(entry)) + "\n")


def install_from_environment() -> None:
    import pytest

    from .layer import StrictAws

    raw = os.environ.get(ENV, "")
    settings = json.loads(raw) if raw.startswith("{") else {}
    layer = StrictAws(Delays(**settings)).install(pytest.MonkeyPatch())
    journal = os.environ.get(JOURNAL_ENV)
    if journal:
        layer.journal = _JournalFile(Path(journal))
    atexit.register(layer.settle)
