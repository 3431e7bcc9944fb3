from __future__ import annotations

import pytest

from lw.core.errors import ApplyError, ProviderError
from lw.core.plan import Change, Plan, apply_plan


def test_release_changes_run_after_every_build_change() -> None:
    ran: list[str] = []
    plan = Plan()
    plan.extend([Change("update", "alias live", "new version", lambda o: ran.append("release"), phase="release")])
    plan.extend([Change("create", "api", "missing", lambda o: ran.append("route"))])
    plan.extend([Change("delete", "old versions", "prune", lambda o: ran.append("cleanup"), phase="cleanup")])
    apply_plan(plan)
    assert ran == ["route", "release", "cleanup"]


def test_noop_changes_are_not_applied_and_plan_says_so() -> None:
    plan = Plan(changes=[Change("noop", "function f", "code unchanged", lambda o: pytest.fail("applied a noop"))])
    assert plan.is_noop
    assert apply_plan(plan)["elapsed_seconds"] >= 0
    assert plan.render() == "no changes: everything is up to date"
    assert "function f" in plan.render(show_noop=True)


def test_failure_stops_before_release_and_names_step_and_resource() -> None:
    released: list[bool] = []

    def boom(outputs: dict) -> None:
        raise RuntimeError("socket closed\nsecond line")

    plan = Plan(
        changes=[
            Change("update", "alias live", "switch", lambda o: released.append(True), phase="release"),
            Change("update", "function app-dev", "code changed", boom, step="update code"),
        ]
    )
    with pytest.raises(ApplyError) as info:
        apply_plan(plan)
    assert str(info.value) == "update code of function app-dev failed: RuntimeError: socket closed"
    assert released == []


def test_outputs_flow_between_changes() -> None:
    plan = Plan(
        changes=[
            Change("create", "function", "missing", lambda o: o.update(arn="arn:x")),
            Change("create", "route", "missing", lambda o: o.setdefault("urls", []).append(o["arn"] + "/url")),
        ]
    )
    assert apply_plan(plan)["urls"] == ["arn:x/url"]


def test_lw_errors_keep_their_message() -> None:
    def refuse(outputs: dict) -> None:
        raise ProviderError("AccessDenied on iam:CreateRole")

    with pytest.raises(ApplyError, match="create role of role app-dev failed: AccessDenied"):
        apply_plan(Plan(changes=[Change("create", "role app-dev", "missing", refuse, step="create role")]))


def test_json_form_lists_every_change_in_order() -> None:
    plan = Plan(changes=[Change("update", "b", "r", phase="release"), Change("create", "a", "r")])
    assert [c["resource"] for c in plan.to_json()["changes"]] == ["a", "b"]
    assert plan.to_json()["mutating"] == 2


def test_outputs_known_while_planning_survive_a_noop_plan() -> None:
    plan = Plan(
        changes=[
            Change("noop", "api", "unchanged", outputs={"urls": ["https://a/"]}),
            Change("noop", "function url", "unchanged", outputs={"urls": ["https://a/", "https://b/"]}),
        ]
    )
    assert plan.known_outputs()["urls"] == ["https://a/", "https://b/"]
    assert apply_plan(plan)["urls"] == ["https://a/", "https://b/"]
