"""What every event-source planner needs to know about the function it wires.

Built once per plan so that each kind's planner reads the same names and the account
id is asked of STS at most once (and only after validation passed, so an invalid
``lw.yml`` fails without any AWS call).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from lw.core.model import AppModel
from lw.providers.aws import names

if TYPE_CHECKING:
    from lw.providers.aws.session import AwsSession

ALIAS_NAME = names.ALIAS


@dataclass(frozen=True)
class Target:
    """The function (through its alias) that every binding of the stage invokes."""

    app: AppModel
    aws: AwsSession
    function_name: str
    alias_arn: str
    # where waits for AWS (IAM propagation, mapping state changes) are reported
    progress: Callable[[str], None] = field(default=lambda message: None, compare=False, repr=False)

    @property
    def region(self) -> str:
        return self.aws.region

    @property
    def account_id(self) -> str:
        return self.aws.account_id

    @property
    def partition(self) -> str:
        return self.aws.partition

    @property
    def prefix(self) -> str:
        """``<project>-<stage>``: the start of every name lw gives an event resource."""
        return self.app.name

    @property
    def function_arn(self) -> str:
        return names.function_arn(self.aws, self.function_name)

    def targets_this_function(self, arn: str) -> bool:
        """Whether ``arn`` is this function, unqualified or with any version/alias.

        An exact comparison, not a prefix one: ``app-dev`` must not claim the
        resources of ``app-dev-eu``.
        """
        base = self.function_arn
        return arn == base or (arn.startswith(base + ":") and ":" not in arn[len(base) + 1 :])


def alias_arn_for(aws: AwsSession, function_name: str) -> str:
    """The deterministic ARN of the function's ``live`` alias."""
    return names.alias_arn(aws, function_name)
