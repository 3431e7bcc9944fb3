"""What the runtime itself reads at cold start: ``remote_env`` and the
``${ssm:...}``/``${secretsmanager:...}`` references in environment variables.

These reads are made by lw's runtime (not by the app's code, so the scanner never sees
them), and they are fully known from the configuration: the role gets exactly them.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from lw.core.model import AppModel
from lw.providers.aws.policygen.resources import Place

_REFERENCE = re.compile(r"\$\{(ssm|secretsmanager):([^}]+)\}")


def _references(variables: Mapping[str, Any]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for value in variables.values():
        found |= {(kind, ref.strip()) for kind, ref in _REFERENCE.findall(str(value)) if ref.strip()}
    return found


def _remote_env_arn(url: Any, place: Place) -> str | None:
    text = str(url or "")
    if not text.startswith("s3://") or "/" not in text[5:]:
        return None  # the runtime refuses it at cold start; nothing to grant
    return f"arn:{place.partition}:s3:::{text[5:]}"


def config_statements(app: AppModel, account_id: str, region: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Statements for the runtime's own configuration reads, and what cannot be seen."""
    place = Place(region=region, account=account_id)
    variables: dict[str, Any] = dict(app.environment_variables)
    variables.update(dict(app.setting("aws_environment_variables") or {}))
    statements: list[dict[str, Any]] = []
    warnings: list[str] = []
    remote = app.setting("remote_env")
    remote_arn = _remote_env_arn(remote, place) if remote else None
    if remote_arn:
        statements.append({"Sid": "LwRemoteEnv", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": remote_arn})
        warnings.append(
            f"remote_env: references inside {remote} are only known at run time; their "
            "ssm/secretsmanager reads are not in the policy"
        )
    references = _references(variables)
    parameters = sorted(
        ref if ref.startswith("arn:") else place.arn("ssm", "parameter/" + ref.lstrip("/"))
        for kind, ref in references
        if kind == "ssm"
    )
    secrets = sorted(
        ref if ref.startswith("arn:") else place.arn("secretsmanager", f"secret:{ref}-*")
        for kind, ref in references
        if kind == "secretsmanager"
    )
    if parameters:
        statements.append(
            {
                "Sid": "LwSsmReferences",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": parameters[0] if len(parameters) == 1 else parameters,
            }
        )
    if secrets:
        statements.append(
            {
                "Sid": "LwSecretReferences",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": secrets[0] if len(secrets) == 1 else secrets,
            }
        )
    return statements, warnings
