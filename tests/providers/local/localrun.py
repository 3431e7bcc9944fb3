"""Helpers to drive real local deployments from tests: the ``lw`` CLI as a subprocess,
HTTP with urllib, and checks that nothing is left running."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"


def copy_project(source: Path, destination: Path) -> Path:
    """A private copy, so tests never write ``.lw/`` into the repository's examples."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(".lw", "__pycache__"))
    return destination


def run_lw(
    project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("LW_PROVIDER", None)
    return subprocess.run(
        [sys.executable, "-m", "lw", *args], cwd=project, env=full_env, capture_output=True, text=True, timeout=timeout
    )


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self) -> object:
        return json.loads(self.body)


def http(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 30
) -> Reply:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, list(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, list(error.headers.items()), error.read())


@dataclass
class Deployment:
    project: Path
    env: dict[str, str]
    url: str = ""

    def lw(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return run_lw(self.project, *args, "--provider", "local", env=self.env, timeout=timeout)

    def deploy(self, *extra: str) -> subprocess.CompletedProcess[str]:
        result = self.lw("deploy", *extra)
        urls = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("http://")]
        if result.returncode == 0 and urls:
            self.url = urls[-1]
        return result

    def get(self, path: str, **kwargs: object) -> Reply:
        return http(self.url + path, **kwargs)  # type: ignore[arg-type]

    @property
    def folder(self) -> Path:
        return self.project / ".lw" / "local"

    def state(self) -> dict[str, object] | None:
        for state_file in self.folder.glob("*/state.json"):
            return json.loads(state_file.read_text())
        return None

    def cleanup(self) -> None:
        """Undeploy, and kill whatever a failed test may have left behind."""
        if self.folder.exists():
            self.lw("undeploy", timeout=60)
        for pid in supervisor_pids(self.project):
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass


def supervisor_pids(project: Path) -> list[int]:
    """Processes whose command line names this project's local deployment folder:
    the supervisor (by its argument) and the workers (by their task root)."""
    marker = str(project / ".lw" / "local").encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes() if marker not in command else b""
        except OSError:
            continue
        if marker in command or marker in environ:
            found.append(int(entry.name))
    return found


def port_free(port: int) -> bool:
    """Whether a new server could listen there (as servers do, with SO_REUSEADDR, so
    closed connections lingering in TIME_WAIT do not count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


@pytest.fixture(scope="session")
def lw_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One package cache for the whole session, so pip installs each dependency once;
    it lives in the session's base temp folder, shared by every test directory."""
    cache = tmp_path_factory.getbasetemp() / "lw-cache"
    cache.mkdir(exist_ok=True)
    return {"LW_CACHE_DIR": str(cache), "CI": "1"}


@pytest.fixture
def deployment_of(lw_env: dict[str, str]):
    """Makes Deployments and undeploys every one of them after the test, pass or fail."""
    made: list[Deployment] = []

    def make(project: Path, **env: str) -> Deployment:
        deployment = Deployment(project=project, env={**lw_env, **env})
        made.append(deployment)
        return deployment

    yield make
    for deployment in made:
        deployment.cleanup()
