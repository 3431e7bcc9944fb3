"""Runs a deployed action zip the way OpenWhisk's Python runtime does.

The runtime unzips the code, renames ``__main__.py`` to ``main__.py``, puts only the
action folder in front of the interpreter's standard library on ``sys.path``, imports
``main`` once per container (that is the cold start) and then feeds it one JSON
argument object per activation, exporting ``__OW_*`` context variables and the
action's init parameters as environment variables. This runner does the same in a
``python -I -S`` subprocess (no site-packages: nothing of the test venv leaks in) and
collects stdout/stderr per activation as the activation's logs.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

LAUNCHER = r"""
import io, json, os, sys
action_dir = sys.argv[1]
sys.path.insert(0, action_dir)
os.chdir(action_dir)
protocol = sys.stdout
sys.stdout = sys.stderr = captured = io.StringIO()
try:
    from main__ import main
    boot_error = None
except BaseException as exc:
    import traceback
    boot_error = traceback.format_exc()
boot_logs = captured.getvalue()
protocol.write(json.dumps({"ok": boot_error is None, "error": boot_error, "logs": boot_logs}) + "\n")
protocol.flush()
for line in sys.stdin:
    message = json.loads(line)
    for key, value in message.items():
        if key != "value":
            os.environ["__OW_" + key.upper()] = str(value)
    sys.stdout = sys.stderr = captured = io.StringIO()
    try:
        result = main(message["value"])
    except Exception as exc:
        import traceback
        traceback.print_exc()
        result = {"error": str(exc)}
    try:
        # what the real launcher writes: UTF-8 JSON with ensure_ascii=False
        size = len(json.dumps(result, ensure_ascii=False).encode("utf-8"))
        out = {"result": result, "logs": captured.getvalue(), "size": size}
        protocol.write(json.dumps(out) + "\n")
    except (TypeError, ValueError) as exc:
        protocol.write(json.dumps({"result": {"error": "The action did not return a dictionary or array: " + str(exc)}, "logs": captured.getvalue(), "developer_error": True}) + "\n")
    protocol.flush()
"""


RESULT_LIMIT = 1024 * 1024  # the invoker cuts /run responses above this many bytes


class Container:
    """One warm container for one zip and one set of init parameters."""

    def __init__(
        self, code: bytes, env: dict[str, str], work_dir: Path, *, action_name: str = "/guest/pkg/app"
    ) -> None:
        digest = hashlib.sha256(code).hexdigest()[:16]
        self.dir = work_dir / f"action-{digest}"
        if not self.dir.exists():
            self.dir.mkdir(parents=True)
            with zipfile.ZipFile(io.BytesIO(code)) as archive:
                archive.extractall(self.dir)
            main = self.dir / "__main__.py"
            if main.exists():
                main.rename(self.dir / "main__.py")
        self.action_name = action_name
        child_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONIOENCODING": "UTF-8",
            "__OW_API_HOST": "http://127.0.0.1:1",
        }
        child_env.update(env)
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", LAUNCHER, str(self.dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_env,
            text=True,
        )
        assert self.process.stdout is not None
        ack = json.loads(self.process.stdout.readline() or '{"ok": false, "error": "container died", "logs": ""}')
        self.init_ok = bool(ack["ok"])
        self.init_error = ack.get("error")
        self.init_logs = ack.get("logs", "")
        self.activations = 0
        self.last_status = "success"

    def run(self, args: dict[str, Any]) -> tuple[Any, str]:
        """One activation: the result as the invoker sees it, and the logs.

        ``self.last_status`` says what the invoker makes of it: ``success``,
        ``application error`` (any result object with an ``"error"`` key, and results
        over the 1 MiB limit, which the invoker cuts) or ``action developer error``
        (no JSON object, a crash, a failed init).
        """
        assert self.process.stdin is not None and self.process.stdout is not None
        self.last_status = "action developer error"
        if not self.init_ok:
            return {"error": f"The action failed to initialize: {self.init_error}"}, self.init_logs
        self.activations += 1
        message = {
            "value": args,
            "namespace": "guest",
            "action_name": self.action_name,
            "action_version": "0.0.1",
            "activation_id": f"act{self.activations:029d}",
            "transaction_id": "tx",
            "deadline": "9999999999999",
        }
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            return {"error": "command exited"}, self.process.stderr.read() if self.process.stderr else ""
        reply = json.loads(line)
        result = reply["result"]
        if reply.get("developer_error") or not isinstance(result, (dict, list)):
            return result, reply["logs"]
        if reply["size"] > RESULT_LIMIT:
            self.last_status = "application error"
            cut = json.dumps(result, ensure_ascii=False)[: RESULT_LIMIT // 1024]
            message = (
                f"The action produced a response that exceeded the allowed length: {reply['size']} > {RESULT_LIMIT} bytes. "
                f"The truncated response was: {cut}"
            )
            return {"error": message}, reply["logs"]
        self.last_status = "application error" if isinstance(result, dict) and "error" in result else "success"
        return result, reply["logs"]

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


class ActionRunner:
    """Keeps one warm container per (zip, init parameters), like an invoker would."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.containers: dict[str, Container] = {}

    def container_for(self, code: bytes, env: dict[str, str], action_name: str = "/guest/pkg/app") -> Container:
        key = hashlib.sha256(code + json.dumps(env, sort_keys=True).encode() + action_name.encode()).hexdigest()
        if key not in self.containers:
            self.containers[key] = Container(code, env, self.work_dir, action_name=action_name)
        return self.containers[key]

    def __call__(self, action: dict[str, Any], params: dict[str, Any]) -> tuple[Any, list[str], bool]:
        """The fake controller's hook: run an action entity with its merged arguments."""
        result, logs, status = self.activate(action, params)
        return result, logs, status == "success"

    def activate(self, action: dict[str, Any], params: dict[str, Any]) -> tuple[Any, list[str], str]:
        """Like the call, with the activation's status (success, application error or
        action developer error) instead of a flag."""
        code = base64.b64decode(action["exec"]["code"])
        if action["exec"].get("kind") == "blackbox":
            code = self._in_image(action["exec"]["image"], code)
        env = {p["key"]: _stringify(p["value"]) for p in action.get("parameters", []) if p.get("init")}
        name = f"/{action['namespace']}/{action['name']}"
        container = self.container_for(code, env, name)
        result, logs = container.run(params)
        return result, [line for line in logs.splitlines() if line], container.last_status

    def _in_image(self, image: str, code: bytes) -> bytes:
        """A blackbox action: its image pulled from the registry and unpacked (once per
        image), as the invoker's container would hold it. Without a chroot, the paths
        the action's code names inside the image (lw's shim: ``/lw``) are mapped into
        the unpacked root; then the code runs as for any action."""
        from lw.core.context import Reporter
        from lw.core.images import unpack_image

        root = self.work_dir / f"image-{hashlib.sha256(image.encode()).hexdigest()[:16]}"
        if not root.exists():
            unpack_image(image, root, Reporter())
        source = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(code)) as inner, zipfile.ZipFile(source, "w") as outer:
            for info in inner.infolist():
                data = inner.read(info)
                if info.filename.endswith(".py"):
                    data = data.replace(b'"/lw', f'"{root}/lw'.encode())
                outer.writestr(info, data)
        return source.getvalue()

    def close(self) -> None:
        for container in self.containers.values():
            container.close()
        self.containers.clear()


def _stringify(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
