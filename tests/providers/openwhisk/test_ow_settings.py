"""Credentials precedence, cluster discovery and schedule conversion."""

from __future__ import annotations

from pathlib import Path

import pytest

from lw.core.errors import ConfigError, ProviderError
from lw.providers.openwhisk.credentials import resolve
from lw.providers.openwhisk.discovery import ClusterInfo
from lw.providers.openwhisk.schedules import to_alarm


def write_props(path: Path, **props: str) -> Path:
    path.write_text("# wsk properties\n" + "".join(f"{k}={v}\n" for k, v in props.items()))
    return path


def test_stage_block_beats_environment_beats_wskprops(tmp_path: Path) -> None:
    write_props(tmp_path / ".wskprops", APIHOST="props.example.com", AUTH="p:key", NAMESPACE="props-ns")
    env = {"HOME": str(tmp_path), "LW_OPENWHISK_AUTH": "e:key"}
    creds = resolve({"namespace": "block-ns"}, env)
    assert creds.apihost == "https://props.example.com"  # bare host means https, like wsk
    assert creds.auth == "e:key" and creds.source == "LW_OPENWHISK_AUTH"
    assert creds.namespace == "block-ns"


def test_wsk_config_file_is_honored_and_defaults_apply(tmp_path: Path) -> None:
    props = write_props(tmp_path / "custom.props", APIHOST="http://localhost:3233", AUTH="guest:key")
    creds = resolve({}, {"HOME": str(tmp_path), "WSK_CONFIG_FILE": str(props)})
    assert creds.apihost == "http://localhost:3233" and creds.auth == "guest:key"
    assert creds.namespace == "_" and creds.verify is True and creds.source == str(props)


def test_missing_host_or_key_names_every_place_looked(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError,
        match=r"no OpenWhisk API host: set openwhisk.apihost, LW_OPENWHISK_APIHOST or APIHOST in .*\.wskprops",
    ):
        resolve({}, {"HOME": str(tmp_path)})
    with pytest.raises(ConfigError, match="no OpenWhisk credentials"):
        resolve({"apihost": "h"}, {"HOME": str(tmp_path)})
    with pytest.raises(ConfigError, match="must look like uuid:key"):
        resolve({"apihost": "h", "auth": "nocolon"}, {"HOME": str(tmp_path)})


def test_insecure_and_ca_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("pem")
    assert resolve({"apihost": "h", "auth": "a:b", "ca_bundle": str(bundle)}, {"HOME": str(tmp_path)}).verify == str(
        bundle
    )
    assert (
        resolve({"apihost": "h", "auth": "a:b"}, {"HOME": str(tmp_path), "LW_OPENWHISK_INSECURE": "true"}).verify
        is False
    )
    with pytest.raises(ConfigError, match="CA bundle .* does not exist"):
        resolve({"apihost": "h", "auth": "a:b", "ca_bundle": str(tmp_path / "nope.pem")}, {"HOME": str(tmp_path)})


def test_iam_key_alone_is_enough(tmp_path: Path) -> None:
    creds = resolve({"apihost": "h", "iam_api_key": "k", "namespace": "guid"}, {"HOME": str(tmp_path)})
    assert creds.auth is None and creds.iam_api_key == "k"


INFO = {
    "runtimes": {
        "python": [{"kind": "python:3.10", "default": True}, {"kind": "python:3.11"}],
        "nodejs": [{"kind": "nodejs:20"}],
    },
    "limits": {
        "min_action_memory": 128 * 2**20,
        "max_action_memory": 512 * 2**20,
        "min_action_duration": 100,
        "max_action_duration": 300000,
    },
}


def test_runtime_maps_to_kind_or_fails_listing_offers() -> None:
    cluster = ClusterInfo.from_info(INFO)
    assert cluster.kind_for("python3.11") == "python:3.11"
    assert cluster.default_python == "python:3.10"
    with pytest.raises(ProviderError) as caught:
        cluster.kind_for("python3.12")
    assert "no python:3.12 runtime for runtime: python3.12; it offers: python:3.10, python:3.11" in str(caught.value)


def test_limits_are_checked_against_the_cluster() -> None:
    cluster = ClusterInfo.from_info(INFO)
    cluster.check_limits(256, 60000)
    with pytest.raises(ConfigError, match=r"timeout_seconds: 900 s is outside this cluster's range 0.1..300 s"):
        cluster.check_limits(256, 900000)


@pytest.mark.parametrize(
    ("expression", "feed", "params"),
    [
        ("rate(1 minute)", "interval", {"minutes": 1}),
        ("rate(4 minutes)", "interval", {"minutes": 4}),
        ("rate(3 hours)", "interval", {"minutes": 180}),
        ("rate(2 days)", "interval", {"minutes": 2880}),
        ("cron(0 12 * * ? *)", "alarm", {"cron": "0 12 * * *"}),
        ("cron(15 10 ? * 6L 2030)", None, None),
        ("cron(0 8 ? * 2-6 *)", "alarm", {"cron": "0 8 * * 1-5"}),
        ("cron(0 8 ? * 1,7 *)", "alarm", {"cron": "0 8 * * 0,6"}),
        ("cron(0/10 * * * ? *)", "alarm", {"cron": "0-59/10 * * * *"}),
        ("cron(0 18 ? * MON-FRI *)", "alarm", {"cron": "0 18 * * 1-5"}),
        ("cron(0 0 LW * ? *)", None, None),
        ("cron(0 0 * * *)", None, None),
    ],
)
def test_schedule_expressions(expression: str, feed: str | None, params: dict | None) -> None:
    if feed is None:
        with pytest.raises(ConfigError):
            to_alarm(expression, "lw.yml: events[0]")
        return
    schedule = to_alarm(expression, "lw.yml: events[0]")
    assert schedule.feed == f"/whisk.system/alarms/{feed}" and schedule.parameters == params
