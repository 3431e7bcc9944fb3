"""examples/fastapi-items: an ASGI app behind HTTP API (v2) events."""

from __future__ import annotations

import json

from localrun import EXAMPLES, copy_project


def test_fastapi_items_crud_over_http_api_events(tmp_path, deployment_of):
    deployment = deployment_of(copy_project(EXAMPLES / "fastapi-items", tmp_path / "fastapi-items"))
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr

    assert deployment.get("/items").json() == [{"id": 1, "name": "hammer", "price": 9.5}]  # lifespan ran
    created = deployment.get("/items", method="POST", body=json.dumps({"name": "saw", "price": 12}).encode(),
                             headers={"Content-Type": "application/json"})
    assert created.status == 201 and created.json()["id"] == 2
    assert deployment.get("/items/2").json()["name"] == "saw"
    missing = deployment.get("/items/99")
    assert missing.status == 404 and missing.json() == {"detail": "no item 99"}
    invalid = deployment.get("/items", method="POST", body=b'{"name": 1}', headers={"Content-Type": "application/json"})
    assert invalid.status == 422
