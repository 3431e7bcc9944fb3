"""examples/pandas-report: pandas + numpy (over 100 MB unzipped) deployed as a container
image, pushed to a real registry on 127.0.0.1 and pulled back by the local provider,
served by the real Lambda runtime client. One deploy (one pip install of pandas and
numpy) is shared by every test of the module."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from localrun import EXAMPLES, Deployment, copy_project, supervisor_pids

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "images"))
from registry_server import seed_lambda_base, start_registry, stop_registry  # noqa: E402

MB = 1024 * 1024


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    from lw.core.images.registry import RegistryClient

    server = start_registry(tmp_path_factory.mktemp("registry"))
    seed_lambda_base(RegistryClient(server.host), "lambda/python", "3.11", tmp_path_factory.mktemp("base"))
    yield server
    stop_registry(server)


@pytest.fixture(scope="module")
def report(tmp_path_factory, lw_env, registry):
    project = copy_project(EXAMPLES / "pandas-report", tmp_path_factory.mktemp("examples") / "pandas-report")
    with open(project / "lw.yml", "a") as config:
        config.write(f"  image_registry: {registry.host}/examples\n  base_image: {registry.host}/lambda/python:3.11\n")
    deployment = Deployment(project=project, env=lw_env)
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr
    deployment.first_output = result.stdout + result.stderr  # type: ignore[attr-defined]
    yield deployment
    deployment.cleanup()


def test_the_report_is_computed_by_pandas(report: Deployment) -> None:
    answer = report.get("/").json()
    assert answer["rows"] == 240
    assert set(answer["by_region"]) == {"north", "south", "east", "west"}
    assert answer["versions"]["pandas"].startswith("2.")
    north = report.get("/?region=north").json()
    assert north["rows"] == answer["by_region"]["north"]["orders"]
    assert report.get("/?region=mars").status == 404


def test_an_uploaded_csv_is_reported_and_a_bad_one_refused(report: Deployment) -> None:
    csv = b"date,region,amount\n2024-01-05,north,10\n2024-02-05,north,30\n"
    answer = report.get("/report", method="POST", body=csv, headers={"Content-Type": "text/csv"}).json()
    assert answer["total"] == 40.0 and answer["monthly_trend"] == 20.0
    bad = report.get("/report", method="POST", body=b"nope", headers={"Content-Type": "text/csv"})
    assert bad.status == 400 and "not a sales CSV" in bad.json()["error"]


def test_the_dependencies_are_big_and_ship_as_their_own_layer(report: Deployment, registry) -> None:
    result = report.lw("package", "--json")
    assert result.returncode == 0, result.stderr
    artifact = json.loads(result.stdout)
    assert artifact["package_type"] == "image"
    assert artifact["unpacked_size"] > 100 * MB
    assert "pushed" in report.first_output and "1 mounted" in report.first_output  # type: ignore[attr-defined]
    if shutil.which("skopeo"):
        raw = subprocess.run(
            ["skopeo", "inspect", "--tls-verify=false", f"docker://{registry.host}/examples/pandas-report-dev:latest"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert len(json.loads(raw.stdout)["Layers"]) == 3  # base, dependencies, app


def test_a_code_only_redeploy_pushes_under_a_megabyte(report: Deployment) -> None:
    app = report.project / "app.py"
    app.write_text(app.read_text().replace('"rows": int(len(frame)),', '"rows": int(len(frame)), "edition": 2,'))
    result = report.deploy()
    assert result.returncode == 0, result.stderr
    line = next(line for line in (result.stdout + result.stderr).splitlines() if line.startswith("pushed "))
    assert "1 layer(s) uploaded, 0 mounted, 2 already there" in line
    assert float(line.split()[1]) < 1.0  # "pushed 0.13 MB to ..."
    assert report.get("/").json()["edition"] == 2


def test_undeploy_leaves_nothing_running_and_no_image(report: Deployment, registry) -> None:
    from lw.core.images.registry import RegistryClient

    assert report.lw("undeploy").returncode == 0
    assert supervisor_pids(report.project) == []
    assert RegistryClient(registry.host).tags("examples/pandas-report-dev") == []
