"""Triggers, feeds and rules: creation, idempotence, failure cleanup and pruning."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk
from ow_helpers import build_artifact, deploy_app, make_app, make_ctx, schedule

from lw.core.errors import ConfigError, LwError, ProviderError
from lw.core.model import EventBinding
from lw.providers.openwhisk import plugin


deploy = deploy_app


def test_schedule_creates_feed_trigger_and_rule(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    app = make_app(
        project, fake, events=(schedule("nightly", "cron(0 3 ? * MON-FRI *)", options={"kwargs": {"job": "cleanup"}}),)
    )
    deploy(app, tmp_path)

    trigger = fake.triggers["shop-dev-nightly"]
    ann = {a["key"]: a["value"] for a in trigger["annotations"]}
    assert ann["feed"] == "/whisk.system/alarms/alarm" and ann["lw:project"] == "shop" and ann["lw:stage"] == "dev"
    assert trigger["parameters"] == [{"key": "lw_binding", "value": "nightly"}]
    create = fake.feed_calls[-1]
    assert create == {
        "feed": "/whisk.system/alarms/alarm",
        "lifecycleEvent": "CREATE",
        "triggerName": "/guest/shop-dev-nightly",
        "authKey": GUEST_AUTH,
        "cron": "0 3 * * 1-5",
        "trigger_payload": {"job": "cleanup"},
    }
    rule = fake.rules["shop-dev-nightly"]
    assert rule["status"] == "active"
    assert rule["action"] == {"path": "guest/shop-dev", "name": "events"}
    assert rule["trigger"] == {"path": "guest", "name": "shop-dev-nightly"}


def test_rate_uses_the_interval_feed_and_keep_warm_is_an_alarm(
    fake: FakeOpenWhisk, project: Path, tmp_path: Path
) -> None:
    deploy(make_app(project, fake, events=(schedule("tick", "rate(2 hours)"),), keep_warm=True), tmp_path)
    assert fake.alarm_registrations["/guest/shop-dev-tick"] == {"feed": "interval", "minutes": 120}
    assert fake.alarm_registrations["/guest/shop-dev-keep-warm"] == {"feed": "interval", "minutes": 4}


def test_unchanged_events_make_no_feed_calls(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    app = make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"),), keep_warm=True)
    deploy(app, tmp_path)
    fake.reset_log()
    calls = len(fake.feed_calls)
    plan = deploy(app, tmp_path)
    assert plan.is_noop and fake.writes() == [] and len(fake.feed_calls) == calls


def test_changed_schedule_recreates_the_feed(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    deploy(make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"),)), tmp_path)
    deploy(make_app(project, fake, events=(schedule("tick", "rate(10 minutes)"),)), tmp_path)
    assert [c["lifecycleEvent"] for c in fake.feed_calls] == ["CREATE", "DELETE", "CREATE"]
    assert fake.alarm_registrations["/guest/shop-dev-tick"]["minutes"] == 10
    assert fake.rules["shop-dev-tick"]["status"] == "active"


def test_removed_event_is_pruned(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    deploy(
        make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"), schedule("tock", "rate(7 minutes)"))),
        tmp_path,
    )
    deploy(make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"),)), tmp_path)
    assert set(fake.triggers) == {"shop-dev-tick"} and set(fake.rules) == {"shop-dev-tick"}
    assert list(fake.alarm_registrations) == ["/guest/shop-dev-tick"]


def test_feed_failure_keeps_the_trigger_unfinished_and_says_why(
    fake: FakeOpenWhisk, project: Path, tmp_path: Path
) -> None:
    fake.feed_failure = "cron pattern '0 3 * * *' is not allowed by this provider"
    app = make_app(project, fake, events=(schedule("nightly", "cron(0 3 * * ? *)"),))
    with pytest.raises(LwError) as caught:
        deploy(app, tmp_path)
    message = str(caught.value)
    assert "feed /whisk.system/alarms/alarm refused CREATE for trigger /guest/shop-dev-nightly" in message
    assert (
        "is not allowed by this provider" in message
        and "trigger shop-dev-nightly kept unfinished, deploy again" in message
    )
    assert "\n" not in message
    # kept (a lost answer may hide a registration) but without its completion mark, and unlinked
    assert "lw:config" not in {a["key"] for a in fake.triggers["shop-dev-nightly"]["annotations"]}
    assert fake.rules == {}

    fake.feed_failure = None
    deploy(app, tmp_path)
    assert "/guest/shop-dev-nightly" in fake.alarm_registrations and set(fake.rules) == {"shop-dev-nightly"}
    assert "lw:config" in {a["key"] for a in fake.triggers["shop-dev-nightly"]["annotations"]}


def test_cluster_without_alarms_is_named(project: Path, tmp_path: Path, runner) -> None:
    fake = FakeOpenWhisk(alarms=False, runner=runner).start()
    try:
        app = make_app(project, fake, events=(schedule("nightly", "rate(1 day)"),))
        ctx = make_ctx(app)
        plugin.lw_deploy(ctx=ctx, artifact=build_artifact(ctx, tmp_path))
        with pytest.raises(
            ProviderError, match=r"has no alarms package \(/whisk.system/alarms\), which schedules need: nightly"
        ):
            plugin.lw_event(ctx=ctx)
        # keep_warm alone is skipped with a warning rather than failing the deploy
        changes = plugin.lw_event(ctx=make_ctx(make_app(project, fake, keep_warm=True)))
        assert changes == []
        assert fake.writes() == []
    finally:
        fake.stop()


def test_generic_trigger_and_custom_feed(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    events = (
        EventBinding(name="orders", function="wsgi_app.on_event", kind="trigger", source="orders"),
        EventBinding(
            name="uploads",
            function="wsgi_app.on_event",
            kind="feed",
            source="/whisk.system/alarms/once",
            options={"parameters": {"date": "2030-01-01T00:00:00Z"}},
        ),
    )
    deploy(make_app(project, fake, events=events), tmp_path)
    assert "feed" not in {a["key"] for a in fake.triggers["shop-dev-orders"]["annotations"]}
    assert fake.alarm_registrations["/guest/shop-dev-uploads"] == {"feed": "once", "date": "2030-01-01T00:00:00Z"}
    assert set(fake.rules) == {"shop-dev-orders", "shop-dev-uploads"}


def test_aws_only_events_are_refused_at_plan_time_unless_scoped(fake: FakeOpenWhisk, project: Path) -> None:
    s3 = EventBinding(name="thumbs", function="wsgi_app.on_event", kind="s3", source="arn:aws:s3:::photos")
    with pytest.raises(
        ConfigError, match=r"OpenWhisk cannot serve AWS-only events: wsgi_app.on_event \(s3 arn:aws:s3:::photos\)"
    ):
        plugin.lw_event(ctx=make_ctx(make_app(project, fake, events=(s3,))))
    assert fake.writes() == []
    scoped = EventBinding(
        name="thumbs", function="wsgi_app.on_event", kind="s3", source="arn:aws:s3:::photos", providers=("aws",)
    )
    assert plugin.lw_event(ctx=make_ctx(make_app(project, fake, events=(scoped,)))) != None  # noqa: E711


def test_inexpressible_cron_is_a_config_error(fake: FakeOpenWhisk, project: Path) -> None:
    with pytest.raises(ConfigError, match=r"day-of-month 'L'"):
        plugin.lw_event(ctx=make_ctx(make_app(project, fake, events=(schedule("eom", "cron(0 0 L * ? *)"),))))


def test_foreign_trigger_with_our_name_is_refused(fake: FakeOpenWhisk, project: Path) -> None:
    fake.triggers["shop-dev-tick"] = {
        "namespace": "guest",
        "name": "shop-dev-tick",
        "version": "0.0.1",
        "publish": False,
        "annotations": [],
        "parameters": [],
    }
    with pytest.raises(ProviderError, match="trigger shop-dev-tick already exists .* not created by lw"):
        plugin.lw_event(ctx=make_ctx(make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"),))))


def test_disabled_event_keeps_its_rule_inactive(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    deploy(make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"),)), tmp_path)
    deploy(make_app(project, fake, events=(schedule("tick", "rate(5 minutes)", enabled=False),)), tmp_path)
    assert fake.rules["shop-dev-tick"]["status"] == "inactive"


def test_trigger_whose_feed_failed_is_finished_by_the_next_deploy(
    fake: FakeOpenWhisk, project: Path, tmp_path: Path
) -> None:
    deploy(make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"),)), tmp_path)
    fake.feed_failure = "provider database unavailable"
    with pytest.raises(LwError, match="provider database unavailable; trigger shop-dev-tick kept unfinished"):
        deploy(make_app(project, fake, events=(schedule("tick", "rate(6 minutes)"),)), tmp_path)
    assert "shop-dev-tick" in fake.triggers and "shop-dev-tick" in fake.rules
    assert fake.alarm_registrations == {}  # the old registration went first

    fake.feed_failure = None
    plan = deploy(make_app(project, fake, events=(schedule("tick", "rate(6 minutes)"),)), tmp_path)
    assert [c.resource for c in plan.mutating if c.resource.startswith(("trigger", "rule"))] == [
        "trigger shop-dev-tick (feed /whisk.system/alarms/interval)",
    ]
    assert fake.alarm_registrations["/guest/shop-dev-tick"]["minutes"] == 6
    assert fake.fire("shop-dev-tick", {})[0] == 202


def test_trigger_is_kept_while_its_feed_refuses_delete(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    deploy(
        make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"), schedule("tock", "rate(7 minutes)"))),
        tmp_path,
    )
    fake.inject("POST", r"/whisk.system/actions/alarms/interval$", 502, "alarms provider unavailable")
    with pytest.raises(
        LwError,
        match="refused DELETE for trigger /guest/shop-dev-tock: alarms provider unavailable.*trigger shop-dev-tock kept",
    ):
        deploy(make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"),)), tmp_path)
    assert "shop-dev-tock" in fake.triggers and "/guest/shop-dev-tock" in fake.alarm_registrations
    assert "shop-dev-tock" not in fake.rules  # unlinked before the release

    deploy(make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"),)), tmp_path)
    assert set(fake.triggers) == {"shop-dev-tick"} and list(fake.alarm_registrations) == ["/guest/shop-dev-tick"]
