"""AWS schedule expressions against node-cron 1.x, the cron the alarms package runs.

Each AWS expression is paired with what AWS means by it, written out by hand (months
1-12, weekdays 1-7 with SUN = 1); the translated pattern is then parsed with the fake's
node-cron model (months 0-11, weekdays 0-6 with SUN = 0) and must select the same
months and weekdays. Deploys go through the fake's alarms feed, which refuses what
node-cron 1.8.2 refuses.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from fake_alarms import CronError, parse_cron
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk
from ow_helpers import deploy_app, make_app, schedule

from lw.core.errors import ConfigError
from lw.providers.openwhisk.schedules import aws_cron_to_classic, to_alarm

ALL_MONTHS = set(range(1, 13))
ALL_DAYS = set(range(1, 8))

# (AWS cron body, AWS months, AWS weekdays (SUN = 1)), worked out from AWS's documentation.
CASES = [
    ("0 3 1 6 ? *", {6}, ALL_DAYS),
    ("0 3 1 12 ? *", {12}, ALL_DAYS),
    ("0 0 1 1,4,7,10 ? *", {1, 4, 7, 10}, ALL_DAYS),
    ("0 0 1 2/3 ? *", {2, 5, 8, 11}, ALL_DAYS),
    ("0 0 1 */4 ? *", {1, 5, 9}, ALL_DAYS),
    ("0 0 1 3-5 ? *", {3, 4, 5}, ALL_DAYS),
    ("0 0 1 1-12/5 ? *", {1, 6, 11}, ALL_DAYS),
    ("0 0 1 JAN-MAR,DEC ? *", {1, 2, 3, 12}, ALL_DAYS),
    ("0 0 1 nov ? *", {11}, ALL_DAYS),
    ("0 0 1 * ? *", ALL_MONTHS, ALL_DAYS),
    ("0 3 ? * MON-FRI *", ALL_MONTHS, {2, 3, 4, 5, 6}),
    ("0 3 ? * SUN *", ALL_MONTHS, {1}),
    ("0 3 ? * SAT *", ALL_MONTHS, {7}),
    ("0 3 ? * 1 *", ALL_MONTHS, {1}),
    ("0 3 ? * 7 *", ALL_MONTHS, {7}),
    ("0 3 ? * 2,4,6 *", ALL_MONTHS, {2, 4, 6}),
    ("0 3 ? * */2 *", ALL_MONTHS, {1, 3, 5, 7}),
    ("0 3 ? * 3/2 *", ALL_MONTHS, {3, 5, 7}),
    ("0 3 ? * 1-7 *", ALL_MONTHS, ALL_DAYS),
    ("0 3 ? DEC SAT,SUN *", {12}, {1, 7}),
    ("0 3 ? * * *", ALL_MONTHS, ALL_DAYS),
]


@pytest.mark.parametrize("body, months, weekdays", CASES)
def test_months_and_weekdays_mean_what_aws_means(body: str, months: set[int], weekdays: set[int]) -> None:
    pattern = aws_cron_to_classic(body, "events.x", f"cron({body})")
    fields = parse_cron(pattern)  # raises where node-cron 1.8.2 throws
    assert fields["month"] == {m - 1 for m in months}, pattern
    assert fields["dayOfWeek"] == {d - 1 for d in weekdays}, pattern


@pytest.mark.parametrize(
    "body, minutes, hours, days",
    [
        ("5/15 * 1 * ? *", {5, 20, 35, 50}, set(range(24)), {1}),
        ("*/20 8-10 ? * * *", {0, 20, 40}, {8, 9, 10}, set(range(1, 32))),
        ("0,30 0/6 10-12 * ? *", {0, 30}, {0, 6, 12, 18}, {10, 11, 12}),
        ("0 12 2/10 * ? *", {0}, {12}, {2, 12, 22}),
    ],
)
def test_minutes_hours_and_days_keep_their_numbers(
    body: str, minutes: set[int], hours: set[int], days: set[int]
) -> None:
    fields = parse_cron(aws_cron_to_classic(body, "events.x", f"cron({body})"))
    assert (fields["minute"], fields["hour"], fields["dayOfMonth"]) == (minutes, hours, days)


@pytest.mark.parametrize(
    "body, message",
    [
        ("0 0 L * ? *", "day-of-month 'L' (L, W or #)"),
        ("0 0 15W * ? *", "day-of-month '15W' (L, W or #)"),
        ("0 0 LW * ? *", "day-of-month 'LW' (L, W or #)"),
        ("0 0 ? * 6L *", "day-of-week '6L' (L, W or #)"),
        ("0 0 ? * 2#1 *", "day-of-week '2#1' (L, W or #)"),
        ("0 0 1 13 ? *", "month '13': 13 is outside 1-12"),
        ("0 0 1 0 ? *", "month '0': 0 is outside 1-12"),
        ("0 0 ? * 0 *", "day-of-week '0': 0 is outside 1-7"),
        ("0 0 ? * 8 *", "day-of-week '8': 8 is outside 1-7"),
        ("0 0 1 DEC-FEB ? *", "the range DEC-FEB runs backwards"),
        ("0 0 1 JANUARY ? *", "'JANUARY' is not a value (1-12 or JAN-DEC)"),
        ("0 0 ? * MON-FUN *", "'FUN' is not a value (1-7 or SUN-SAT)"),
        ("0 0 1 */0 ? *", "the step '0' must be a whole number of at least 1"),
        ("60 0 1 * ? *", "minutes '60': 60 is outside 0-59"),
        ("0 24 1 * ? *", "hours '24': 24 is outside 0-23"),
        ("0 0 32 * ? *", "day-of-month '32': 32 is outside 1-31"),
        ("0 0 1 * ? 2030", "cannot restrict the year (2030)"),
    ],
)
def test_inexpressible_or_invalid_fields_are_refused_clearly(body: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        to_alarm(f"cron({body})", "events.nightly")
    text = str(caught.value)
    assert text.startswith(f"events.nightly: 'cron({body})'") and message in text and "\n" not in text


def test_node_cron_model_refuses_what_the_provider_cannot_schedule() -> None:
    for bad in ("0 3 1 12 *", "0 3 * * 7", "0 3 1 12-13 *", "0 3 * * 1-7/2"):
        with pytest.raises(CronError, match="out of range"):
            parse_cron(bad)
    assert parse_cron("0 3 1 jan,dec *")["month"] == {0, 11}
    assert parse_cron("0 3 * * sun-sat")["dayOfWeek"] == set(range(7))
    assert parse_cron("5/15 * * * *")["minute"] == {5, 20, 35, 50}


def test_december_schedule_reaches_the_feed_as_node_cron(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    deploy_app(
        make_app(
            project,
            fake,
            events=(schedule("yearly", "cron(0 3 1 12 ? *)"), schedule("quarterly", "cron(0 0 1 1,4,7,10 ? *)")),
        ),
        tmp_path,
    )
    assert fake.alarm_registrations["/guest/shop-dev-yearly"]["cron"] == "0 3 1 11 *"
    assert fake.alarm_registrations["/guest/shop-dev-quarterly"]["cron"] == "0 0 1 0,3,6,9 *"


def feed(fake: FakeOpenWhisk, **params) -> requests.Response:
    name = params.pop("feed", "alarm")
    body = {"lifecycleEvent": "CREATE", "triggerName": "/guest/t", "authKey": GUEST_AUTH, **params}
    return requests.post(
        f"{fake.url}/api/v1/namespaces/whisk.system/actions/alarms/{name}",
        params={"blocking": "true"},
        json=body,
        auth=tuple(GUEST_AUTH.split(":", 1)),
        timeout=10,
    )


@pytest.mark.parametrize(
    "params, error",
    [
        ({"cron": "0 3 1 12 *"}, "cron pattern '0 3 1 12 *' is not valid"),
        ({"cron": "0 0 3 1 6 *"}, "cron pattern is limited to 5 fields with 1 minute as the finest granularity"),
        ({"cron": "0 3 * * *", "timezone": "Mars/Olympus"}, "Invalid timezone."),
        (
            {"cron": "0 3 * * *", "startDate": "2001-01-01T00:00:00Z"},
            "startDate parameter '2001-01-01T00:00:00Z' must be in the future",
        ),
        (
            {"cron": "0 3 * * *", "stopDate": "2999-01-01T00:00:00Z", "maxTriggers": 3},
            "maxTriggers is not allowed when the stopDate parameter is specified",
        ),
        (
            {"cron": "0 3 * * *", "startDate": "2999-01-02T00:00:00Z", "stopDate": "2999-01-01T00:00:00Z"},
            "stopDate parameter '2999-01-01T00:00:00Z' must be greater than the startDate",
        ),
        (
            {"cron": "0 3 1 0 *", "stopDate": "in 2 minutes"},  # made concrete when the test runs
            "the first scheduled trigger fire is not until after the stop date",
        ),
        ({"cron": "0 3 * * *", "authKey": "someone:else"}, "Trigger authentication request failed."),
        ({"cron": "0 3 * * *", "triggerName": "/guest/missing"}, "Trigger authentication request failed."),
        ({"feed": "interval", "minutes": 0}, "interval trigger feed is missing the minutes parameter"),
        ({"feed": "interval", "minutes": "ten"}, "the minutes parameter must be an integer"),
        ({"feed": "once"}, "alarms once trigger feed is missing the date parameter"),
    ],
)
def test_fake_alarm_feed_refuses_like_the_real_one(fake: FakeOpenWhisk, params: dict, error: str) -> None:
    fake.triggers["t"] = {
        "namespace": "guest",
        "name": "t",
        "version": "0.0.1",
        "publish": False,
        "annotations": [],
        "parameters": [],
    }
    if params.get("stopDate") == "in 2 minutes":  # relative to the run, not to collection
        params = {**params, "stopDate": int(datetime.now(timezone.utc).timestamp() * 1000) + 120_000}
    reply = feed(fake, **params)
    assert reply.status_code == 502
    assert error in reply.json()["response"]["result"]["error"]["error"]
    assert fake.alarm_registrations == {}


def test_fake_alarm_feed_accepts_a_valid_schedule(fake: FakeOpenWhisk) -> None:
    fake.triggers["t"] = {
        "namespace": "guest",
        "name": "t",
        "version": "0.0.1",
        "publish": False,
        "annotations": [],
        "parameters": [],
    }
    reply = feed(fake, cron="0 3 * * 1-5", timezone="Europe/Berlin", stopDate="2999-01-01T00:00:00Z")
    assert reply.status_code == 200 and reply.json()["response"]["result"] == {"status": "success"}
