"""The ``lw`` command line: parses arguments, calls ``lw.core.workflow``, prints.

Every expected failure is an ``LwError`` and becomes one line on stderr with exit status
1 (failure) or 2 (usage/config); ``-v`` adds the traceback. Human output goes to stdout
for results and stderr for progress, ``--json`` prints one JSON document on stdout.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import platform
import sys
from pathlib import Path
from typing import Any

import click

from lw import DISTRIBUTION, __version__
from lw.core import workflow
from lw.core.errors import LwError, UsageError
from lw.core.invocation import add_provider_options, core_options
from lw.core.provider import InvokeRequest, LogQuery, RollbackTarget
from lw.plugin import Invocation
from lw.plugin import command as lw_command

# The order ``lw --help`` lists the core's commands in: a stage's lifecycle first.
LIFECYCLE = ("init", "package", "deploy", "status", "logs", "invoke", "manage", "rollback", "undeploy")


class LwCommand(click.Command):
    """Help that lists the core's shared options apart from each provider's."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        own: list[tuple[str, str]] = []
        by_provider: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            owners = getattr(param, "providers", ())
            if owners:
                by_provider.setdefault(", ".join(owners), []).append(record)
            else:
                own.append(record)
        with formatter.section("Options"):
            formatter.write_dl(own)
        for owners, records in by_provider.items():
            with formatter.section(f"Options for provider {owners}"):
                formatter.write_dl(records)


