"""The fake controller itself: strict about requests, faithful in its answers."""

from __future__ import annotations

import base64

import pytest
import requests
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk
from swagger_validator import SwaggerValidator


@pytest.fixture
def api(fake: FakeOpenWhisk):
    session = requests.Session()
    session.auth = tuple(GUEST_AUTH.split(":", 1))

    def call(method: str, path: str, **kw):
        return session.request(method, f"{fake.url}/api/v1{path}", timeout=10, **kw)

    yield call
    session.close()


def test_validator_flags_what_the_swagger_forbids() -> None:
    v = SwaggerValidator()
    assert v.validate("GET", "/api/v1/namespaces/g/actions/p/a", {"code": ["false"]}, None) == []
    assert v.validate("GET", "/api/v1/namespaces/g/actions/p/a", {"code": ["no"]}, None) == [
        "query code: 'no' is not a boolean"
    ]
    assert v.validate("GET", "/api/v1/namespaces/g/actions/p/a", {"verbose": ["1"]}, None)[0].startswith(
        "query parameter 'verbose' is not declared"
    )
    assert v.validate("PATCH", "/api/v1/namespaces/g/rules/r", {}, None) == [
        "PATCH is not allowed on /namespaces/{namespace}/rules/{ruleName}"
    ]
    assert v.validate("GET", "/api/v1/namespaces/g/things", {}, None) == [
        "no path in the swagger matches /namespaces/g/things"
    ]
    assert v.validate("PUT", "/api/v1/namespaces/g/rules/r", {}, b'{"trigger": 3}') == [
        "body.trigger: expected string, got int"
    ]
    assert v.validate("PUT", "/api/v1/namespaces/g/actions/a", {}, b'{"exec": {"kind": "python:9"}}') == [
        "body.exec.kind: 'python:9' is not one of "
        + str(v.spec["definitions"]["ActionExec"]["properties"]["kind"]["enum"])
    ]
    assert v.validate("PUT", "/api/v1/namespaces/g/triggers/t", {}, None) == [
        "PUT /namespaces/{namespace}/triggers/{triggerName} requires a body (trigger)"
    ]


def test_violations_are_recorded_and_refused(fake: FakeOpenWhisk, api) -> None:
    response = api("PUT", "/namespaces/_/packages/p", json={"name": 5})
    assert response.status_code == 400 and "expected string" in response.json()["error"]
    assert fake.violations == ["PUT /api/v1/namespaces/_/packages/p: body.name: expected string, got int"]
    fake.violations.clear()  # the fixture fails any test that leaves violations behind


def test_controller_answers(fake: FakeOpenWhisk, api) -> None:
    code = base64.b64encode(b"PK fake zip").decode()
    action = {"exec": {"kind": "python:3.11", "code": code}, "annotations": [{"key": "a", "value": 1}]}
    missing_package = api("PUT", "/namespaces/_/actions/p/app", json=action)
    assert missing_package.status_code == 404 and set(missing_package.json()) == {"error", "code"}

    assert api("PUT", "/namespaces/_/packages/p", json={"name": "p"}).status_code == 200
    assert api("PUT", "/namespaces/_/packages/p", json={"name": "p"}).status_code == 409
    assert api("PUT", "/namespaces/_/packages/default", params={"overwrite": "true"}, json={}).status_code == 400

    assert api("PUT", "/namespaces/_/actions/p/app", json=action).status_code == 200
    assert api("PUT", "/namespaces/_/actions/p/app", json=action).status_code == 409
    update = api(
        "PUT",
        "/namespaces/_/actions/p/app",
        params={"overwrite": "true"},
        json={"annotations": [{"key": "b", "value": 2}]},
    )
    assert update.status_code == 200
    anns = {a["key"]: a["value"] for a in update.json()["annotations"]}
    assert "a" not in anns and anns["b"] == 2 and anns["exec"] == "python"  # replaced, plus system annotations
    assert "code" not in api("GET", "/namespaces/_/actions/p/app", params={"code": "false"}).json()["exec"]
    assert api("GET", "/namespaces/_/actions/p/app").json()["exec"]["code"] == code

    bad_kind = api("PUT", "/namespaces/_/actions/p/other", json={"exec": {"kind": "python:3.10", "code": code}})
    assert bad_kind.status_code == 200
    fake.kinds = ("python:3.11",)
    refused = api("PUT", "/namespaces/_/actions/p/x", json={"exec": {"kind": "python:3.10", "code": code}})
    assert refused.status_code == 400 and "not supported by this platform" in refused.json()["error"]

    assert api("DELETE", "/namespaces/_/packages/p").status_code == 409  # not empty
    rule = api("PUT", "/namespaces/_/rules/r", json={"name": "r", "trigger": "/_/nope", "action": "/_/p/app"})
    assert rule.status_code == 400
    assert api("DELETE", "/namespaces/_/packages/p", params={"force": "true"}).status_code == 200
    assert api("GET", "/namespaces/_/packages/p").status_code == 404


def test_wrong_key_and_foreign_namespace(fake: FakeOpenWhisk) -> None:
    wrong = requests.get(f"{fake.url}/api/v1/namespaces", auth=("x", "y"), timeout=10)
    assert wrong.status_code == 401 and wrong.json()["error"] == "The supplied authentication is invalid"
    other = requests.get(
        f"{fake.url}/api/v1/namespaces/someone/packages", auth=tuple(GUEST_AUTH.split(":", 1)), timeout=10
    )
    assert other.status_code == 403


def test_rule_update_takes_its_status_from_the_current_trigger(fake: FakeOpenWhisk, api) -> None:
    code = base64.b64encode(b"PK fake zip").decode()
    assert api("PUT", "/namespaces/_/packages/p", json={"name": "p"}).status_code == 200
    assert (
        api("PUT", "/namespaces/_/actions/p/a", json={"exec": {"kind": "python:3.11", "code": code}}).status_code == 200
    )
    assert api("PUT", "/namespaces/_/triggers/t", json={"name": "t"}).status_code == 200
    rule = {"name": "r", "trigger": "/_/t", "action": "/_/p/a"}
    assert api("PUT", "/namespaces/_/rules/r", json=rule).json()["status"] == "active"
    assert api("PUT", "/namespaces/_/rules/r", params={"overwrite": "true"}, json=rule).json()["status"] == "active"
    assert api("DELETE", "/namespaces/_/triggers/t").status_code == 200
    assert api("PUT", "/namespaces/_/triggers/t", json={"name": "t"}).status_code == 200
    updated = api("PUT", "/namespaces/_/rules/r", params={"overwrite": "true"}, json=rule)
    assert updated.json()["status"] == "inactive"  # the recreated trigger has no active link for it


def test_lw_media_type_table_is_pekkos_registry() -> None:
    """lw/runtime/media_types.py must say binary exactly where the vendored registry does."""
    from fake_web import REGISTRY

    from lw.runtime import media_types

    assert set(REGISTRY) == media_types._TEXT_SUBTYPES | media_types._BINARY_SUBTYPES
    for mime, kind in REGISTRY.items():
        assert media_types.is_binary(mime) is (kind == "binary"), mime
        assert media_types.is_binary(mime + "; charset=utf-8") is (kind == "binary"), mime
    assert media_types.is_binary("application/x-unregistered") and not media_types.is_binary(
        "application/x-unregistered; charset=utf-8"
    )
    assert media_types.is_binary("multipart/x-anything; boundary=b")
