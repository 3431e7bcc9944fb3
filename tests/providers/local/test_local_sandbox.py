"""The local worker as strict as a Lambda execution environment: the package folder is
read-only (with a hint naming the docs), each worker has its own /tmp, and every log
record ends with a newline (issue 17, items 2, 4 and 7)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from localrun import http

from lw.providers.local import readonly
from lw.providers.local.isolation import SANDBOX


def run_sandboxed(root: Path, code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter after the worker's sandbox, package root ``root``."""
    prologue = f"import runpy; runpy.run_path({str(SANDBOX)!r})\n"
    env = {**os.environ, "LAMBDA_TASK_ROOT": str(root)}
    return subprocess.run(
        [sys.executable, "-I", "-c", prologue + code], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )


def test_every_kind_of_write_in_the_package_folder_fails_with_erofs(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "existing.txt").write_text("shipped")
    code = """
import errno, os, shutil, pathlib
attempts = {
    "open w": lambda: open("new.txt", "w"),
    "open a": lambda: open("pkg/existing.txt", "a"),
    "open r+": lambda: open("pkg/existing.txt", "r+"),
    "os.open": lambda: os.open("x", os.O_CREAT | os.O_WRONLY),
    "pathlib": lambda: pathlib.Path("instance/config.py").parent.mkdir(),
    "mkdir": lambda: os.makedirs("instance"),
    "remove": lambda: os.remove("pkg/existing.txt"),
    "rename": lambda: os.rename("pkg/existing.txt", "/tmp/stolen"),
    "chmod": lambda: os.chmod("pkg/existing.txt", 0o777),
    "rmtree": lambda: shutil.rmtree("pkg"),
    "absolute": lambda: open(os.path.join(os.getcwd(), "abs.txt"), "w"),
    "dotdot": lambda: open("pkg/../sneaky.txt", "w"),
}
result = {}
for name, attempt in attempts.items():
    try:
        attempt()
        result[name] = "written"
    except OSError as exc:
        result[name] = exc.errno
print(json.dumps(result) if False else __import__("json").dumps(result))
print(open("pkg/existing.txt").read())
"""
    done = run_sandboxed(tmp_path, code)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[0])
    assert result == {name: 30 for name in result}  # EROFS, as on Lambda's /var/task
    assert done.stdout.splitlines()[1] == "shipped"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]
    assert "read-only on Lambda" in done.stderr and "docs/local.md" in done.stderr


