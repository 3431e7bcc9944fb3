"""Shared fixtures for the secure-endpoint and CORS tests: a packaged flask-hello
checkout whose lw.yml each test extends, and a capture of the documents lw sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import FLASK_HELLO, copy_project, lw_run

NAME = "flask-hello-dev"


def configure(project: Path, **settings: Any) -> None:
    """Rewrite the dev stage of lw.yml with extra settings (JSON is valid YAML)."""
    base = {
        "project_name": "flask-hello",
        "app_function": "app.app",
        "runtime": "python3.11",
        "memory_size": 256,
        "keep_warm": False,
    }
    base.update({k: v for k, v in settings.items() if v is not None})
    (project / "lw.yml").write_text(json.dumps({"dev": base}, indent=1))


def deploy_ok(project: Path, *args: str) -> Any:
    result = lw_run(project, "deploy", *args)
    assert result.exit_code == 0, result.stderr + result.stdout
    return result


class SentDocuments:
    """The OpenAPI documents lw wrote with PutRestApi, newest last.

    moto's import keeps paths, methods and mock integrations but drops security
    schemes, so what API Gateway would enforce is checked on the document itself.
    """

    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []

    @property
    def last(self) -> dict[str, Any]:
        assert self.documents, "no PutRestApi call was made"
        return self.documents[-1]


@pytest.fixture
def sent_documents(monkeypatch: pytest.MonkeyPatch) -> SentDocuments:
    from botocore.client import BaseClient

    sent = SentDocuments()
    original = BaseClient._make_api_call

    def recording(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if operation_name == "PutRestApi":
            body = api_params["body"]
            sent.documents.append(json.loads(body if isinstance(body, (str, bytes)) else body.read()))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return sent


@pytest.fixture(scope="module")
def project_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/flask-hello packaged once per module, so each test's deploy is quick."""
    cache = tmp_path_factory.getbasetemp() / "lw-cache-secure"
    template = copy_project(FLASK_HELLO, tmp_path_factory.mktemp("secure-src") / "flask-hello")
    configure(template)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LW_CACHE_DIR", str(cache))
        result = lw_run(template, "package")
    assert result.exit_code == 0, result.stderr
    return template


@pytest.fixture
def project(
    aws_env: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    project_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "lw-cache-secure"))
    monkeypatch.setenv("CI", "1")
    return copy_project(project_template, tmp_path / "flask-hello", keep_build_cache=True)


@pytest.fixture
def moto_mock_integrations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let moto import ``mock`` integrations as AWS does: without ``uri``/``httpMethod``.

    API Gateway's OpenAPI import takes a mock integration with neither (that is how
    AWS exports one), but moto's import passes both on as required arguments and
    answers 500 when they are absent. The server runs in this process, so its import
    is given empty values for them; nothing else about moto changes.
    """
    from moto.apigateway.models import APIGatewayBackend

    original = APIGatewayBackend._build_integration_args

    def build(self: Any, integration: dict[str, Any]) -> dict[str, Any]:
        args = original(self, integration)
        if str(integration.get("type", "")).lower() == "mock":
            args["uri"] = args.get("uri") or ""
            args["integration_method"] = args.get("integration_method") or ""
        return args

    monkeypatch.setattr(APIGatewayBackend, "_build_integration_args", build)
