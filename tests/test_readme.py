"""The README's two commands are what a newcomer pastes: keep them true."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _block_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.*?)```", text, re.S)
    assert match, f"README.md has no code block after <!-- {marker} -->"
    return match.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = _block_after("ci:test")
    assert re.search(r"&& pytest( -n \d+)?$", command), command  # the whole suite, nothing deselected
    assert 'pip install -e ".[test]"' in command
    script = (ROOT / ".ci" / "run").read_text()
    assert "ci:test" in script and 'bash -euo pipefail -c "$cmd"' in script


def test_readme_quickstart_deploys_and_answers(tmp_path: Path) -> None:
    """Run the quickstart after its install step, in a copy of the example."""
    command = _block_after("ci:quickstart")
    install, _, rest = command.partition("&& cd examples/flask-hello")
    assert "pip install -e ." in install and rest, command
    shutil.copytree(ROOT / "examples" / "flask-hello", tmp_path / "examples" / "flask-hello")
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.setdefault("LW_CACHE_DIR", str(tmp_path / "cache"))
    example = tmp_path / "examples" / "flask-hello"
    try:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", "cd examples/flask-hello" + rest],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["message"] == "Hello, world!"
    finally:
        subprocess.run(
            [sys.executable, "-m", "lw", "undeploy", "--provider", "local", "--yes"],
            cwd=example,
            env=env,
            capture_output=True,
            timeout=120,
        )