class LwGroup(LwCommand, click.Group):
    """``lw --help``: the lifecycle commands first, then each provider's own."""

    command_class = LwCommand

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        LwCommand.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = list(self.commands)
        return [n for n in LIFECYCLE if n in names] + sorted(n for n in names if n not in LIFECYCLE)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        limit = formatter.width - 6 - max((len(n) for n in self.commands), default=0)
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            provider = getattr(cmd.callback, "lw_provider", None)
            title = (
                "Lifecycle commands"
                if name in LIFECYCLE
                else f"Commands of provider {provider}"
                if provider
                else "Other commands"
            )
            sections.setdefault(title, []).append((name, cmd.get_short_help_str(limit)))
        order = ["Lifecycle commands", "Other commands"]
        for title in sorted(sections, key=lambda t: (order.index(t) if t in order else len(order), t)):
            with formatter.section(title):
                formatter.write_dl(sections[title])


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``lw --version``: the distribution's version (what pip installed) and the Python
    running lw, the two facts a bug report needs first."""
    if not value or ctx.resilient_parsing:
        return
    try:
        version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        version = __version__
    click.echo(f"{DISTRIBUTION} {version} (Python {platform.python_version()}, {sys.executable})")
    ctx.exit()


@click.group(cls=LwGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show lw's version and the Python it runs on, and exit.",
)
@functools.partial(core_options, read_env=True)
@click.pass_context
def main(click_ctx: click.Context, /, **shared: Any) -> None:
    """Deploy an existing Python web app (WSGI/ASGI) and its event handlers serverless:
    AWS Lambda, Apache OpenWhisk, or locally as Lambda would run it.

    Shell completion: eval "$(_LW_COMPLETE=bash_source lw)" in ~/.bashrc
    (zsh_source, fish_source for other shells)."""
    click_ctx.obj = Invocation(shared)


# --------------------------------------------------------------------------- commands


@main.command()
@click.option(
    "--from-zappa",
    "from_zappa",
    type=click.Path(exists=True, dir_okay=False),
    help="Convert zappa_settings.json|.yml|.toml.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing lw.yml (--yes alone never does).")
@lw_command
def init(inv: Invocation, from_zappa: str | None, force: bool) -> None:
    """Detect the app and write lw.yml."""
    from lw.core import init as init_module

    yes = bool(inv.values.get("yes")) or _non_interactive()

    def prompt(question: str, default: str) -> str:
        return str(click.prompt(question, default=default))

    path = init_module.run_init(
        Path.cwd(),
        yes=yes,
        from_zappa=Path(from_zappa) if from_zappa else None,
        prompt=prompt,
        config_path=inv.config_path(),
        report=inv.reporter().info,
        force=force,
    )
    inv.emit(f"wrote {path}", {"config": str(path)})


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Where to write the artifact.")
@lw_command
def package(inv: Invocation, output: str | None) -> None:
    """Build the deployment package and print what it holds."""
    session = inv.session()
    artifact = workflow.package(session, out=Path(output) if output else None)
    largest = "\n".join(f"    {name:<32} {_size(size)}" for name, size in artifact.largest_dependencies)
    human = (
        f"{artifact.path}\n  size {_size(artifact.size)} zipped, {_size(artifact.unpacked_size)} unpacked, "
        f"{artifact.file_count} files\n  sha256 {artifact.sha256}\n  handler {artifact.handler}"
        + (f"\n  largest dependencies:\n{largest}" if largest else "")
    )
    if artifact.image is not None:  # package_type image: lw's layers on the base image
        human = (
            f"image {artifact.image.uri}\n  {len(artifact.image.layers)} layers, lw's own {_size(artifact.size)} "
            f"compressed, {_size(artifact.unpacked_size)} unpacked, {artifact.file_count} files\n"
            f"  base {artifact.image.spec.base_image or '(none)'}\n  handler {artifact.handler}"
            + (f"\n  largest dependencies:\n{largest}" if largest else "")
        )
    if artifact.dependencies is not None:  # shipped apart (an AWS Lambda layer)
        deps = artifact.dependencies
        human += f"\n{deps.path}\n  dependencies alone: {_size(deps.size)} zipped, sha256 {deps.sha256}"
    inv.emit(human, artifact.to_json())


@main.command()
@click.option("--dry-run", is_flag=True, help="Print the plan and change nothing.")
@lw_command
def deploy(inv: Invocation, dry_run: bool) -> None:
    """Package, plan and apply: create or update the stage."""
    session = inv.session(dry_run=dry_run)
    try:
        result = workflow.deploy(session, dry_run=dry_run)
    except KeyboardInterrupt:
        if dry_run:
            raise
        raise _interrupted_deploy(session) from None
    urls = list(result.outputs.get("urls") or [])
    reporter = session.ctx.reporter
    if dry_run:
        reporter.info("plan (dry run, nothing changed):")
    elif result.plan.is_noop:
        reporter.info("no changes: everything is up to date (0 changes applied)")
    else:
        reporter.info(
            f"deployed {session.ctx.app.name} to {session.ctx.provider} ({len(result.plan.mutating)} changes)"
        )
    # The URLs alone go to stdout, so that `url=$(lw deploy) && curl "$url"` works.
    human = "\n".join(([result.plan.render()] if dry_run else []) + urls)
    data = {
        "plan": result.plan.to_json(),
        "applied": result.applied,
        "urls": urls,
        "artifact": result.artifact.to_json(),
    }
    if urls and result.outputs.get("urls_note"):  # e.g. AWS's URLs while AWS_ENDPOINT_URL points elsewhere
        reporter.warn(str(result.outputs["urls_note"]))
        data["urls_note"] = result.outputs["urls_note"]
    if result.outputs.get("api_key"):  # set only by the deploy that created the key: shown this once
        reporter.info(f"API key (shown only now, store it safely): {result.outputs['api_key']}")
        data["api_key"] = result.outputs["api_key"]
    inv.emit(human, data)


@main.command()
@click.option("--dry-run", is_flag=True, help="List what would be removed and change nothing.")
@click.option("--keep-logs", is_flag=True, help="Keep the log group/logs.")
@lw_command
def undeploy(inv: Invocation, dry_run: bool, keep_logs: bool) -> None:
    """Remove everything lw created for the stage."""
    session = inv.session(dry_run=dry_run)
    if not dry_run and not _confirm(inv, f"Remove every resource of {session.ctx.app.name} on {session.ctx.provider}?"):
        raise UsageError("undeploy cancelled")
    plan, _ = workflow.undeploy(session, dry_run=dry_run, keep_logs=keep_logs)
    if plan.is_noop:
        human = f"nothing deployed for {session.ctx.app.name} on {session.ctx.provider}"
    elif dry_run:
        human = "would remove (dry run, nothing changed):\n" + plan.render()
    else:
        human = f"removed {session.ctx.app.name} from {session.ctx.provider} ({len(plan.mutating)} changes)"
    inv.emit(human, {"plan": plan.to_json(), "applied": not dry_run})


@main.command()
@lw_command
def status(inv: Invocation) -> None:
    """Show what is deployed for the stage (from the provider, not local files)."""
    session = inv.session()
    result = workflow.status(session)
    inv.emit(_render_status(session.ctx.app.name, result), result.to_json())


@main.command()
@click.option("--since", default="1h", show_default=True, help="How far back: 30s, 15m, 1h, 2d.")
@click.option("--filter", "filter_pattern", help="Only lines matching this pattern.")
@click.option("--tail", is_flag=True, help="Keep printing new lines.")
@click.option("--http/--no-http", "http", default=None, help="Only request lines / no request lines.")
@lw_command
def logs(inv: Invocation, since: str, filter_pattern: str | None, tail: bool, http: bool | None) -> None:
    """Print the stage's logs."""
    session = inv.session()
    query = LogQuery(since_seconds=parse_duration(since), filter=filter_pattern, tail=tail, http=http)
    for line in workflow.logs(session, query):
        click.echo(line)


