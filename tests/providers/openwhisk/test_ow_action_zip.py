"""The real artifact: the zip lw PUT to the fake controller, run as the Python runtime runs it."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from action_runner import ActionRunner, Container
from fake_openwhisk import FakeOpenWhisk
from ow_helpers import build_artifact, make_app, make_ctx, schedule

from lw.core.model import EventBinding
from lw.core.plan import Plan, apply_plan
from lw.core.provider import InvokeRequest
from lw.providers.openwhisk import plugin


def deploy(ctx, tmp: Path) -> None:
    artifact = build_artifact(ctx, tmp)
    plan = Plan()
    plan.extend(plugin.lw_deploy(ctx=ctx, artifact=artifact))
    plan.extend(plugin.lw_route(ctx=ctx))
    plan.extend(plugin.lw_event(ctx=ctx))
    apply_plan(plan)


@pytest.fixture
def web(fake: FakeOpenWhisk, project: Path, tmp_path: Path, runner: ActionRunner) -> Container:
    """A warm container of the ``app`` action, from the body lw sent in its PUT."""
    deploy(make_ctx(make_app(project, fake, environment_variables={"GREETING": "hi"})), tmp_path)
    put = fake.last_put("/actions/shop-dev/app")
    code = base64.b64decode(put.body["exec"]["code"])
    env = {p["key"]: str(p["value"]) for p in put.body["parameters"] if p.get("init")}
    container = runner.container_for(code, env, "/guest/shop-dev/app")
    assert container.init_ok, container.init_error
    return container


def call(
    container: Container, method: str, path: str = "", *, query: str = "", body: str = "", headers: dict | None = None
) -> dict:
    args = {
        "__ow_method": method,
        "__ow_path": path,
        "__ow_query": query,
        "__ow_body": body,
        "__ow_headers": {"host": "controller", "accept": "*/*", **(headers or {})},
    }
    result, _ = container.run(args)
    assert isinstance(result, dict) and "statusCode" in result, result
    return result


def body_bytes(result: dict) -> bytes:
    body = result.get("body") or ""
    content_type = str((result.get("headers") or {}).get("Content-Type", ""))
    if content_type.startswith(("application/json", "application/octet-stream")):
        return base64.b64decode(body)
    return body.encode()


def test_get_sees_the_public_url_and_query(web: Container, fake: FakeOpenWhisk) -> None:
    result = call(web, "get", "/items/7", query="a=1&a=2")
    data = json.loads(body_bytes(result))
    assert result["statusCode"] == 200
    assert data["method"] == "GET" and data["path"] == "/items/7" and data["query"] == "a=1&a=2"
    assert data["script_name"] == "/api/v1/web/guest/shop-dev/app"
    assert data["url"] == f"{fake.url}/api/v1/web/guest/shop-dev/app"


def test_post_json(web: Container) -> None:
    payload = base64.b64encode(json.dumps({"n": 1}).encode()).decode()
    data = json.loads(body_bytes(call(web, "post", "/", body=payload, headers={"content-type": "application/json"})))
    assert data["json"] == {"n": 1}


def test_post_form(web: Container) -> None:
    result = call(
        web, "post", "/form", body="name=a+b&x=%26", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert json.loads(body_bytes(result)) == {"name": "a b", "x": "&"}


def test_binary_upload_and_download(web: Container) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    result = call(web, "post", "/upload", body=base64.b64encode(png).decode(), headers={"content-type": "image/png"})
    assert json.loads(body_bytes(result)) == {"size": len(png), "first": "89504e47", "type": "image/png"}
    download = call(web, "get", "/binary")
    assert base64.b64decode(download["body"]) == bytes(range(256))


def test_several_cookies_come_back_as_a_list(web: Container) -> None:
    result = call(web, "get", "/cookies", headers={"cookie": "x=1; y=2"})
    cookies = next(v for k, v in result["headers"].items() if k.lower() == "set-cookie")
    assert cookies == ["a=1; Path=/", "b=2; Path=/"]


def test_redirect_points_at_the_public_url(web: Container, fake: FakeOpenWhisk) -> None:
    result = call(web, "get", "/redirect")
    location = next(v for k, v in result["headers"].items() if k.lower() == "location")
    assert result["statusCode"] == 302
    assert location == f"{fake.url}/api/v1/web/guest/shop-dev/app/target"


def test_trigger_fire_reaches_the_event_function(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    events = (
        schedule("tick", "rate(5 minutes)"),
        EventBinding(
            name="orders",
            function="wsgi_app.on_event",
            kind="trigger",
            source="orders",
            options={"parameters": {"region": "eu"}},
        ),
    )
    deploy(make_ctx(make_app(project, fake, events=events, keep_warm=True)), tmp_path)
    for trigger in ("shop-dev-tick", "shop-dev-orders", "shop-dev-keep-warm"):
        status, _, _ = fake.fire(trigger, {"order": 1})
        assert status == 202
    results = [a["response"] for a in fake.activations if a["name"] == "events"]
    assert [r["success"] for r in results] == [True, True, True]
    assert results[0]["result"]["handled"] == "tick"
    assert results[1]["result"]["handled"] == "orders" and "region" in results[1]["result"]["keys"]


def test_invoke_runs_a_function_in_the_app_action(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    app = make_app(project, fake)
    deploy(make_ctx(app), tmp_path)
    result = plugin.lw_invoke(ctx=make_ctx(app), request=InvokeRequest(function="wsgi_app.echo", payload={"a": 1}))
    assert result.error is None, result
    assert result.result["result"] == {"echo": {"a": 1}}
    assert "echo called" in json.dumps(result.result) + result.logs
    call_ = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/actions/shop-dev/app")][-1]
    assert call_.query == {"blocking": ["true"]} and call_.body == {
        "lw_command": {"function": "wsgi_app.echo", "payload": {"a": 1}}
    }

    failed = plugin.lw_invoke(ctx=make_ctx(app), request=InvokeRequest(function="wsgi_app.missing"))
    assert failed.error
