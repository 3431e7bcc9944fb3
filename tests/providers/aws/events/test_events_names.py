"""Rule names and the scheduled-event input (no AWS needed)."""

from __future__ import annotations

import json

from events_helpers import make_app, schedule_event

from lw.providers.aws.events.schedules import RULE_NAME_MAX, input_transformer, rule_name
from lw.providers.aws.events.target import Target


class _FakeAws:
    region, account_id, partition = "us-east-1", "123456789012", "aws"


def _target(project: str = "shop", stage: str = "dev") -> Target:
    return Target(
        make_app(project=project, stage=stage),
        _FakeAws(),
        f"{project}-{stage}",  # type: ignore[arg-type]
        f"arn:aws:lambda:us-east-1:123456789012:function:{project}-{stage}:live",
    )


def test_rule_names_are_deterministic_and_fit_64_characters():
    binding = schedule_event("rate(1 hour)", name="a" * 40)
    target = _target(project="p" * 30, stage="production")
    first, again = rule_name(target, binding, 2), rule_name(target, binding, 2)
    assert first == again and len(first) <= RULE_NAME_MAX
    assert first != rule_name(target, binding, 3)
    assert rule_name(_target(), schedule_event("rate(1 hour)", name="x"), None) == "shop-dev-x"


def test_input_template_is_valid_json_with_the_binding_name():
    transformer = input_transformer('odd"name')
    text = transformer["InputTemplate"]
    for key in transformer["InputPathsMap"]:
        text = text.replace(f"<{key}>", "[]" if key == "resources" else "v")
    assert json.loads(text)["lw_binding"] == 'odd"name'
    assert all(path.startswith("$.") for path in transformer["InputPathsMap"].values())


def test_function_ownership_is_exact():
    target = _target()
    assert target.targets_this_function("arn:aws:lambda:us-east-1:123456789012:function:shop-dev:live")
    assert target.targets_this_function("arn:aws:lambda:us-east-1:123456789012:function:shop-dev")
    assert not target.targets_this_function("arn:aws:lambda:us-east-1:123456789012:function:shop-dev-eu:live")
    assert not target.targets_this_function("arn:aws:lambda:us-east-1:123456789012:function:shop-devx")
