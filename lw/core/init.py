"""``lw init``: find the app in a project and write a ``lw.yml`` that deploys it.

Detection reads the sources with ``ast`` and never imports them: importing a user's
app can open database connections, need secrets, or simply fail on the deploying
machine, and ``lw init`` must work on a fresh checkout.
"""

from __future__ import annotations

import ast
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import yaml

from lw.core.config import STAGE_NAME
from lw.core.config_file import display_path
from lw.core.config_names import slugify
from lw.core.config_values import DOTTED_PATH, MODULE_PATH
from lw.core.errors import UsageError

CONFIG_NAME = "lw.yml"
FACTORY_MODULE = "lw_app"

# Application classes and the module that must be imported for a call to count.
APP_CLASSES = {"Flask": "flask", "FastAPI": "fastapi", "Starlette": "starlette", "Quart": "quart"}
FACTORY_NAMES = ("create_app", "make_app", "build_app", "get_app")
_SKIPPED_DIRS = {
    "node_modules",
    "site-packages",
    "__pycache__",
    "build",
    "dist",
    "venv",
    "env",
    "tests",
    "test",
    "migrations",
    "docs",
    "examples",
}
_PREFERRED_FILES = ("app", "main", "wsgi", "asgi", "application", "server", "api", "__init__")
_MAX_DEPTH = 4
_MAX_FILES = 2000
_DJANGO_SETTINGS = re.compile(r"""["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")

Prompt = Callable[[str, str], str]


@dataclass(frozen=True)
class DetectedApp:
    """What ``detect_app`` found; ``app_function`` and ``django_settings`` are exclusive.

    ``factory`` is set when the project only has an application factory
    (``create_app()``): the runtime needs an object, so ``lw init`` writes a two-line
    module calling the factory.
    """

    project_name: str
    framework: str | None = None
    app_function: str | None = None
    django_settings: str | None = None
    factory: str | None = None
    candidates: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.app_function or self.django_settings or self.factory)


@dataclass(frozen=True)
class InitAnswers:
    stage: str = "dev"
    provider: str = "aws"
    project_name: str = "app"
    app_function: str | None = None
    django_settings: str | None = None
    factory: str | None = None
    notes: tuple[str, ...] = field(default=())


def _python_files(project_dir: Path) -> Iterator[Path]:
    count = 0
    for root, dirs, files in os.walk(project_dir):
        depth = len(Path(root).relative_to(project_dir).parts)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _SKIPPED_DIRS
            and depth < _MAX_DEPTH
            and not (Path(root) / d / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            if name.endswith(".py"):
                count += 1
                if count > _MAX_FILES:
                    return
                yield Path(root) / name


def module_name(project_dir: Path, path: Path) -> str | None:
    """``pkg/app.py`` -> ``pkg.app`` (``None`` when a part is not an identifier)."""
    parts = list(path.relative_to(project_dir).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    name = ".".join(parts)
    return name if parts and MODULE_PATH.fullmatch(name) else None


def _imported_modules(tree: ast.Module) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def _called_class(value: ast.expr | None) -> str | None:
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _scan_module(tree: ast.Module) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(app objects, factories)`` of one module as ``(attribute, framework)`` pairs."""
    imported = _imported_modules(tree)
    apps: list[tuple[str, str]] = []
    factories: list[tuple[str, str]] = []
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        framework = APP_CLASSES.get(_called_class(value) or "")
        if framework and framework in imported:
            apps.extend((t.id, framework) for t in targets if isinstance(t, ast.Name))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in FACTORY_NAMES:
            framework = next((f for f in APP_CLASSES.values() if f in imported), None)
            if framework:
                factories.append((node.name, framework))
    return apps, factories


def _rank(dotted: str) -> tuple[int, int, int]:
    """Shallow modules named like an entry point, holding ``app``, come first."""
    module, _, attribute = dotted.rpartition(".")
    stem = module.split(".")[-1]
    preferred = _PREFERRED_FILES.index(stem) if stem in _PREFERRED_FILES else len(_PREFERRED_FILES)
    return module.count("."), int(attribute not in ("app", "application")), preferred


def _settings_from_manage(manage: Path) -> str | None:
    match = _DJANGO_SETTINGS.search(manage.read_text(encoding="utf-8", errors="replace"))
    return match.group(1) if match else None


def _detect_django(project_dir: Path, project_name: str) -> DetectedApp | None:
    manage = project_dir / "manage.py"
    if manage.is_file() and _settings_from_manage(manage):
        return DetectedApp(project_name, "django", django_settings=_settings_from_manage(manage))
    for nested in sorted(project_dir.glob("*/manage.py")):
        settings = _settings_from_manage(nested)
        if settings:
            # Django imports its project package from manage.py's folder, so lw must
            # package from there too; pointing at it beats a config that fails at run time.
            folder = nested.parent.name
            note = f"manage.py is in {folder}/: run lw init in {folder}/ so that {settings} imports as Django expects"
            return DetectedApp(project_name, "django", django_settings=settings, notes=(note,))
    for path in _python_files(project_dir):
        if path.name == "settings.py" and (path.parent / "wsgi.py").is_file():
            settings = module_name(project_dir, path)
            if settings:
                return DetectedApp(project_name, "django", django_settings=settings)
    return None


def detect_app(project_dir: Path) -> DetectedApp:
    """Find a Django project, else a Flask/FastAPI application object, else a factory."""
    project_dir = Path(project_dir).resolve()
    project_name = slugify(project_dir.name) or "app"
    django = _detect_django(project_dir, project_name)
    if django:
        return django
    apps: list[tuple[str, str]] = []
    factories: list[tuple[str, str]] = []
    for path in _python_files(project_dir):
        module = module_name(project_dir, path)
        if module is None:
            continue
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError):
            continue
        found_apps, found_factories = _scan_module(tree)
        apps.extend((f"{module}.{name}", framework) for name, framework in found_apps)
        factories.extend((f"{module}.{name}", framework) for name, framework in found_factories)
    apps.sort(key=lambda item: _rank(item[0]))
    factories.sort(key=lambda item: _rank(item[0]))
    candidates = tuple(name for name, _ in apps)
    if apps:
        notes = (f"several apps found ({', '.join(candidates)}); using {candidates[0]}",) if len(apps) > 1 else ()
        return DetectedApp(project_name, apps[0][1], app_function=apps[0][0], candidates=candidates, notes=notes)
    if factories:
        return DetectedApp(
            project_name, factories[0][1], factory=factories[0][0], candidates=tuple(name for name, _ in factories)
        )
    return DetectedApp(project_name)


