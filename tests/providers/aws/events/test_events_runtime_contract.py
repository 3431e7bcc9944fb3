"""What a rule delivers is routed by the runtime to the right binding (the contract
between this deployer and ``lw.runtime``), keep-warm pings included."""

from __future__ import annotations

import json
from typing import Any

from events_helpers import make_app, schedule_event

from lw.core.entry import runtime_settings
from lw.runtime.events import EventRouter
from lw.providers.aws.events.schedules import input_transformer


def _delivered(binding_name: str, rule: str) -> dict[str, Any]:
    event = {
        "version": "0",
        "id": "1",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-26T03:00:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{rule}"],
        "detail": {},
    }
    transformer = input_transformer(binding_name)
    text = transformer["InputTemplate"]
    for key, path in transformer["InputPathsMap"].items():
        value = json.dumps(event[path.removeprefix("$.")])
        text = text.replace(f'"<{key}>"', value).replace(f"<{key}>", value)
    return json.loads(text)


def _router(app) -> EventRouter:
    settings = runtime_settings(app)
    return EventRouter(settings["events"], settings["project_name"], settings["stage"])


def test_schedule_event_routes_to_its_binding():
    app = make_app([schedule_event("rate(1 hour)", "rate(2 hours)")], keep_warm=False)
    binding = _router(app).route_aws(_delivered("nightly-schedule-eeeeee", "shop-dev-nightly-schedule-eeeeee-2"))
    assert (binding.kind, binding.function) == ("schedule", "app.nightly")


def test_keep_warm_ping_routes_to_the_keep_warm_binding():
    app = make_app([], keep_warm=True)
    binding = _router(app).route_aws(_delivered("keep-warm", "shop-dev-keep-warm"))
    assert binding.kind == "keep_warm"
