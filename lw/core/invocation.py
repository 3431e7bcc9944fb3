"""What every ``lw`` command shares, for the core CLI and for plugins' commands alike.

The core CLI (``lw.cli``) and a provider's own verbs (``lw policy``) are built the same
way: decorated with ``command``, they receive an ``Invocation`` carrying the shared
options, and every expected failure becomes one line on stderr with exit status 1
(failure) or 2 (usage/config). Living here rather than in ``lw.cli`` is what lets a
provider add commands without importing the CLI (plugins reach it as ``lw.plugin``).

Shared options come in two kinds: the core's (``--stage``, ``--json``, …) and those a
provider declares in ``ProviderInfo.options`` (``--region``). Both are accepted before
and after the command name; the value given after the command wins, and only the
group reads ``LW_*`` environment variables, so an option after the command is the
only thing that overrides them.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar, overload

import click

from lw.core import workflow
from lw.core.context import Reporter
from lw.core.errors import LwError
from lw.core.provider import OptionSpec, ProviderInfo

F = TypeVar("F", bound=Callable[..., Any])

CORE_OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--stage",), {"envvar": "LW_STAGE", "help": "Stage in lw.yml (default: the only one)."}),
    (("--provider",), {"envvar": "LW_PROVIDER", "help": "Provider to act on (default: the stage's, else aws)."}),
    (
        ("--config", "config_path"),
        {"envvar": "LW_CONFIG", "type": click.Path(dir_okay=False), "help": "Config file (default lw.yml)."},
    ),
    (("--json", "json_mode"), {"is_flag": True, "default": None, "help": "Machine-readable output on stdout."}),
    (("-y", "--yes"), {"is_flag": True, "default": None, "help": "Never ask; assume yes (also under CI=true)."}),
    (("-v", "--verbose"), {"is_flag": True, "default": None, "help": "Show debug output and tracebacks."}),
]
CORE_NAMES = ("stage", "provider", "config_path", "json_mode", "yes", "verbose")


class SharedOption(click.Option):
    """An option every command accepts; ``providers`` names who declared it (empty for
    the core's), so that help can show it under that provider."""

    def __init__(self, *args: Any, providers: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.providers = providers


def core_options(func: F, *, read_env: bool = False) -> F:
    """Add the core's shared options; only the group reads their ``LW_*`` variables."""
    for decls, kwargs in reversed(CORE_OPTIONS):
        kwargs = {**kwargs, "envvar": kwargs.get("envvar") if read_env else None}
        func = click.option(*decls, cls=SharedOption, **kwargs)(func)
    return func


def provider_options(infos: Iterable[ProviderInfo], *, read_env: bool) -> list[SharedOption]:
    """One click option per declared option name; a name two providers declare (both
    take ``--region``) is one option listed under both."""
    specs: dict[str, OptionSpec] = {}
    owners: dict[str, list[str]] = {}
    for info in infos:
        for spec in info.options:
            if spec.name in CORE_NAMES:
                continue  # a provider cannot redefine --stage
            specs.setdefault(spec.name, spec)
            owners.setdefault(spec.name, []).append(info.name)
    return [
        SharedOption(
            [spec.flag, spec.name],
            type=spec.type,
            default=None,
            envvar=spec.env if read_env else None,
            help=f"{spec.help} [env {spec.env}]",
            providers=tuple(owners[spec.name]),
        )
        for spec in specs.values()
    ]


def add_provider_options(group: click.Group, infos: Iterable[ProviderInfo]) -> None:
    """Give the group and each of its ``command``-made commands the providers' options."""
    infos = list(infos)
    group.params.extend(provider_options(infos, read_env=True))
    for cmd in group.commands.values():
        if getattr(cmd.callback, "lw_command", False):
            cmd.params.extend(provider_options(infos, read_env=False))


class Invocation:
    """Global options merged with the subcommand's, plus the helpers commands share."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def merged(self, local: dict[str, Any]) -> Invocation:
        values = dict(self.values)
        values.update({name: value for name, value in local.items() if value is not None})
        return Invocation(values)

    @property
    def json_mode(self) -> bool:
        return bool(self.values.get("json_mode"))

    @property
    def verbose(self) -> bool:
        return bool(self.values.get("verbose"))

    def reporter(self) -> Reporter:
        return Reporter(json_mode=self.json_mode, verbose=self.verbose)

    def config_path(self) -> Path:
        return Path(self.values.get("config_path") or workflow.default_config_path())

    def options(self, **extra: Any) -> dict[str, Any]:
        """What reaches providers as ``ctx.options``: the providers' options and ``yes``."""
        opts = {k: v for k, v in self.values.items() if k not in CORE_NAMES or k == "yes"}
        opts.update(extra)
        return opts

    def session(self, **extra: Any) -> workflow.Session:
        return workflow.open_stage(
            self.config_path(),
            stage=self.values.get("stage"),
            provider=self.values.get("provider"),
            options=self.options(**extra),
            reporter=self.reporter(),
        )

    def emit(self, human: str, data: Any) -> None:
        if self.json_mode:
            click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
        elif human:
            click.echo(human)


@overload
def command(func: Callable[..., Any]) -> Callable[..., Any]: ...
@overload
def command(*, provider: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]: ...


def command(func: Callable[..., Any] | None = None, *, provider: str | None = None) -> Any:
    """Make ``func(inv, **options)`` an lw command: shared options, one-line errors.

    Put it under ``@cli.command()``. ``provider`` names the provider the command is
    for (``lw --help`` lists it under that provider's commands).
    """
    if func is None:
        return functools.partial(command, provider=provider)

    def run(obj: Invocation | None, /, **kwargs: Any) -> None:
        params = click.get_current_context().command.params
        shared_names = [p.name for p in params if isinstance(p, SharedOption) and p.name]
        shared = {name: kwargs.pop(name, None) for name in shared_names}
        inv = (obj or Invocation({})).merged(shared)
        try:
            func(inv, **kwargs)
        except LwError as exc:
            fail(inv, str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail(inv, "interrupted", 130)
        except BrokenPipeError:
            _quiet_exit_on_closed_stdout()
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as exc:  # a bug: still one line unless -v
            fail(inv, f"internal error: {type(exc).__name__}: {exc}", 1, hint="run with -v for the traceback")

    functools.update_wrapper(run, func)  # click takes the command's name and help from func
    wrapper = core_options(click.pass_obj(run))
    wrapper.lw_command = True  # type: ignore[attr-defined]
    wrapper.lw_provider = provider  # type: ignore[attr-defined]
    return wrapper


def _quiet_exit_on_closed_stdout() -> None:
    """``lw logs | head`` closed our stdout: stop quietly, as Unix tools do."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)


def fail(inv: Invocation, message: str, code: int, hint: str | None = None) -> None:
    """Print ``message`` as lw's one-line error (JSON too with ``--json``) and exit.
    Every message goes through ``redact``: a provider that echoed a URL with a
    password or an ``Authorization`` header does not put it in a CI log."""
    from lw.core.credentials import redact

    message = redact(message)
    if inv.verbose:
        traceback.print_exc()
    if inv.json_mode:
        click.echo(json.dumps({"error": message, "exit_code": code}))
    first, *rest = message.splitlines() or [""]
    click.echo(f"error: {first}" + (f" ({hint})" if hint and not inv.verbose else ""), err=True)
    for line in rest:
        click.echo(line, err=True)
    sys.exit(code)