# --------------------------------------------------------------------------- writing


def factory_module_source(factory: str) -> str:
    module, _, function = factory.rpartition(".")
    return (
        f'"""Generated by lw init: the app object, built by the factory {factory}()."""\n'
        f"from {module} import {function}\n\n"
        f"app = {function}()\n"
    )


def answers_to_config(answers: InitAnswers) -> dict[str, Any]:
    """The ``lw.yml`` content for the answers: one stage, explicit ``project_name``.

    ``project_name`` is written out even though it defaults to the folder's name, so a
    CI checkout into a differently named folder still finds the same remote resources.
    """
    stage: dict[str, Any] = {"provider": answers.provider, "project_name": answers.project_name}
    if answers.django_settings:
        stage["django_settings"] = answers.django_settings
    else:
        stage["app_function"] = answers.app_function
    return {answers.stage: stage}


def render_config(config: Mapping[str, Any], comments: Sequence[str], path: Path) -> str:
    """YAML with ``comments`` on top, or JSON (which has no comments) for a ``.json`` path."""
    if path.suffix.lower() == ".json":
        return json.dumps(config, indent=2) + "\n"
    header = "".join(f"# {line}\n" for line in comments)
    body = yaml.safe_dump(dict(config), sort_keys=False, default_flow_style=False)
    return header + body + ("" if body.endswith("\n") else "\n")


def _target(project_dir: Path, config_path: Path | None, *, force: bool) -> Path:
    """Where to write; an existing file is replaced only with ``--force`` (``--yes``
    answers questions, it never agrees to losing a hand-edited config)."""
    target = Path(project_dir) / (config_path or CONFIG_NAME)
    if target.exists() and not force:
        raise UsageError(f"{display_path(target)}: already exists; pass --force to overwrite it")
    return target


def write_config(
    project_dir: Path, answers: InitAnswers, *, force: bool = False, config_path: Path | None = None
) -> Path:
    """Write ``lw.yml`` (and the factory module when needed); never overwrite silently."""
    target = _target(project_dir, config_path, force=force)
    if answers.factory:
        module_path = Path(project_dir) / f"{FACTORY_MODULE}.py"
        source = factory_module_source(answers.factory)
        if module_path.exists() and module_path.read_text(encoding="utf-8") != source and not force:
            raise UsageError(f"{display_path(module_path)}: already exists; pass --force to overwrite it")
        module_path.write_text(source, encoding="utf-8")
    comments = [
        "Written by lw init. Every key is described in docs/configuration.md.",
        *(f"note: {note}" for note in answers.notes),
    ]
    target.write_text(render_config(answers_to_config(answers), comments, target), encoding="utf-8")
    return target


def _ask(prompt: Prompt | None, question: str, default: str) -> str:
    if prompt is None:
        return default
    return (prompt(question, default) or "").strip() or default


