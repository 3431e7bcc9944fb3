"""The error types the CLI turns into one-line messages and exit codes.

Every expected failure is raised as an ``LwError`` subclass so that the CLI can print a
single line and exit with the right status; anything else is a bug and is shown with
its traceback only under ``-v``.
"""

from __future__ import annotations


class LwError(Exception):
    """An expected failure: printed as one line, exit status ``exit_code``."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UsageError(LwError):
    """The command line asked for something that cannot be done (exit 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """``lw.yml`` is missing, malformed or invalid (exit 2).

    ``problems`` holds every problem found, so that a user fixes them all in one pass.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class ProviderError(LwError):
    """A provider's API refused or failed a call (exit 1)."""


class PackagingError(LwError):
    """The deployment package could not be built (exit 1)."""


class ApplyError(LwError):
    """A step of an applied plan failed; names the step and the resource (exit 1)."""

    def __init__(self, step: str, resource: str, cause: str) -> None:
        super().__init__(f"{step} of {resource} failed: {cause}")
        self.step = step
        self.resource = resource
        self.cause = cause
