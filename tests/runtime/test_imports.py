"""lw.runtime ships in every package: standard library only, and cheap to import."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import lw.runtime

RUNTIME = Path(lw.runtime.__file__).resolve().parent
REPO = RUNTIME.parent.parent


def module_level_imports(tree: ast.Module) -> list[str]:
    """Imports executed at import time: top level, and inside top-level if/try blocks,
    except ``if TYPE_CHECKING:`` blocks (never executed)."""
    found: list[str] = []

    def visit(nodes):
        for node in nodes:
            if isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    found.append("lw.runtime")
                else:
                    found.append(node.module or "")
            elif isinstance(node, ast.If):
                if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    return found


def test_runtime_modules_import_only_stdlib_at_module_level():
    offenders = []
    files = sorted(RUNTIME.rglob("*.py"))
    assert len(files) >= 10
    for path in files:
        for name in module_level_imports(ast.parse(path.read_text())):
            top = name.split(".")[0]
            if name.startswith("lw.runtime") or name == "__future__":
                continue
            if top not in sys.stdlib_module_names:
                offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_fresh_interpreter_loads_only_stdlib_for_the_aws_runtime():
    code = (
        "import sys; sys.path.insert(0, %r); before = set(sys.modules);"
        "import lw.runtime.aws, lw.runtime.openwhisk;"
        "added = sorted(set(sys.modules) - before); import json; print(json.dumps(added))" % str(REPO)
    )
    output = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True).stdout
    added = json.loads(output)
    outside = [m for m in added if m.split(".")[0] not in sys.stdlib_module_names and m.split(".")[0] != "lw"]
    assert outside == []
    assert [m for m in added if m.startswith("lw")] and "lw.runtime.aws" in added
    assert not {"asyncio", "json", "logging", "email", "typing", "inspect"} & set(added)


def test_aws_runtime_import_adds_at_most_twelve_modules():
    """The module budget of issue 13, counted as ``benchmarks/shims.py`` counts it: a
    bare interpreter (``-S``, so not even ``os`` is loaded yet) importing the runtime."""
    code = (
        "import sys; sys.path.insert(0, %r); before = set(sys.modules);"
        "import lw.runtime.aws; print(sorted(set(sys.modules) - before))" % str(REPO)
    )
    output = subprocess.run([sys.executable, "-S", "-I", "-c", code], capture_output=True, text=True, check=True)
    added = ast.literal_eval(output.stdout)
    assert len(added) <= 12, added


def test_a_wsgi_app_never_loads_the_asgi_bridge():
    """The bridge (and asyncio) is a cold-start cost only ASGI apps pay."""
    code = (
        "import sys; sys.path.insert(0, %r); from lw.runtime.aws import make_handler;"
        "make_handler(lambda environ, start_response: [b'']);"
        "print('lw.runtime.asgi' in sys.modules, 'asyncio' in sys.modules)" % str(REPO)
    )
    output = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.split() == ["False", "False"]


def test_runtime_files_are_what_the_packager_ships():
    from lw.core.entry import runtime_files

    shipped = {name for name, _ in runtime_files()}
    assert {f"lw/runtime/{p.relative_to(RUNTIME).as_posix()}" for p in RUNTIME.rglob("*.py")} <= shipped


def test_lw_tasks_imports_only_the_standard_library_and_ships_with_the_runtime():
    code = (
        "import sys; sys.path.insert(0, %r); before = set(sys.modules);"
        "import lw.tasks, lw.tasks.zappa;"
        "added = sorted(set(sys.modules) - before); import json; print(json.dumps(added))" % str(REPO)
    )
    output = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True).stdout
    added = json.loads(output)
    assert [m for m in added if m.split(".")[0] not in sys.stdlib_module_names and m.split(".")[0] != "lw"] == []
    assert not {"json", "boto3", "botocore", "urllib.request", "uuid", "lw.runtime"} & set(added)

    from lw.core.entry import runtime_files

    shipped = {name for name, _ in runtime_files()}
    tasks = RUNTIME.parent / "tasks"
    assert {f"lw/tasks/{p.relative_to(tasks).as_posix()}" for p in tasks.rglob("*.py")} <= shipped
