"""Grouped plans: independent groups (regions) applied concurrently, failures collected."""

from __future__ import annotations

import threading

import pytest

from lw.core.errors import ApplyError, ProviderError
from lw.core.plan import Change, GroupsApplyError, Plan, apply_plan


def _recorder() -> tuple[list[str], threading.Lock]:
    return [], threading.Lock()


def test_groups_run_concurrently_each_in_its_own_phase_order() -> None:
    """Both groups reach their build step before either finishes it: only possible if
    they run at the same time (a barrier, not a clock, proves it)."""
    barrier = threading.Barrier(2, timeout=10)
    ran, lock = _recorder()

    def step(name: str, wait: bool = False):
        def apply(outputs: dict) -> None:
            if wait:
                barrier.wait()
            with lock:
                ran.append(name)

        return apply

    plan = Plan(
        changes=[
            Change("update", "alias", "move", step("a:release"), phase="release", group="a"),
            Change("update", "alias", "move", step("b:release"), phase="release", group="b"),
            Change("update", "function", "code", step("a:build", wait=True), group="a"),
            Change("update", "function", "code", step("b:build", wait=True), group="b"),
        ]
    )
    apply_plan(plan)
    assert sorted(ran) == ["a:build", "a:release", "b:build", "b:release"]
    assert ran.index("a:build") < ran.index("a:release") and ran.index("b:build") < ran.index("b:release")


def test_ungrouped_build_runs_first_and_ungrouped_cleanup_last() -> None:
    ran, lock = _recorder()

    def record(name: str):
        def apply(outputs: dict) -> None:
            with lock:
                ran.append(name)

        return apply

    plan = Plan(
        changes=[
            Change("delete", "role", "global", record("role cleanup"), phase="cleanup"),
            Change("update", "function", "code", record("a"), group="a"),
            Change("create", "role", "global", record("role")),
            Change("update", "function", "code", record("b"), group="b"),
        ]
    )
    apply_plan(plan)
    assert ran[0] == "role" and ran[-1] == "role cleanup" and sorted(ran[1:3]) == ["a", "b"]


def test_a_failed_group_never_blocks_the_others_and_each_failure_is_listed() -> None:
    finished: list[str] = []
    cleaned: list[bool] = []

    def fail(message: str):
        def apply(outputs: dict) -> None:
            raise ProviderError(message)

        return apply

    plan = Plan(
        changes=[
            Change(
                "update",
                "function app-dev",
                "code",
                fail("ServiceException: down"),
                step="update code",
                group="eu-west-1",
            ),
            Change(
                "update",
                "alias live",
                "move",
                lambda o: finished.append("eu release"),
                phase="release",
                group="eu-west-1",
            ),
            Change("update", "function app-dev", "code", lambda o: finished.append("us"), group="us-east-1"),
            Change(
                "update",
                "alias live",
                "move",
                lambda o: finished.append("us release"),
                phase="release",
                group="us-east-1",
            ),
            Change(
                "create",
                "api app-dev",
                "missing",
                lambda o: (_ for _ in ()).throw(RuntimeError("boom\nmore")),
                step="create api",
                group="ap-south-1",
            ),
            Change("delete", "role", "global", lambda o: cleaned.append(True), phase="cleanup"),
        ]
    )
    with pytest.raises(ApplyError) as info:
        apply_plan(plan)
    error = info.value
    assert isinstance(error, GroupsApplyError)
    assert finished == ["us", "us release"]  # the healthy region deployed and released
    assert cleaned == []  # shared cleanup waits for every group to succeed
    assert error.succeeded == ["us-east-1"] and set(error.failures) == {"eu-west-1", "ap-south-1"}
    assert str(error).splitlines() == [
        "2 of 3 groups failed (succeeded: us-east-1):",
        "  eu-west-1: update code of function app-dev failed: ServiceException: down",
        "  ap-south-1: create api of api app-dev failed: RuntimeError: boom",
    ]


def test_a_failed_ungrouped_build_change_stops_every_group() -> None:
    ran: list[str] = []

    def refuse(outputs: dict) -> None:
        raise ProviderError("AccessDenied")

    plan = Plan(
        changes=[
            Change("create", "role r", "missing", refuse, step="create role"),
            Change("update", "function", "code", lambda o: ran.append("a"), group="a"),
        ]
    )
    with pytest.raises(ApplyError, match="create role of role r failed: AccessDenied"):
        apply_plan(plan)
    assert ran == []


def test_each_group_has_its_own_outputs_and_urls_are_merged() -> None:
    def deploy(region: str):
        def apply(outputs: dict) -> None:
            outputs["version"] = region[-1]
            outputs.setdefault("urls", []).append(f"https://{region}.example/")

        return apply

    def check(region: str):
        def apply(outputs: dict) -> None:
            assert outputs["version"] == region[-1] and outputs["role"] == "arn:role"

        return apply

    plan = Plan(
        changes=[
            Change("create", "role", "missing", lambda o: o.update(role="arn:role")),
            *[
                c
                for region in ("r-1", "r-2", "r-3")
                for c in (
                    Change("create", "function", "missing", deploy(region), group=region),
                    Change("update", "alias", "move", check(region), phase="release", group=region),
                )
            ],
        ]
    )
    outputs = apply_plan(plan)
    assert outputs["urls"] == ["https://r-1.example/", "https://r-2.example/", "https://r-3.example/"]
    assert {g: o["version"] for g, o in outputs["groups"].items()} == {"r-1": "1", "r-2": "2", "r-3": "3"}


def test_known_outputs_of_every_group_are_merged_for_a_noop_plan() -> None:
    plan = Plan(
        changes=[
            Change("noop", "api", "up to date", outputs={"urls": ["https://a/"]}, group="a"),
            Change("noop", "api", "up to date", outputs={"urls": ["https://b/"]}, group="b"),
        ]
    )
    assert plan.is_noop and plan.groups == ["a", "b"]
    assert plan.known_outputs()["urls"] == ["https://a/", "https://b/"]


def test_grouped_changes_name_their_group_in_text_and_json() -> None:
    change = Change("create", "Lambda function app-dev", "new function", group="eu-west-1")
    assert change.describe() == "create [eu-west-1] Lambda function app-dev  (new function)"
    assert change.to_json()["group"] == "eu-west-1"
    assert "group" not in Change("create", "x", "y").to_json()
