"""Test helpers for provider authors: a project in a folder, a loaded stage, a hook
call, the plan a deploy would apply, and the ``lw`` command line run in-process.

They are what lw's own tests use for its built-in providers, so that a third-party
provider is tested the way they are. None of them needs pytest; the contract suite
that every provider can run against itself is ``lw.testing.contract.ProviderContract``.

    from lw.testing import open_session, run_cli, write_project

    project = write_project(tmp_path, "dev:\\n  app_function: app.app\\n  provider: myprovider\\n")
    result = run_cli(project, "deploy", "--dry-run", plugins=(lw_myprovider,))
    assert result.exit_code == 0, result.stderr

Public and stable like ``lw.plugin`` (docs/plugins.md, "Stability").
"""

from __future__ import annotations

import contextlib
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from lw.core.artifact import Artifact
from lw.core.context import Reporter
from lw.core.plan import Plan
from lw.core.plugins import Providers, make_plugin_manager
from lw.core.workflow import Session, open_stage, package, plan_deploy

# A standard-library WSGI app: a project written with it packages without pip.
HELLO_APP = """\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello from " + environ.get("PATH_INFO", "/").encode()]


def tick(event, context):
    return {"ticked": True}
"""

__all__ = [
    "HELLO_APP",
    "CliResult",
    "call_hook",
    "capture_plan",
    "open_session",
    "providers_with",
    "run_cli",
    "write_project",
]


def write_project(folder: Path, lw_yml: str, *, app: str = HELLO_APP, files: Mapping[str, str] | None = None) -> Path:
    """A project in ``folder``: ``lw.yml`` (dedented), ``app.py`` and any other
    ``files`` (relative path -> text). Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lw.yml").write_text(textwrap.dedent(lw_yml), encoding="utf-8")
    (folder / "app.py").write_text(app, encoding="utf-8")
    for rel, text in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


def providers_with(plugins: Sequence[object] = (), *, entry_points: bool = True) -> Providers:
    """The installed providers (``entry_points``) plus ``plugins`` (modules or objects
    holding ``@hookimpl`` functions), as a command would see them."""
    return Providers(make_plugin_manager(load_entrypoints=entry_points, plugins=tuple(plugins)))


def open_session(
    project: Path,
    *,
    stage: str | None = None,
    provider: str | None = None,
    plugins: Sequence[object] = (),
    entry_points: bool = True,
    options: Mapping[str, Any] | None = None,
    reporter: Reporter | None = None,
) -> Session:
    """The stage of ``project/lw.yml`` loaded as a command loads it: its ``ctx`` is the
    ``Context`` every hook receives (``ctx.app``, ``ctx.reporter``, ``ctx.option``)."""
    config = Path(project) / "lw.yml" if Path(project).is_dir() else Path(project)
    return open_stage(
        config,
        stage=stage,
        provider=provider,
        options=options,
        reporter=reporter or Reporter(json_mode=True),
        providers=providers_with(plugins, entry_points=entry_points),
    )


def call_hook(session: Session, hook_name: str, **kwargs: Any) -> Any:
    """The stage's provider's ``hook_name`` (``lw_status``, ``lw_route``, …) called with
    ``ctx`` and ``kwargs``, exactly as lw calls it."""
    return session.hook(hook_name)(ctx=session.ctx, **kwargs)


def capture_plan(session: Session) -> tuple[Plan, Artifact]:
    """Package the stage and return the deploy plan and the artifact, applying nothing:
    what ``lw deploy --dry-run`` prints (``plan.render()``, ``plan.to_json()``)."""
    artifact = package(session)
    return plan_deploy(session, artifact), artifact


@dataclass(frozen=True)
class CliResult:
    """What an ``lw`` command did: its exit code and its two streams."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    @property
    def error_lines(self) -> list[str]:
        """stderr's non-empty lines (lw's errors are one line: ``error: ...``)."""
        return [line for line in self.stderr.splitlines() if line.strip()]


@contextlib.contextmanager
def _providers_for_commands(plugins: Sequence[object]) -> Iterator[None]:
    """Make every command of this process see ``plugins`` next to the installed ones."""
    if not plugins:
        yield
        return
    from lw.core import workflow

    original = workflow.load_providers

    def load(pm: Any = None) -> Providers:
        return Providers(pm) if pm is not None else providers_with(plugins)

    workflow.load_providers = load
    try:
        yield
    finally:
        workflow.load_providers = original


def run_cli(
    project: Path, *args: str, plugins: Sequence[object] = (), env: Mapping[str, str] | None = None
) -> CliResult:
    """``lw *args`` run in-process from ``project`` (the current directory is restored),
    with ``plugins`` loaded as if they were installed (their hooks; the options and
    commands a plugin adds need it pip-installed, as ``lw`` builds its command line
    once). An unexpected exception is returned in ``exception``, never raised, so a
    test can assert on it."""
    from click.testing import CliRunner

    from lw.cli import main

    previous = Path.cwd()
    os.chdir(project)
    try:
        with _providers_for_commands(plugins):
            result = CliRunner().invoke(main, list(args), env=dict(env or {}), catch_exceptions=True)
    finally:
        os.chdir(previous)
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return CliResult(result.exit_code, result.stdout, result.stderr, exception)
