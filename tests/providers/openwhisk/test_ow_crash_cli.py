"""Issue #19 through the real command line: a real ``lw`` process killed by the fake
right after a write, and a feed that refuses DELETE during ``lw undeploy``.

The in-process walk (``test_ow_crash_walk.py``) covers every write; these check what
only the CLI shows: SIGKILL of the process itself, exit codes and the one-line error.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from crash_walk import PACKAGE, normalized, restore, save, write_project
from fake_faults import FaultPlan
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk

from lw.cli import main


@pytest.fixture
def project(fake: FakeOpenWhisk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_project(tmp_path / "hybrid-thumbnailer")
    monkeypatch.chdir(root)
    monkeypatch.setenv("LW_OPENWHISK_APIHOST", fake.url)
    monkeypatch.setenv("LW_OPENWHISK_AUTH", GUEST_AUTH)
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    return root


def lw(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--provider", "openwhisk", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_process_killed_right_after_the_feed_create_is_finished_by_a_rerun(project: Path, fake: FakeOpenWhisk) -> None:
    assert lw("deploy")[0] == 0
    clean = normalized(fake)
    restore(fake, {name: {} for name in ("packages", "actions", "triggers", "rules", "alarm_registrations")})

    proc = subprocess.Popen(
        [sys.executable, "-m", "lw", "--provider", "openwhisk", "deploy"],
        cwd=project,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # the nightly schedule's alarm is registered, then lw dies before it records that
    fake.faults = FaultPlan(
        "kill",
        at="POST /api/v1/namespaces/whisk.system/actions/alarms/alarm",
        on_kill=lambda: os.kill(proc.pid, signal.SIGKILL),
    )
    try:
        proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert fake.faults.fired and proc.returncode == -signal.SIGKILL
    fake.faults = None
    nightly = fake.triggers[f"{PACKAGE}-nightly"]
    assert "lw:config" not in {a["key"] for a in nightly["annotations"]}  # not marked done
    assert (PACKAGE, "app") not in fake.actions and fake.rules == {}  # nothing serves yet

    code, out = lw("deploy")
    assert code == 0, out
    assert normalized(fake) == clean
    fake.reset_log()
    code, out = lw("deploy")
    assert code == 0 and "no changes" in out and fake.writes() == [], out


def test_undeploy_keeps_a_trigger_whose_feed_refuses_delete_and_exits_1(project: Path, fake: FakeOpenWhisk) -> None:
    assert lw("deploy")[0] == 0
    deployed = save(fake)
    fake.faults = FaultPlan("5xx", at="POST /api/v1/namespaces/whisk.system/actions/alarms/alarm")
    code, out = lw("undeploy", "-y")
    fake.faults = None
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in out, out
    assert (
        "refused DELETE for trigger /guest/hybrid-thumbnailer-dev-nightly" in out
        and "kept until its feed lets go" in out
    )
    # the trigger and its alarm stay together: nothing is orphaned
    assert f"{PACKAGE}-nightly" in fake.triggers and f"/guest/{PACKAGE}-nightly" in fake.alarm_registrations
    assert deployed["alarm_registrations"].keys() >= fake.alarm_registrations.keys()

    code, out = lw("undeploy", "-y")
    assert code == 0, out
    assert (
        fake.packages == {}
        and fake.actions == {}
        and fake.triggers == {}
        and fake.rules == {}
        and fake.alarm_registrations == {}
    )
    fake.reset_log()
    code, out = lw("undeploy", "-y")
    assert code == 0 and "nothing deployed" in out and fake.writes() == [], out
