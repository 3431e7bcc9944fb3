"""examples/fastapi-items: an ASGI app behind HTTP API (v2) events."""

from __future__ import annotations

import json

from localrun import EXAMPLES, copy_project


def test_fastapi_items_crud_over_http_api_events(tmp_path, deployment_of, lw_env):
    """From `lw init` plus docs/fastapi.md's two choices (an HTTP API; one local worker,
    as the example keeps its items in memory) to a first deploy that works."""
    import yaml

    from localrun import run_lw

    project = copy_project(EXAMPLES / "fastapi-items", tmp_path / "fastapi-items")
    (project / "lw.yml").unlink()
    init = run_lw(project, "init", "--yes", env=lw_env)
    assert init.returncode == 0, init.stderr
    config = yaml.safe_load((project / "lw.yml").read_text())
    assert config["dev"]["app_function"] == "main.app"
    config["dev"].update({"apigateway": "http", "local": {"concurrency": 1}})
    (project / "lw.yml").write_text(yaml.safe_dump(config))
    deployment = deployment_of(project)
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr

    assert deployment.get("/items").json() == [{"id": 1, "name": "hammer", "price": 9.5}]  # lifespan ran
    created = deployment.get("/items", method="POST", body=json.dumps({"name": "saw", "price": 12}).encode(),
                             headers={"Content-Type": "application/json"})
    assert created.status == 201 and created.json()["id"] == 2
    assert deployment.get("/items/2").json()["name"] == "saw"
    missing = deployment.get("/items/99")
    assert missing.status == 404 and missing.json() == {"detail": "no item 99"}
    invalid = deployment.get("/items", method="POST", body=b'{"name": 1}', headers={"Content-Type": "application/json"})
    assert invalid.status == 422
    assert deployment.get("/docs").status == 200  # the generated docs page

