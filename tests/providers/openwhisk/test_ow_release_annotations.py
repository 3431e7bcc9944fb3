"""Issue #19, defect 4: every write of an action sends all the annotations it keeps.

Controllers before 1.0.0 replace an action's annotations with those an update sends
(1.0.0 and later merge them): redeploying an older release (v1 -> v2 -> v1) must end
in the state a clean deploy of v1 leaves, under either rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_openwhisk import FakeOpenWhisk
from ow_helpers import deploy_app, make_app


def deploy(fake: FakeOpenWhisk, project: Path, tmp: Path) -> None:
    deploy_app(make_app(project, fake), tmp)


def annotations(fake: FakeOpenWhisk) -> dict[str, dict]:
    """Each action's annotations, release stamps reduced to their presence."""
    return {
        name: {a["key"]: (a["key"] == "lw:released" or a["value"]) for a in action["annotations"]}
        for (_, name), action in fake.actions.items()
    }


@pytest.mark.parametrize("rule", ["replace", "merge"])
def test_v1_v2_v1_keeps_every_annotation(rule: str, project: Path, tmp_path: Path, runner) -> None:
    fake = FakeOpenWhisk(runner=runner, action_annotations=rule).start()
    try:
        (project / "version.py").write_text("VERSION = 1\n")
        deploy(fake, project, tmp_path)
        clean_v1 = annotations(fake)
        (project / "version.py").write_text("VERSION = 2\n")
        deploy(fake, project, tmp_path)
        (project / "version.py").write_text("VERSION = 1\n")
        deploy(fake, project, tmp_path)

        after = annotations(fake)
        v2_copy = next(name for name in after if name.startswith("app--") and name not in clean_v1)
        del after[v2_copy]
        assert after == clean_v1
        release = next(name for name in clean_v1 if name.startswith("app--"))
        assert after[release]["web-export"] is False and after[release]["provide-api-key"] is False
        assert {"lw:artifact", "lw:config", "lw:project", "lw:stage", "lw:released"} <= set(after[release])
    finally:
        fake.stop()