@main.command()
@click.argument("function", required=False)
@click.argument("payload", required=False)
@click.option("--raw", help="Python source to run (needs allow_raw_invoke: true).")
@click.option("--event", "event_kind", help="Send a sample event: s3, sqs, sns, schedule, dynamodb, kinesis.")
@click.option("--bucket", help="With --event s3: the bucket.")
@click.option("--key", help="With --event s3: the object key.")
@click.option("--body", help="With --event sqs/sns: the message body.")
@click.option("--source", help="With --event: the source ARN (or binding name for schedule).")
@lw_command
def invoke(
    inv: Invocation,
    function: str | None,
    payload: str | None,
    raw: str | None,
    event_kind: str | None,
    bucket: str | None,
    key: str | None,
    body: str | None,
    source: str | None,
) -> None:
    """Invoke a function of the deployed app, a raw command or a sample event."""
    given = [x for x in (function, raw, event_kind) if x]
    if len(given) != 1:
        raise UsageError("invoke needs exactly one of FUNCTION, --raw CODE or --event KIND")
    session = inv.session()
    if event_kind:
        from lw.core import sample_events

        event = sample_events.make(event_kind, app=session.ctx.app, bucket=bucket, key=key, body=body, source=source)
        request = InvokeRequest(event=event)
    elif raw is not None:
        request = InvokeRequest(raw=raw)
    else:
        request = InvokeRequest(function=function, payload=_parse_payload(payload))
    _print_invoke(inv, workflow.invoke(session, request))


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@lw_command
def manage(inv: Invocation, command: tuple[str, ...]) -> None:
    """Run a Django management command or a Flask CLI command in the deployed function."""
    import shlex

    session = inv.session()
    result = workflow.invoke(session, InvokeRequest(manage=shlex.join(command)))
    if inv.json_mode:
        _print_invoke(inv, result)
        return
    _print_command_output(result)


@main.command()
@click.option("--to", "to_version", help="The version to serve.")
@click.option("--steps", default=1, show_default=True, type=int, help="How many releases back.")
@click.option("--dry-run", is_flag=True, help="Print the plan and change nothing.")
@lw_command
def rollback(inv: Invocation, to_version: str | None, steps: int, dry_run: bool) -> None:
    """Serve a previous release again."""
    if steps < 1:
        raise UsageError("--steps must be 1 or more")
    session = inv.session(dry_run=dry_run)
    plan, outputs = workflow.rollback(session, RollbackTarget(version=to_version, steps=steps), dry_run=dry_run)
    human = plan.render() if dry_run else f"rolled back {session.ctx.app.name}: " + plan.render()
    inv.emit(human, {"plan": plan.to_json(), "applied": not dry_run, "outputs": outputs})


@main.command()
@lw_command
def providers(inv: Invocation) -> None:
    """List the installed providers."""
    registry = workflow.load_providers()
    rows = [
        {"name": p.info.name, "version": p.version, "distribution": p.distribution, "description": p.info.description}
        for p in registry.all()
    ]
    human = "\n".join(f"{r['name']:<12} {r['distribution']} {r['version']:<10} {r['description']}" for r in rows)
    inv.emit(human or "no providers installed", rows)


# --------------------------------------------------------------------------- helpers