def test_writes_outside_the_package_folder_still_work(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    elsewhere = tmp_path.parent / (tmp_path.name + "-outside")
    elsewhere.mkdir()
    code = f"""
import tempfile, os
with tempfile.NamedTemporaryFile("w", delete=False) as handle:
    handle.write("ok")
open({str(elsewhere / "f.txt")!r}, "w").write("ok")
print("done")
"""
    done = run_sandboxed(tmp_path / "pkg", code)
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr
    assert done.stderr == ""


def test_sqlite_behaves_as_on_a_read_only_mount(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "shipped.db") as seed:
        seed.execute("create table t (x)")
        seed.execute("insert into t values (1)")
    seed.close()
    code = """
import sqlite3
try:
    sqlite3.connect("instance/new.db")
except sqlite3.OperationalError as exc:
    print("new:", exc)
db = sqlite3.connect("shipped.db")
print("read:", db.execute("select x from t").fetchall())
try:
    db.execute("insert into t values (2)")
except sqlite3.OperationalError as exc:
    print("write:", exc)
print("memory:", sqlite3.connect(":memory:").execute("select 1").fetchone())
"""
    done = run_sandboxed(tmp_path, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "new: unable to open database file",
        "read: [(1,)]",
        "write: attempt to write a readonly database",
        "memory: (1,)",
    ]
    assert "cannot create the SQLite database" in done.stderr


APP = """
import json, logging, os, sqlite3, tempfile

def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/next-to-code":
        try:
            with open("notes.txt", "w") as out:
                out.write("x")
            answer = {"written": True}
        except OSError as exc:
            answer = {"errno": exc.errno, "error": str(exc)}
    elif path == "/tmp":
        marker = os.path.join(tempfile.gettempdir(), "marker")
        existed = os.path.exists(marker)
        open(marker, "w").write(str(os.getpid()))
        answer = {"pid": os.getpid(), "tmp": tempfile.gettempdir(), "existed": existed}
    elif path == "/flaskr-init-db":  # flaskr: the app factory's instance folder, then init-db
        instance = os.path.join(os.path.dirname(os.path.abspath(__file__)), "instance")
        try:
            os.makedirs(instance)
        except OSError:
            pass  # flaskr ignores it too
        try:
            sqlite3.connect(os.path.join(instance, "flaskr.sqlite")).executescript("create table post (id)")
            answer = {"created": True}
        except sqlite3.OperationalError as exc:
            answer = {"error": str(exc)}
    elif path == "/subprocess":
        import subprocess
        done = subprocess.run(["/bin/sh", "-c", "echo x > from-shell.txt"], capture_output=True, text=True)
        answer = {"returncode": done.returncode, "stderr": done.stderr}
    elif path == "/c-write":
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.fopen.restype = ctypes.c_void_p
        handle = libc.fopen(b"from-c.txt", b"w")
        answer = {"opened": bool(handle), "errno": ctypes.get_errno()}
    elif path == "/boom":
        try:
            raise ValueError("no such table: post")
        except ValueError:
            logging.getLogger("app").exception("request failed")
        answer = {"logged": True}
    else:
        answer = {}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(answer).encode()]
"""


def test_a_deployed_worker_cannot_write_next_to_its_code_and_gets_a_private_tmp(tmp_path, deployment_of):
    project = tmp_path / "sandboxed"
    project.mkdir()
    (project / "app.py").write_text(APP)
    (project / "lw.yml").write_text("dev:\n  project_name: sandboxed\n  app_function: app.app\n")
    deployment = deployment_of(project)
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr

    refused = http(deployment.url + "/next-to-code").json()
    assert refused["errno"] == 30 and "Read-only file system" in refused["error"]
    assert not list(project.glob(".lw/local/*/packages/*/notes.txt"))

    flaskr = http(deployment.url + "/flaskr-init-db").json()
    assert flaskr == {"error": "unable to open database file"}  # as on Lambda: no instance/, no DB

    # Writes the audit hook never sees: a subprocess, and C code calling fopen().
    expected = readonly.mechanism()
    assert expected != readonly.AUDIT_HOOK_ONLY, "this machine should have unshare (root) or be non-root"
    message, code = ("Read-only file system", 30) if expected == readonly.MOUNT_NAMESPACE else ("Permission denied", 13)
    shell = http(deployment.url + "/subprocess").json()
    assert shell["returncode"] != 0 and message in shell["stderr"]
    assert http(deployment.url + "/c-write").json() == {"opened": False, "errno": code}
    package = next(project.glob(".lw/local/*/packages/*/app.py")).parent
    assert sorted(p.name for p in package.iterdir() if p.name.startswith(("from-", "instance"))) == []

    # Two workers, two /tmp folders: hold both busy at once so each answers once.
    seen: dict[int, dict[str, object]] = {}
    deadline = time.monotonic() + 20
    while len(seen) < 2 and time.monotonic() < deadline:
        answer = http(deployment.url + "/tmp").json()
        seen.setdefault(answer["pid"], answer)
    tmps = {answer["tmp"] for answer in seen.values()}
    assert len(seen) == 2 and len(tmps) == 2
    assert all(not tmp.startswith(str(project / ".lw" / "local" / "sandboxed-dev" / "packages")) for tmp in tmps)

    http(deployment.url + "/boom")
    http(deployment.url + "/?after=boom")
    time.sleep(0.3)
    logs = deployment.lw("logs").stdout
    assert "refused a write to" in logs and "docs/local.md" in logs
    assert "cannot create the SQLite database" in logs and "instance/flaskr.sqlite" in logs
    last = next(line for line in logs.splitlines() if "ValueError: no such table: post" in line)
    assert last.rstrip().endswith("no such table: post")  # nothing ran into it
    assert '"GET /?after=boom HTTP/1.1" 200' in logs


def test_sqlite_uri_databases_are_checked_too(tmp_path: Path) -> None:
    code = """
import sqlite3
for uri in ("file:instance/app.db", "file:instance/app.db?mode=rwc", "file:ok.db?mode=memory&cache=shared"):
    try:
        sqlite3.connect(uri, uri=True).execute("select 1")
        print(uri, "opened")
    except sqlite3.OperationalError as exc:
        print(uri, exc)
"""
    done = run_sandboxed(tmp_path, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "file:instance/app.db unable to open database file",
        "file:instance/app.db?mode=rwc unable to open database file",
        "file:ok.db?mode=memory&cache=shared opened",
    ]


def test_without_root_the_package_loses_its_write_bits_and_comes_back_for_removal(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "pkg"
    (package / "app").mkdir(parents=True)
    (package / "app" / "views.py").write_text("x = 1\n")
    (package / "run.sh").write_text("#!/bin/sh\n")
    (package / "run.sh").chmod(0o755)
    readonly.protect(package)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (package, package / "app", package / "app" / "views.py")}
    assert modes == {"pkg": 0o555, "app": 0o555, "views.py": 0o444}
    assert (package / "run.sh").stat().st_mode & 0o777 == 0o555  # still executable, as Lambda keeps it
    monkeypatch.setattr(readonly.os, "geteuid", lambda: 1000)
    assert readonly.mechanism() == readonly.PERMISSIONS
    assert readonly.wrap_command(["python"], package) == ["python"]
    readonly.remove(package)
    assert not package.exists()


def test_as_root_the_worker_runs_in_a_read_only_mount_or_deploy_says_it_cannot(monkeypatch) -> None:
    readonly._mount_namespace_works.cache_clear()
    monkeypatch.setattr(readonly.os, "geteuid", lambda: 0)
    monkeypatch.setattr(readonly.shutil, "which", lambda name: None)  # no unshare here
    try:
        assert readonly.mechanism() == readonly.AUDIT_HOOK_ONLY
        assert readonly.wrap_command(["python"], Path("/pkg")) == ["python"]
    finally:
        readonly._mount_namespace_works.cache_clear()
