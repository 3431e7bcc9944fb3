"""The fake's update rules, sequences, alarm lifecycle and injected faults (issue #19).

Each rule is the controller's or the alarms provider's, read from their source:
apache/openwhisk ``Actions.scala`` (updateWhiskAction), ``Triggers.scala`` (update),
``SequenceActions.scala``; apache/openwhisk-package-alarms ``alarmWebAction.js`` and
``lib/Database.js`` (createTrigger upserts, DELETE of an unknown trigger fails).
"""

from __future__ import annotations

import base64

import pytest
import requests
from fake_faults import FaultPlan
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk

CODE = base64.b64encode(b"PK fake zip").decode()


def make_api(fake: FakeOpenWhisk):
    session = requests.Session()
    session.auth = tuple(GUEST_AUTH.split(":", 1))

    def call(method: str, path: str, **kw):
        kw.setdefault("params", {"overwrite": "true"} if method == "PUT" else None)
        return session.request(method, f"{fake.url}/api/v1/namespaces/_{path}", timeout=10, **kw)

    return call


@pytest.fixture
def api(fake: FakeOpenWhisk):
    return make_api(fake)


def anns(entity: dict) -> dict:
    return {a["key"]: a["value"] for a in entity["annotations"]}


def seed(api) -> None:
    assert api("PUT", "/packages/p", json={"name": "p"}).status_code == 200
    body = {
        "exec": {"kind": "python:3.11", "code": CODE},
        "limits": {"memory": 512, "timeout": 1000},
        "parameters": [{"key": "K", "value": "v", "init": True}],
        "annotations": [{"key": "a", "value": 1}, {"key": "b", "value": 2}],
    }
    assert api("PUT", "/actions/p/app", json=body).status_code == 200


def test_update_keeps_omitted_exec_limits_parameters_and_replaces_sent_annotations(fake: FakeOpenWhisk, api) -> None:
    seed(api)
    updated = api("PUT", "/actions/p/app", json={"annotations": [{"key": "b", "value": 3}]}).json()
    stored = fake.actions[("p", "app")]
    assert stored["exec"]["code"] == CODE and stored["limits"]["memory"] == 512 and stored["limits"]["timeout"] == 1000
    assert stored["parameters"] == [{"key": "K", "value": "v", "init": True}]
    assert anns(updated) == {"b": 3, "exec": "python"}  # "a" is gone: the sent list replaced it

    api("PUT", "/actions/p/app", json={"limits": {"memory": 256}})  # limits merge field by field
    assert fake.actions[("p", "app")]["limits"]["timeout"] == 1000 and anns(fake.actions[("p", "app")])["b"] == 3


def test_merge_mode_is_the_1_0_controller(runner) -> None:
    fake = FakeOpenWhisk(runner=runner, action_annotations="merge").start()
    try:
        api = make_api(fake)
        seed(api)
        api("PUT", "/actions/p/app", json={"annotations": [{"key": "b", "value": 3}], "delAnnotations": ["a"]})
        assert anns(fake.actions[("p", "app")]) == {"b": 3, "exec": "python", "provide-api-key": False}
        api("PUT", "/actions/p/app", json={"annotations": [{"key": "c", "value": 4}]})
        assert anns(fake.actions[("p", "app")])["b"] == 3
    finally:
        fake.stop()


def test_sequence_needs_existing_components_and_runs_them_when_invoked(fake: FakeOpenWhisk, api) -> None:
    seed(api)
    missing = api("PUT", "/actions/p/events", json={"exec": {"kind": "sequence", "components": ["/_/p/nope"]}})
    assert missing.status_code == 400 and missing.json()["error"] == "Sequence component does not exist."
    made = api("PUT", "/actions/p/events", json={"exec": {"kind": "sequence", "components": ["/_/p/app"]}})
    assert made.status_code == 200
    stored = fake.actions[("p", "events")]
    assert stored["exec"] == {"kind": "sequence", "components": ["/guest/p/app"]}
    assert stored["parameters"] == [{"key": "_actions", "value": ["/guest/p/app"]}]
    assert anns(stored)["exec"] == "sequence"

    fake.runner = lambda action, params: (
        {"ran": action["exec"]["code"] == CODE, "got": params.get("x")},
        ["line"],
        True,
    )
    answer = api("POST", "/actions/p/events", params={"blocking": "true"}, json={"x": 1}).json()
    assert answer["response"]["result"] == {"ran": True, "got": 1}
    component = next(a for a in fake.activations if a["name"] == "app")
    assert component["cause"] == answer["activationId"] and answer["logs"] == [component["activationId"]]
    assert {"key": "kind", "value": "sequence"} in answer["annotations"]


def test_alarm_create_is_an_upsert_and_delete_of_an_unknown_trigger_fails(fake: FakeOpenWhisk, api) -> None:
    api(
        "PUT",
        "/triggers/t",
        json={"name": "t", "annotations": [{"key": "feed", "value": "/whisk.system/alarms/interval"}]},
    )
    feed = f"{fake.url}/api/v1/namespaces/whisk.system/actions/alarms/interval"
    auth = tuple(GUEST_AUTH.split(":", 1))

    def lifecycle(event: str, **params):
        body = {"lifecycleEvent": event, "triggerName": "/guest/t", "authKey": GUEST_AUTH, **params}
        return requests.post(feed, params={"blocking": "true"}, json=body, auth=auth, timeout=10)

    assert lifecycle("CREATE", minutes=5).status_code == 200
    assert lifecycle("CREATE", minutes=7).status_code == 200  # replaces the registration
    assert fake.alarm_registrations["/guest/t"]["minutes"] == 7
    assert lifecycle("DELETE").status_code == 200
    again = lifecycle("DELETE")
    assert again.status_code == 502
    assert again.json()["response"]["result"]["error"]["error"] == "could not find trigger /guest/t in the database"


@pytest.mark.parametrize("mode", ["5xx", "lost", "kill"])
def test_fault_at_one_write(fake: FakeOpenWhisk, api, mode: str) -> None:
    killed = []
    fake.faults = FaultPlan(mode, at=1, on_kill=lambda: killed.append(True))
    assert api("GET", "/packages").status_code == 200  # reads are not counted
    assert api("PUT", "/packages/p", json={"name": "p"}).status_code == 200  # write 0
    answer = api("PUT", "/packages/q", json={"name": "q"})  # write 1: the fault
    applied = "q" in fake.packages
    if mode == "5xx":
        assert answer.status_code == 502 and not applied
    elif mode == "lost":
        assert answer.status_code == 502 and applied
    else:
        assert answer.status_code == 200 and applied and killed == [True]
    assert set(answer.json()) >= ({"error", "code"} if mode != "kill" else {"name"})
    assert fake.faults.fired and fake.faults.writes == [
        "PUT /api/v1/namespaces/_/packages/p",
        "PUT /api/v1/namespaces/_/packages/q",
    ]
