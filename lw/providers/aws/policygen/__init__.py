"""Least-privilege IAM policy generated from the app's own code (``lw policy``,
``iam_policy: auto``).

Contract for the AWS provider
-----------------------------
``policy_document(app, account_id, region) -> dict`` returns a complete IAM policy
document (``{"Version": "2012-10-17", "Statement": [...]}``) for the function's
execution role, made of:

1. the function's log group statement (``logs:CreateLogStream`` and
   ``logs:PutLogEvents`` on ``/aws/lambda/<project>-<stage>``);
2. what the configured event sources need, from
   ``lw.providers.aws.events.policy_statements(app, account_id, region)`` when that
   module is installed (skipped otherwise, and said so in the warnings);
3. what lw's runtime reads at cold start: the ``remote_env`` object and each
   ``${ssm:...}``/``${secretsmanager:...}`` reference in ``environment_variables`` and
   ``aws_environment_variables`` (``config_sources``);
4. the statements derived from the app's boto3 calls (``analyse``), Sids ``LwCode<n>``.

``config_sources.config_statements(app, account_id, region) -> (statements, warnings)``
is the runtime-reads part alone, for a provider that keeps its own default policy.

It only reads files: no AWS call, no network. ``policy_report`` returns the same
document plus the warnings and the calls, for the CLI; a provider using the policy
for ``iam_policy: auto`` should show ``report.warnings`` through ``ctx.reporter.warn``.
``account_id``/``region`` default to ``"*"`` so the document can be printed without
credentials. Statement order and content are deterministic.

Limits: the analysis is static. Calls through objects it cannot follow (a client
received from a library, a service name computed at run time, ``getattr`` with a
variable) are reported as warnings with their ``file:line`` and are not granted.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from lw.core.model import AppModel
from lw.providers.aws.policygen.config_sources import config_statements
from lw.providers.aws.policygen.files import module_name, python_files
from lw.providers.aws.policygen.resources import Place
from lw.providers.aws.policygen.scanner import Scanner, SourceModule
from lw.providers.aws.policygen.statements import build_statements, grants

__all__ = ["Analysis", "Call", "PolicyReport", "analyse", "policy_document", "policy_report"]

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class Call:
    """One boto3 call found in the code and the grant it needs."""

    file: str
    line: int
    service: str
    operation: str
    action: str
    resource: str

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "service": self.service,
            "operation": self.operation,
            "action": self.action,
            "resource": self.resource,
        }


@dataclass
class Analysis:
    statements: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)


def _parse(project_dir: Path, exclude: Sequence[str]) -> tuple[list[SourceModule], list[str]]:
    modules: list[SourceModule] = []
    warnings: list[str] = []
    sources: list[tuple[str, bytes]] = []
    for path, rel in python_files(project_dir, exclude):
        try:
            sources.append((rel, path.read_bytes()))
        except OSError as exc:
            warnings.append(f"{rel}:0: unreadable, not analysed ({exc.strerror})")
    if not any(b"boto3" in source for _, source in sources):
        return [], warnings  # no file mentions boto3: nothing can call AWS through it
    for rel, source in sources:
        try:
            tree = ast.parse(source, filename=rel)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None) or 0
            reason = exc.msg if isinstance(exc, SyntaxError) else str(exc)
            warnings.append(f"{rel}:{line}: not valid Python for this interpreter, not analysed ({reason})")
            continue
        modules.append(SourceModule(rel, module_name(rel), tree))
    return modules, warnings


def analyse(
    project_dir: Path,
    *,
    exclude: Sequence[str] = (),
    account_id: str = "*",
    region: str = "*",
    environment: Mapping[str, str] | None = None,
) -> Analysis:
    """Statically find the app's boto3 calls and the statements they need.

    ``exclude`` takes gitignore-style lines like the packaging ``exclude`` setting;
    the packaging engine's default exclusions (virtualenvs, tests, ``.lw/``…) and
    installed packages are always skipped. ``environment`` holds the variables the
    function will have, so ``os.environ["BUCKET"]`` narrows like a literal.
    """
    modules, warnings = _parse(Path(project_dir), exclude)
    scan = Scanner(modules, environment).run()
    place = Place(region=region, account=account_id)
    pairs: list[tuple[str, str]] = []
    calls: list[Call] = []
    unknown_services: dict[str, tuple[str, int]] = {}
    warnings.extend(scan.warnings)
    for raw in scan.calls:
        call_pairs, call_warnings, unknown = grants(raw, place)
        warnings.extend(call_warnings)
        if unknown:
            unknown_services.setdefault(raw.service, (raw.file, raw.line))
        pairs.extend(call_pairs)
        calls.extend(
            Call(raw.file, raw.line, raw.service, raw.operation, action, resource) for action, resource in call_pairs
        )
    for service, (file, line) in sorted(unknown_services.items()):
        warnings.append(
            f"{file}:{line}: lw does not know how to narrow {service} resources from the code; "
            f"its actions are granted on '*'"
        )
    return Analysis(
        statements=build_statements(pairs),
        warnings=sorted(set(warnings), key=_warning_order),
        calls=sorted(set(calls), key=lambda c: (c.file, c.line, c.action, c.resource)),
    )


def _warning_order(warning: str) -> tuple[str, int, str]:
    """Warnings read in source order: by file, then line number."""
    location, _, message = warning.partition(": ")
    file, _, line = location.rpartition(":")
    return (file, int(line) if line.isdigit() else 0, message)


@dataclass
class PolicyReport:
    policy: dict[str, Any]
    warnings: list[str]
    calls: list[Call]

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "warnings": self.warnings, "calls": [c.to_json() for c in self.calls]}


def function_environment(app: AppModel) -> dict[str, str]:
    """The variables the function sees that are known at deploy time: Lambda's own
    (``aws_environment_variables``) overridden by lw's (``environment_variables``), as
    the runtime applies them. Values resolved at cold start (``${ssm:...}``) are not."""
    merged = {str(k): str(v) for k, v in dict(app.setting("aws_environment_variables") or {}).items()}
    merged.update({str(k): str(v) for k, v in app.environment_variables.items()})
    return {k: v for k, v in merged.items() if "${" not in v}


def log_statement(app: AppModel, account_id: str, region: str) -> dict[str, Any]:
    """The same grant the fixed policy carries (see ``names.log_statement``)."""
    from lw.providers.aws import names

    return names.log_statement(Place(region=region, account=account_id).partition, region, account_id, app.name)


def _event_statements(app: AppModel, account_id: str, region: str) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        from lw.providers.aws.events import policy_statements
    except ImportError:
        if not app.events_for("aws"):
            return [], []
        return [], [
            "event sources: lw.providers.aws.events is not available, so the permissions the "
            "configured events need are not included"
        ]
    return [dict(s) for s in policy_statements(app, account_id, region) or []], []


def policy_report(app: AppModel, account_id: str = "*", region: str = "*") -> PolicyReport:
    """The execution role's policy for ``app`` with the analysis behind it."""
    exclude = app.setting("exclude") or []
    exclude_lines = [str(e) for e in exclude] if isinstance(exclude, (list, tuple)) else []
    analysis = analyse(
        app.project_dir,
        exclude=exclude_lines,
        account_id=account_id,
        region=region,
        environment=function_environment(app),
    )
    events, event_warnings = _event_statements(app, account_id, region)
    config, config_warnings = config_statements(app, account_id, region)
    statements = [log_statement(app, account_id, region), *events, *config, *analysis.statements]
    return PolicyReport(
        policy={"Version": POLICY_VERSION, "Statement": statements},
        warnings=event_warnings + config_warnings + analysis.warnings,
        calls=analysis.calls,
    )


def policy_document(app: AppModel, account_id: str = "*", region: str = "*") -> dict[str, Any]:
    """The execution role's policy document (see the contract above)."""
    return policy_report(app, account_id, region).policy
