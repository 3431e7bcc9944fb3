"""``events`` is a sequence over ``app`` (issue #19): one write of ``app`` releases the
code for HTTP and events together, and a stage deployed by an older lw (``events``
holding its own copy of the zip) is moved over before the release."""

from __future__ import annotations

from pathlib import Path

from fake_openwhisk import FakeOpenWhisk
from ow_helpers import deploy_app, make_app, make_ctx, schedule

from lw.providers.openwhisk import plugin


deploy = deploy_app


def test_a_code_release_is_one_write_that_events_follow(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    app = make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"),), keep_warm=False)
    deploy(app, tmp_path)
    (project / "wsgi_app.py").write_text((project / "wsgi_app.py").read_text() + "\nRELEASE = 'B'\n")
    fake.reset_log()
    plan = deploy(app, tmp_path)
    assert [(c.resource, c.phase) for c in plan.mutating] == [
        (f"action shop-dev/app--{plan.mutating[0].resource[-12:]}", "build"),
        ("action shop-dev/app", "release"),
    ]
    assert fake.fire("shop-dev-tick", {})[0] == 202
    ran = [a for a in fake.activations if a["name"] == "app" and a.get("cause")]
    assert ran and ran[-1]["response"]["result"]["handled"] == "tick"  # app's (new) code ran the event


def test_an_events_action_with_its_own_code_becomes_the_sequence_before_the_release(
    fake: FakeOpenWhisk, project: Path, tmp_path: Path
) -> None:
    app = make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"),), keep_warm=False)
    deploy(app, tmp_path)
    old = fake.actions[("shop-dev", "app")]
    fake.actions[("shop-dev", "events")] = {
        **old,
        "name": "events",
        "annotations": [a for a in old["annotations"] if a["key"] != "web-export"],
    }
    (project / "wsgi_app.py").write_text((project / "wsgi_app.py").read_text() + "\nRELEASE = 'B'\n")
    plan = deploy(app, tmp_path)
    order = [
        (c.resource, c.phase)
        for c in plan.ordered()
        if c.mutating and c.resource.startswith("action shop-dev/") and "--" not in c.resource
    ]
    assert order == [("action shop-dev/events", "build"), ("action shop-dev/app", "release")]
    assert fake.actions[("shop-dev", "events")]["exec"] == {"kind": "sequence", "components": ["/guest/shop-dev/app"]}
    assert fake.actions[("shop-dev", "events")]["parameters"] == [{"key": "_actions", "value": ["/guest/shop-dev/app"]}]


def test_status_shows_events_at_the_live_release(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    app = make_app(project, fake, keep_warm=False)
    deploy(app, tmp_path)
    rows = {row["name"]: row for row in plugin.lw_status(ctx=make_ctx(app)).sections["actions"]}
    assert rows["events"]["version"] == rows["app"]["version"] != "" and rows["events"]["web"] is False
