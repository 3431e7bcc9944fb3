"""Issue #19: a fault at any write of a deploy or undeploy never mixes releases, loses a
schedule or orphans an alarm, and a rerun always finishes the job.

Every write of the four sequences of ``crash_walk`` (first deploy, code-only
redeploy, config + events change, undeploy of examples/hybrid-thumbnailer) is hit in
turn by each fault mode (a 502, an applied write whose answer is lost, a kill right
after the write). For each: lw stops with one line (or dies); HTTP and events serve
one release, old or new; no alarm is orphaned and no schedule is marked done without
its alarm; a clean rerun ends in exactly the state of a clean deploy; a third run
writes nothing. The walk runs in-process; ``test_ow_crash_cli.py`` kills the real CLI.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from crash_walk import MODES, SEQUENCES, Walk, normalized, one_line, restore, save, write_project
from fake_faults import FaultPlan
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk

# sequence -> (variant deployed before it, the command it runs)
STEPS = {
    "first-deploy": (None, "v1"),
    "code-redeploy": ("v1", "v2"),
    "config-and-events": ("v2", "v3"),
    "undeploy": ("v3", "undeploy"),
}


class Reference:
    """Clean end states and write counts, computed once for the module."""

    def __init__(self, walk: Walk) -> None:
        self.walk = walk
        self.before: dict[str, dict] = {}
        self.after: dict[str, dict] = {}
        self.writes: dict[str, int] = {}
        fake = walk.fake
        for sequence in SEQUENCES:
            _, step = STEPS[sequence]
            self.before[sequence] = save(fake)
            self.writes[sequence] = walk.count_writes(step)
            assert walk.run(step) is None
            if step != "undeploy":
                walk.remember_config(step)
            self.after[sequence] = normalized(fake)
            fake.reset_log()
            assert walk.run(step) is None and fake.writes() == [], f"{sequence}: an unchanged rerun wrote"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    base = tmp_path_factory.mktemp("crash-walk")
    fake = FakeOpenWhisk(runner=None).start()
    saved = {k: os.environ.get(k) for k in ("LW_OPENWHISK_APIHOST", "LW_OPENWHISK_AUTH", "WSK_CONFIG_FILE", "HOME")}
    try:
        os.environ["WSK_CONFIG_FILE"] = str(base / "no.wskprops")
        walk = Walk(fake, write_project(base / "project"), base)
        yield Reference(walk)
    finally:
        fake.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def walk(reference: Reference, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Walk:
    monkeypatch.setenv("LW_OPENWHISK_APIHOST", reference.walk.fake.url)
    monkeypatch.setenv("LW_OPENWHISK_AUTH", GUEST_AUTH)
    monkeypatch.setenv("WSK_CONFIG_FILE", str(tmp_path / "no.wskprops"))
    return reference.walk


def test_the_walk_covers_every_write(reference: Reference) -> None:
    counts = reference.writes
    assert all(counts[s] > 0 for s in SEQUENCES), counts
    # code-only redeploy: store the release copy, then the one write that releases it
    assert counts["code-redeploy"] == 2, counts
    assert reference.after["undeploy"] == {"packages": {}, "actions": {}, "triggers": {}, "rules": {}, "alarms": {}}


def fault_points() -> list[tuple[str, str]]:
    return [(sequence, mode) for sequence in SEQUENCES for mode in MODES]


@pytest.mark.parametrize(("sequence", "mode"), fault_points(), ids=[f"{s}-{m}" for s, m in fault_points()])
def test_fault_at_every_write(reference: Reference, walk: Walk, sequence: str, mode: str) -> None:
    fake = walk.fake
    before_variant, step = STEPS[sequence]
    failures: list[str] = []
    for at in range(reference.writes[sequence]):
        restore(fake, reference.before[sequence])
        fake.faults = FaultPlan(mode, at=at, on_kill=walk.kill_switch.trip)
        outcome = walk.run(step)
        written = list(fake.faults.writes)
        fake.faults = None
        where = f"{sequence} {mode} at write {at} ({written[at]})"

        if outcome is None:
            failures.append(f"{where}: lw reported success")
        elif outcome != "killed" and not one_line(outcome):
            failures.append(f"{where}: error is not one line: {outcome!r}")

        http, problems = walk.serving()
        allowed = {before_variant, step} if step != "undeploy" else {before_variant, None}
        if step == "v1":
            allowed = {None, "v1"}
        if http not in allowed:
            problems.append(f"HTTP serves {http}, expected one of {sorted(map(str, allowed))}")
        problems += walk.invariants()
        failures += [f"{where}: {p}" for p in problems]

        rerun = walk.run(step)
        if rerun is not None:
            failures.append(f"{where}: the rerun failed: {rerun}")
            continue
        if normalized(fake) != reference.after[sequence]:
            failures.append(
                f"{where}: state after the rerun differs from a clean {sequence}: {diff(normalized(fake), reference.after[sequence])}"
            )
        fake.reset_log()
        third = walk.run(step)
        if third is not None or fake.writes():
            failures.append(f"{where}: the third run wrote {[f'{r.method} {r.path}' for r in fake.writes()]} ({third})")
    assert not failures, "\n".join(failures)
    assert fake.violations == [], "requests that break the OpenWhisk swagger:\n" + "\n".join(fake.violations)


def diff(got: dict, want: dict) -> str:
    lines = []
    for section in want:
        for name in sorted(set(got[section]) | set(want[section])):
            if got[section].get(name) != want[section].get(name):
                lines.append(f"{section} {name}: got {got[section].get(name)!r}, want {want[section].get(name)!r}")
    return "; ".join(lines)[:2000]


def test_the_four_sequences_end_alike_on_a_controller_that_merges_annotations(
    reference: Reference, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Controllers 1.0.0 and later merge sent annotations into the old ones: the clean
    end state of every sequence is the same as where they are replaced."""
    import json
    import re

    fake = FakeOpenWhisk(runner=None, action_annotations="merge").start()
    try:
        monkeypatch.setenv("WSK_CONFIG_FILE", str(tmp_path / "no.wskprops"))
        walk = Walk(fake, write_project(tmp_path / "project"), tmp_path)
        monkeypatch.setenv("LW_OPENWHISK_APIHOST", fake.url)
        monkeypatch.setenv("LW_OPENWHISK_AUTH", GUEST_AUTH)
        for sequence in SEQUENCES:
            assert walk.run(STEPS[sequence][1]) is None
            # the URLs differ, and so do the configuration hashes of actions (lw_base_url)
            got = re.sub(
                r'"lw:config": "\w+"', "", json.dumps(normalized(fake), sort_keys=True).replace(fake.url, "URL")
            )
            want = re.sub(
                r'"lw:config": "\w+"',
                "",
                json.dumps(reference.after[sequence], sort_keys=True).replace(reference.walk.fake.url, "URL"),
            )
            assert got == want, sequence
    finally:
        fake.stop()
