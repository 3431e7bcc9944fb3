"""``dependency_layer: true``: dependencies in a Lambda layer versioned by their hash.

The hook-level tests use stand-in zips (no pip) against moto server; the CLI test
packages examples/flask-hello for real and checks what each zip holds and what a
code-only redeploy uploads.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_helpers import deploy, make_app, make_artifact, make_context, plan_deploy, undeploy
from cli_helpers import FLASK_HELLO, copy_project, lw_run

from lw.core.artifact import Artifact, Build
from lw.core.packaging import write_dependency_zip, write_zip
from lw.providers.aws import layer

NAME = "demo-dev"
LAYER = "demo-dev-deps"


def _artifact(tmp_path: Path, code: str, deps: str) -> Artifact:
    app = make_artifact(tmp_path / "code", f"print({code!r})\n")
    dependencies = make_artifact(tmp_path / "deps", f"# deps {deps}\n")
    return dataclasses.replace(app, dependencies=dependencies)


def _layers() -> list[str]:
    config = boto3.client("lambda").get_function_configuration(FunctionName=NAME, Qualifier="live")
    return [x["Arn"] for x in config.get("Layers") or []]


def _layer_versions() -> list[dict[str, Any]]:
    return boto3.client("lambda").list_layer_versions(LayerName=LAYER)["LayerVersions"]


def test_layer_is_published_once_per_dependency_hash(aws_env: str, tmp_path: Path, call_counter) -> None:
    user_layer = boto3.client("lambda").publish_layer_version(
        LayerName="user-tools", Content={"ZipFile": make_artifact(tmp_path / "user").path.read_bytes()}
    )
    app = make_app(tmp_path, apigateway=False, dependency_layer=True, layers=[user_layer["LayerVersionArn"]])
    ctx = make_context(app)
    call_counter.clear()
    first = _artifact(tmp_path, "v1", "a")
    deploy(ctx, first)
    assert ("lambda", "PublishLayerVersion") in call_counter.mutating
    [version] = _layer_versions()
    assert version["Description"] == f"lw dependencies sha256:{first.dependencies.sha256}"
    assert _layers() == [version["LayerVersionArn"], user_layer["LayerVersionArn"]]

    call_counter.clear()
    plan, _ = deploy(ctx, first)
    assert call_counter.mutating == [] and plan.is_noop

    call_counter.clear()
    deploy(ctx, _artifact(tmp_path, "v2", "a"))  # code only: the layer is reused
    assert call_counter.mutating == [
        ("lambda", "UpdateFunctionCode"),
        ("lambda", "PublishVersion"),
        ("lambda", "UpdateAlias"),
    ]

    call_counter.clear()
    deploy(ctx, _artifact(tmp_path, "v2", "b"))  # dependencies changed: a new layer version
    assert call_counter.mutating == [
        ("lambda", "PublishLayerVersion"),
        ("lambda", "UpdateFunctionConfiguration"),
        ("lambda", "PublishVersion"),
        ("lambda", "UpdateAlias"),
    ]
    assert sorted(v["Version"] for v in _layer_versions()) == [1, 2]
    assert _layers()[0].endswith(f":layer:{LAYER}:2")


def test_going_back_to_earlier_dependencies_reuses_their_version(aws_env: str, tmp_path: Path, call_counter) -> None:
    ctx = make_context(make_app(tmp_path, apigateway=False, dependency_layer=True))
    deploy(ctx, _artifact(tmp_path, "v1", "a"))
    deploy(ctx, _artifact(tmp_path, "v1", "b"))
    call_counter.clear()
    deploy(ctx, _artifact(tmp_path, "v1", "a"))
    assert ("lambda", "PublishLayerVersion") not in call_counter.mutating
    assert _layers()[0].endswith(f":layer:{LAYER}:1")


def test_dry_run_plans_the_publication_and_writes_nothing(aws_env: str, tmp_path: Path, call_counter) -> None:
    ctx = make_context(make_app(tmp_path, apigateway=False, dependency_layer=True))
    plan = plan_deploy(ctx, _artifact(tmp_path, "v1", "a"))
    assert call_counter.mutating == []
    assert f"create Lambda layer {LAYER}" in plan.render()
    assert boto3.client("lambda").list_layers()["Layers"] == []


def test_turning_the_setting_off_and_undeploy_remove_the_layer(aws_env: str, tmp_path: Path) -> None:
    with_layer = make_context(make_app(tmp_path, apigateway=False, dependency_layer=True))
    deploy(with_layer, _artifact(tmp_path, "v1", "a"))
    whole = make_artifact(tmp_path / "whole", "print('all in one')\n")
    deploy(make_context(make_app(tmp_path, apigateway=False)), whole)
    assert _layers() == [] and _layer_versions() == []

    deploy(with_layer, _artifact(tmp_path, "v1", "a"))
    plan, _ = undeploy(with_layer)
    assert f"delete Lambda layer {LAYER}" in plan.render()
    assert boto3.client("lambda").list_layers()["Layers"] == []


def test_a_failed_publication_leaves_the_function_serving(aws_env: str, tmp_path: Path, fault) -> None:
    from lw.core.errors import ApplyError

    ctx = make_context(make_app(tmp_path, apigateway=False, dependency_layer=True))
    deploy(ctx, _artifact(tmp_path, "v1", "a"))
    fault.fail("lambda", "PublishLayerVersion", "ServiceException", "layers are down")
    with pytest.raises(ApplyError, match=f"publish layer of Lambda layer {LAYER} failed: ServiceException"):
        deploy(ctx, _artifact(tmp_path, "v1", "b"))
    assert _layers()[0].endswith(":1")
    assert boto3.client("lambda").get_alias(FunctionName=NAME, Name="live")["FunctionVersion"] == "1"


def test_resolve_pending_needs_the_published_version() -> None:
    from lw.core.errors import PackagingError

    params = {"Layers": [layer.PENDING, "arn:user"], "MemorySize": 1}
    assert layer.resolve_pending(params, {layer.OUTPUT_KEY: "arn:deps:2"})["Layers"] == ["arn:deps:2", "arn:user"]
    assert layer.resolve_pending({"MemorySize": 1}, {}) == {"MemorySize": 1}
    with pytest.raises(PackagingError):
        layer.resolve_pending(params, {})


def test_dependency_zip_and_code_zip_split_the_build(tmp_path: Path) -> None:
    """The packaging API: deps under a prefix in one zip, omitted from the other."""
    deps = tmp_path / "deps"
    (deps / "lib").mkdir(parents=True)
    (deps / "lib" / "__init__.py").write_text("VERSION = 1\n")
    (deps / ".lw-deps.json").write_text("{}")
    root = tmp_path / "package"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "__init__.py").write_text("VERSION = 1\n")
    (root / "app.py").write_text("import lib\n")
    build = Build(
        root=root, app_files=1, dependency_files=1, dependency_dir=deps, dependency_paths=frozenset({"lib/__init__.py"})
    )
    code = write_zip(
        build,
        [("lw_handler.py", b"h = 1\n")],
        tmp_path / "out" / "code.zip",
        handler="lw_handler.h",
        omit=build.dependency_paths,
    )
    layer_zip = write_dependency_zip(build, tmp_path / "out" / "deps.zip", prefix="python/")
    assert zipfile.ZipFile(code.path).namelist() == ["app.py", "lw_handler.py"]
    assert zipfile.ZipFile(layer_zip.path).namelist() == ["python/lib/__init__.py"]
    again = write_dependency_zip(build, tmp_path / "out" / "deps2.zip", prefix="python/")
    assert again.sha256 == layer_zip.sha256  # reproducible: the hash names the dependencies


def test_the_dependency_zip_of_an_install_is_written_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lw.core import packaging

    deps = tmp_path / "deps" / "key1"
    deps.mkdir(parents=True)
    (deps / "dep.py").write_text("X = 1\n")
    root = tmp_path / "package"
    root.mkdir()
    (root / "dep.py").write_text("X = 1\n")
    (root / "app.py").write_text("import dep\n")
    build = Build(
        root=root, app_files=1, dependency_files=1, dependency_dir=deps, dependency_paths=frozenset({"dep.py"})
    )
    ctx = make_context(make_app(tmp_path, dependency_layer=True))
    out = tmp_path / "dist" / "demo-dev-aws.zip"
    first = layer.package_split(ctx, build, [], out, handler="lw_handler.handler")
    assert first.dependencies is not None
    assert zipfile.ZipFile(first.dependencies.path).namelist() == ["python/dep.py"]
    assert zipfile.ZipFile(first.path).namelist() == ["app.py"]

    def unexpected(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the install did not change: its zip must be reused")

    with monkeypatch.context() as patch:
        patch.setattr(packaging, "write_dependency_zip", unexpected)
        again = layer.package_split(ctx, build, [], out, handler="lw_handler.handler")
    assert again.dependencies is not None and again.dependencies.sha256 == first.dependencies.sha256

    other = deps.with_name("key2")
    deps.rename(other)
    (other / "dep.py").write_text("X = 2\n")
    changed = layer.package_split(
        ctx, dataclasses.replace(build, dependency_dir=other), [], out, handler="lw_handler.handler"
    )
    assert changed.dependencies is not None and changed.dependencies.sha256 != first.dependencies.sha256


# --------------------------------------------------------------------------- the real CLI


@pytest.fixture(scope="module")
def flask_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("lw-layer-cache")
    template = copy_project(FLASK_HELLO, tmp_path_factory.mktemp("flask-layer") / "flask-hello")
    config = template / "lw.yml"
    config.write_text(config.read_text().rstrip("\n") + "\n  dependency_layer: true\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LW_CACHE_DIR", str(cache))
        result = lw_run(template, "package")
    assert result.exit_code == 0, result.stderr
    assert "flask-hello-dev-aws-deps.zip\n  dependencies alone:" in result.stdout
    (template / ".cache-dir").write_text(str(cache))
    return template


def test_cli_package_deploy_and_code_only_redeploy(
    flask_template: Path, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.client import BaseClient

    monkeypatch.setenv("LW_CACHE_DIR", (flask_template / ".cache-dir").read_text())
    monkeypatch.setenv("CI", "1")
    project = copy_project(flask_template, tmp_path / "flask-hello", keep_build_cache=True)
    uploads: list[tuple[str, int]] = []
    original = BaseClient._make_api_call

    def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
        code = params.get("ZipFile") or (params.get("Code") or params.get("Content") or {}).get("ZipFile")
        if code:
            uploads.append((operation, len(code)))
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)

    dist = project / ".lw" / "dist"
    assert lw_run(project, "deploy").exit_code == 0
    code_names = zipfile.ZipFile(dist / "flask-hello-dev-aws.zip").namelist()
    deps_names = zipfile.ZipFile(dist / "flask-hello-dev-aws-deps.zip").namelist()
    assert "app.py" in code_names and "lw_handler.py" in code_names
    assert not any(n.startswith(("flask/", "werkzeug/")) for n in code_names)
    assert "python/flask/__init__.py" in deps_names and not any(n.startswith("python/lw/") for n in deps_names)
    assert [op for op, _ in uploads] == ["PublishLayerVersion", "CreateFunction"]
    layer_bytes, code_bytes = uploads[0][1], uploads[1][1]
    assert code_bytes * 5 < layer_bytes

    uploads.clear()
    (project / "app.py").write_text((project / "app.py").read_text() + "\n# code only\n")
    changed = lw_run(project, "deploy")
    assert changed.exit_code == 0, changed.stderr
    assert [op for op, _ in uploads] == ["UpdateFunctionCode"]  # the layer is not uploaded again
    assert uploads[0][1] < code_bytes + 1000

    assert lw_run(project, "undeploy", "--yes").exit_code == 0
    assert boto3.client("lambda").list_layers()["Layers"] == []
