"""Next-fire computation of EventBridge expressions (UTC, AWS cron dialect)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lw.core.errors import ConfigError
from lw.providers.local.schedule import Cron, Rate, next_fire, parse_expression

T0 = datetime(2026, 11, 26, 15, 4, 30, tzinfo=timezone.utc)  # a Thursday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("rate(1 minute)", datetime(2026, 11, 26, 15, 5, 30, tzinfo=timezone.utc)),
        ("rate(5 minutes)", datetime(2026, 11, 26, 15, 9, 30, tzinfo=timezone.utc)),
        ("rate(1 hour)", datetime(2026, 11, 26, 16, 4, 30, tzinfo=timezone.utc)),
        ("rate(2 days)", datetime(2026, 11, 28, 15, 4, 30, tzinfo=timezone.utc)),
        ("cron(0 3 * * ? *)", datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)),
        ("cron(0/15 * ? * MON-FRI *)", datetime(2026, 11, 26, 15, 15, tzinfo=timezone.utc)),
        ("cron(0 18 ? * 6 *)", datetime(2026, 11, 27, 18, 0, tzinfo=timezone.utc)),  # 6 = Friday
        ("cron(0 10 ? * SAT,SUN *)", datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)),
        ("cron(30 12 1 JAN ? 2027)", datetime(2027, 1, 1, 12, 30, tzinfo=timezone.utc)),
        ("cron(5 15 26 11 ? *)", datetime(2026, 11, 26, 15, 5, tzinfo=timezone.utc)),
        ("cron(4 15 26 11 ? *)", datetime(2027, 11, 26, 15, 4, tzinfo=timezone.utc)),
        ("cron(0 0 29 2 ? *)", datetime(2028, 2, 29, 0, 0, tzinfo=timezone.utc)),
    ],
)
def test_next_fire(expression: str, expected: datetime) -> None:
    assert next_fire(parse_expression(expression), T0, origin=T0) == expected


def test_rate_counts_from_its_origin_not_from_now() -> None:
    origin = T0 - timedelta(seconds=90)
    assert next_fire(Rate(60), T0, origin=origin) == origin + timedelta(seconds=120)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 3 * * * *)", "one of day-of-month and day-of-week must be '?'"),
        ("cron(0 3 L * ? *)", "L, W and # are not supported"),
        ("cron(0 3 ? * 6#3 *)", "L, W and # are not supported"),
        ("cron(99 * * * ? *)", "within 0-59"),
        ("cron(0 3 * * ?)", "6 fields"),
        ("rate(0 minutes)", "at least 1"),
        ("every day", "expected rate"),
        ("cron(0 3 * FOO ? *)", "not a number"),
    ],
)
def test_bad_expressions_name_the_problem(expression: str, message: str) -> None:
    with pytest.raises(ConfigError, match="schedule") as caught:
        parse_expression(expression)
    assert message in str(caught.value) and expression in str(caught.value)


@settings(max_examples=60, deadline=None)
@given(
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
    offset_minutes=st.integers(0, 60 * 24 * 400),
)
def test_cron_fire_times_match_and_are_the_first_after(minute: int, hour: int, offset_minutes: int) -> None:
    schedule = parse_expression(f"cron({minute} {hour} * * ? *)")
    assert isinstance(schedule, Cron)
    moment = T0 + timedelta(minutes=offset_minutes)
    fire = next_fire(schedule, moment, origin=T0)
    assert fire > moment and (fire.hour, fire.minute, fire.second) == (hour, minute, 0)
    assert fire - moment <= timedelta(days=1)
