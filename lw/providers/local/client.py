"""The ``lw`` side of the local runtime: find it, start it, talk to it, stop it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from lw.core.errors import ProviderError
from lw.providers.local.layout import ADMIN_TOKEN_HEADER, Layout
from lw.providers.local.worker import pid_alive

START_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class Running:
    """A supervisor that answered its admin API just now."""

    state: dict[str, Any]
    health: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.state["url"])

    @property
    def pid(self) -> int:
        return int(self.state["pid"])


def admin_call(
    state: dict[str, Any], method: str, path: str, document: Any = None, timeout: float = 10.0
) -> dict[str, Any]:
    data = None if document is None else (document if isinstance(document, bytes) else json.dumps(document).encode())
    headers = {ADMIN_TOKEN_HEADER: str(state.get("token") or "")}
    request = urllib.request.Request(
        f"http://127.0.0.1:{state['admin_port']}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ProviderError(f"local runtime (pid {state.get('pid')}) did not answer {path}: {exc}") from None


def find_running(layout: Layout) -> Running | None:
    state = layout.read_state()
    if not state or not pid_alive(int(state.get("pid") or 0)):
        return None
    try:
        health = admin_call(state, "GET", "/health", timeout=3.0)
    except ProviderError:
        return None
    return Running(state=state, health=health)


def start_supervisor(layout: Layout, *, host: str, port: int) -> dict[str, Any]:
    """Start the detached supervisor and wait until it wrote its state file."""
    layout.supervisor_output.parent.mkdir(parents=True, exist_ok=True)
    layout.state_file.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "lw.providers.local.supervisor",
        str(layout.root),
        "--host",
        host,
        "--port",
        str(port),
    ]
    with open(layout.supervisor_output, "ab") as output:
        process = subprocess.Popen(
            command,
            cwd=layout.root,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            state = layout.read_state()
            if state and state.get("pid") == process.pid:
                return state
            if process.poll() is not None:
                reason = (
                    _tail(layout.supervisor_output.read_text(errors="replace")) or f"exit status {process.returncode}"
                )
                raise ProviderError(f"local runtime failed to start: {reason}")
            time.sleep(0.05)
        raise ProviderError(
            f"local runtime did not start within {START_TIMEOUT_SECONDS:.0f} seconds (see {layout.supervisor_output})"
        )
    except BaseException:  # Ctrl-C included: the half-started supervisor must not stay behind
        with sigint_deferred():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            layout.state_file.unlink(missing_ok=True)
        raise


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C off while a clean-up runs (in the main thread; elsewhere there is
    no signal to hold). A Ctrl-C received meanwhile is re-raised once it is done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received and sys.exc_info()[0] is None:
        raise KeyboardInterrupt


def stop_supervisor(state: dict[str, Any], *, grace_seconds: float = 10.0) -> None:
    """Ask politely, then signal: nothing may be left running after undeploy."""
    pid = int(state["pid"])
    try:
        admin_call(state, "POST", "/stop", {}, timeout=3.0)
    except ProviderError:
        _signal(pid, signal.SIGTERM)
    if _wait_gone(pid, grace_seconds):
        return
    _signal(pid, signal.SIGKILL)
    if not _wait_gone(pid, 3.0):
        raise ProviderError(f"local runtime pid {pid} would not stop")


def is_supervisor_of(pid: int, layout: Layout) -> bool:
    """Whether ``pid`` is this deployment's supervisor (a stale state file may name a
    pid the system has since given to an unrelated process, which must not be killed)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"lw.providers.local.supervisor" in command and str(layout.root).encode() in command


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            finished, _status = os.waitpid(pid, os.WNOHANG)
            if finished == pid:
                return True
        except ChildProcessError:
            pass  # not our child (started by an earlier lw command): poll the pid instead
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(line for line in text.strip().splitlines()[-lines:] if line.strip())