def gather_answers(detected: DetectedApp, *, yes: bool, prompt: Prompt | None) -> InitAnswers:
    """At most three questions: stage, provider, and the app (confirm or type it)."""
    ask = None if yes else prompt
    if yes and not detected.found:
        raise UsageError(
            "no Flask, FastAPI or Django app found in the project; run lw init without --yes to type "
            "the app's dotted path, or write lw.yml yourself (see docs/configuration.md)"
        )
    stage = _ask(ask, "Stage name", "dev")
    if not STAGE_NAME.fullmatch(stage):
        raise UsageError(f"stage name {stage!r}: expected letters, digits, '-' or '_', at most 20 characters")
    provider = _ask(ask, "Provider (aws, openwhisk, local, ...)", "aws")
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", provider):
        raise UsageError(f"provider {provider!r}: expected a provider name such as 'aws'")
    common = {"stage": stage, "provider": provider, "project_name": detected.project_name, "notes": detected.notes}
    if detected.django_settings:
        settings = _ask(ask, "Django settings module", detected.django_settings)
        if not MODULE_PATH.fullmatch(settings):
            raise UsageError(f"Django settings {settings!r}: expected a dotted module path such as 'mysite.settings'")
        return InitAnswers(**common, django_settings=settings)  # type: ignore[arg-type]
    default = detected.app_function or (f"{FACTORY_MODULE}.app" if detected.factory else "")
    app_function = _ask(ask, "App function (module.attribute of the WSGI/ASGI app)", default)
    if not DOTTED_PATH.fullmatch(app_function):
        raise UsageError(f"app function {app_function!r}: expected a dotted path such as 'app.app'")
    factory = detected.factory if app_function == f"{FACTORY_MODULE}.app" else None
    return InitAnswers(**common, app_function=app_function, factory=factory)  # type: ignore[arg-type]


def _resolve(project_dir: Path, path: Path) -> Path:
    if path.is_file() or path.is_absolute():
        return path
    return project_dir / path


def run_init(
    project_dir: Path,
    *,
    yes: bool,
    from_zappa: Path | None,
    prompt: Prompt,
    report: Callable[[str], None] | None = None,
    config_path: Path | None = None,
    force: bool = False,
) -> Path:
    """What ``lw init`` does; returns the written config (``lw.yml`` unless ``config_path``).

    ``report`` receives notes (detection choices, Zappa keys dropped) for the CLI to
    print; they are also written as comments at the top of a YAML config.
    """
    project_dir = Path(project_dir)
    target = _target(project_dir, config_path, force=force)
    say = report or (lambda _message: None)
    if from_zappa is not None:
        from lw.core.zappa import convert_with_notes

        source = _resolve(project_dir, Path(from_zappa))
        config, notes = convert_with_notes(source)
        notes += zappa_task_notes(project_dir)
        comments = [
            f"Converted from {source.name} by lw init --from-zappa. Keys: docs/configuration.md",
            *(f"note: {note}" for note in notes),
        ]
        target.write_text(render_config(config, comments, target), encoding="utf-8")
        for note in notes:
            say(note)
        return target
    detected = detect_app(project_dir)
    answers = gather_answers(detected, yes=yes, prompt=prompt)
    for note in detected.notes:
        say(note)
    if answers.factory:
        say(f"wrote {FACTORY_MODULE}.py calling {answers.factory}() (the runtime serves an app object)")
    written = write_config(project_dir, answers, force=force, config_path=target)
    say(ignore_work_folder(project_dir))
    return written


def zappa_task_notes(project_dir: Path) -> list[str]:
    """One note per ``zappa.asynchronous`` import in the app, with its lw replacement:
    ``lw.tasks.zappa`` takes Zappa's names, so the change is that one line."""
    from lw.core.task_sources import lw_replacement, zappa_task_imports

    return [
        f"{path}:{line}: {text!r} -> {lw_replacement(text)!r} (lw runs the tasks; see docs/tasks.md)"
        for path, line, text in zappa_task_imports(project_dir)
    ]


WORK_FOLDER_LINE = ".lw/"


def ignore_work_folder(project_dir: Path) -> str:
    """Keep lw's work folder (builds, caches, local runtime) out of git: add it to the
    project's ``.gitignore`` (made when the project is a git checkout without one).
    Returns what was done, for the CLI to print."""
    gitignore = Path(project_dir) / ".gitignore"
    if gitignore.is_file():
        text = gitignore.read_text(encoding="utf-8", errors="replace")
        if any(line.strip() in (".lw", ".lw/", "/.lw", "/.lw/") for line in text.splitlines()):
            return ".gitignore already ignores .lw/"
        gitignore.write_text(
            text + ("" if not text or text.endswith("\n") else "\n") + WORK_FOLDER_LINE + "\n", encoding="utf-8"
        )
        return "added .lw/ (lw's build and local-runtime folder) to .gitignore"
    if (Path(project_dir) / ".git").exists():
        gitignore.write_text(WORK_FOLDER_LINE + "\n", encoding="utf-8")
        return "wrote .gitignore with .lw/ (lw's build and local-runtime folder)"
    return "add .lw/ to your VCS ignore file: it holds builds and the local runtime, never deployment state"