def parse_duration(text: str) -> int:
    """``90s``, ``15m``, ``1h``, ``2d`` or plain seconds -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    try:
        if text and text[-1] in units:
            seconds = int(float(text[:-1]) * units[text[-1]])
        else:
            seconds = int(text)
    except (ValueError, OverflowError):
        seconds = 0
    if seconds <= 0:
        raise UsageError(f"--since: expected a duration such as 30s, 15m, 1h or 2d, got {text!r}")
    return seconds


def _parse_payload(payload: str | None) -> Any:
    if payload is None:
        return None
    try:
        return json.loads(payload)
    except json.JSONDecodeError as exc:
        raise UsageError(f"PAYLOAD is not valid JSON: {exc.msg} at column {exc.colno}") from None


class Interrupted(LwError):
    """Ctrl-C during a deploy, told truthfully: what serves now, read from the stage."""

    exit_code = 130


def _interrupted_deploy(session: Any) -> Interrupted:
    """Ctrl-C can land after the release already serves (between the last write and the
    printed URL): then the deploy did complete, and saying only "interrupted" would be
    false. Ask the provider, with a second Ctrl-C still honoured."""
    try:
        current = workflow.status(session)
    except (Exception, KeyboardInterrupt):
        return Interrupted("interrupted")
    if not current.deployed:
        return Interrupted("interrupted; nothing of this stage is serving")
    urls = current.facts.get("urls") or ([current.facts["url"]] if current.facts.get("url") else [])
    where = f" at {', '.join(str(u) for u in urls)}" if urls else ""
    return Interrupted(
        f"interrupted; the stage is deployed and serving{where}",
        hint="lw status shows which release; lw deploy again finishes any step left",
    )


def _print_command_output(result: Any) -> None:
    """A management command's output as the command printed it (not a JSON string of
    it); a failed command exits 1 after its output and traceback."""
    reply = result.result if isinstance(result.result, dict) else {"result": result.result}
    if result.logs:
        click.echo(result.logs.rstrip(), err=True)
    output = str(reply.get("output") or "")
    if output:
        click.echo(output, nl=not output.endswith("\n"))
    if reply.get("result") is not None:
        value = reply["result"]
        click.echo(value if isinstance(value, str) else json.dumps(value, indent=2, default=str))
    error = result.error or reply.get("error")
    if error:
        if reply.get("traceback"):
            click.echo(str(reply["traceback"]).rstrip(), err=True)
        raise LwError(f"the command failed: {error}")


def _print_invoke(inv: Invocation, result: Any) -> None:
    """Print an invocation's result; a failed invocation exits 1 after printing it
    (in JSON mode as one document carrying ``error``, never two documents)."""
    data = {"result": result.result, "logs": result.logs, "error": result.error}
    if inv.json_mode:
        inv.emit("", data)
        if result.error:
            sys.exit(1)
        return
    if result.logs:
        click.echo(result.logs.rstrip(), err=True)
    if result.result is not None:
        click.echo(
            result.result if isinstance(result.result, str) else json.dumps(result.result, indent=2, default=str)
        )
    if result.error:
        raise LwError(f"the invocation failed: {result.error}")


def _render_status(name: str, status: Any) -> str:
    if not status.deployed:
        return f"{name}: not deployed"
    lines = [f"{name}:"]
    lines += [f"  {key}: {value}" for key, value in status.facts.items()]
    for section, rows in status.sections.items():
        lines.append(f"  {section}:")
        for row in rows:
            lines.append("    - " + ", ".join(f"{k}={v}" for k, v in row.items()))
    return "\n".join(lines)


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{n} B"


def _non_interactive() -> bool:
    import os

    return bool(os.environ.get("CI")) or not sys.stdin.isatty()


def _confirm(inv: Invocation, question: str) -> bool:
    if inv.values.get("yes") or _non_interactive():
        return True
    return bool(click.confirm(question, default=False))


def _register_plugin_commands() -> None:
    """Let plugins add their commands, then give every command the options providers
    declare; a plugin failing here must not break ``lw``."""
    try:
        registry = workflow.load_providers()
    except Exception:  # noqa: BLE001 - the command that needs the plugin reports it
        return
    try:
        registry.collect("lw_register_commands", cli=main)
    except Exception:  # noqa: BLE001
        pass
    add_provider_options(main, [p.info for p in registry.all()])


_register_plugin_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
