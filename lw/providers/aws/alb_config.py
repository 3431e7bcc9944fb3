"""The ``alb:`` setting, checked and normalised before anything is read or written.

Two shapes: lw makes the load balancer (``subnets``, ``security_groups``,
``certificate_arn``, ``internal``, ``listener_port``), or it adds one rule to a listener
the user already has (``listener_arn`` with ``path_patterns``/``host_headers`` and an
optional ``priority``). Both share ``multi_value_headers``. Every mistake is a one-line
``ConfigError`` naming the key, raised while planning, so ``--dry-run`` shows it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from lw.core.context import Context
from lw.core.errors import ConfigError

# A recent policy: TLS 1.3 with 1.2 as the floor (AWS's recommended default).
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
RULE_PRIORITY_MAX = 50000  # a listener's rule priorities run 1..50000
LISTENER_ARN = re.compile(r"arn:aws[\w-]*:elasticloadbalancing:[\w-]+:\d{12}:listener/app/[\w-]+/\w+/\w+")
SUBNET_ID = re.compile(r"subnet-([0-9a-f]{8}|[0-9a-f]{17})")
SECURITY_GROUP_ID = re.compile(r"sg-([0-9a-f]{8}|[0-9a-f]{17})")
CERTIFICATE_ARN = re.compile(r"arn:aws[\w-]*:(acm|iam):[\w-]*:\d{12}:(certificate|server-certificate)/\S+")

_OWN_BALANCER_KEYS = ("subnets", "security_groups", "certificate_arn", "internal", "listener_port", "ssl_policy")
_RULE_KEYS = ("listener_arn", "path_patterns", "host_headers", "priority")
KEYS = frozenset({*_OWN_BALANCER_KEYS, *_RULE_KEYS, "multi_value_headers"})


@dataclass(frozen=True)
class AlbConfig:
    """What the stage's ``alb:`` block asks for."""

    multi_value_headers: bool = True
    # lw's own load balancer
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    certificate_arn: str | None = None
    internal: bool = False
    listener_port: int = 80
    ssl_policy: str = DEFAULT_SSL_POLICY
    # a rule on the user's listener
    listener_arn: str | None = None
    path_patterns: tuple[str, ...] = ()
    host_headers: tuple[str, ...] = ()
    priority: int | None = None

    @property
    def own_balancer(self) -> bool:
        return self.listener_arn is None

    @property
    def protocol(self) -> str:
        """HTTPS with a certificate; plain HTTP without one (an internal ALB inside a
        VPC, or TLS ended in front of it): lw never invents a certificate."""
        return "HTTPS" if self.certificate_arn else "HTTP"

    def conditions(self) -> list[dict[str, Any]]:
        """The rule's conditions in the API's shape; AWS needs at least one, so no
        condition means every path."""
        found: list[dict[str, Any]] = []
        if self.host_headers:
            found.append({"Field": "host-header", "HostHeaderConfig": {"Values": list(self.host_headers)}})
        patterns = self.path_patterns or (() if self.host_headers else ("/*",))
        if patterns:
            found.append({"Field": "path-pattern", "PathPatternConfig": {"Values": list(patterns)}})
        return found


def read_config(ctx: Context) -> AlbConfig | None:
    """The stage's ``alb:`` block, or ``None`` when the stage has no ALB."""
    value = ctx.app.setting("alb")
    if not value:
        return None
    where = f"{ctx.app.config_file.name}: stage '{ctx.app.stage}': alb"
    if value is True:
        raise ConfigError(f"{where}: expected a mapping with subnets (lw makes the load balancer) or listener_arn")
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
    unknown = sorted(set(map(str, value)) - KEYS)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(sorted(KEYS))})")
    regions = ctx.app.setting("regions")
    if isinstance(regions, list) and len(regions) > 1:
        raise ConfigError(
            f"{where}: not available with regions (subnets, certificates and listeners belong to one region); "
            "put the load balancer in one stage per region"
        )
    multi = _bool(where, value, "multi_value_headers", True)
    if value.get("listener_arn") is not None:
        return _rule_config(where, value, multi)
    return _balancer_config(where, value, multi)


def _rule_config(where: str, value: Mapping[str, Any], multi: bool) -> AlbConfig:
    listener = value["listener_arn"]
    if not isinstance(listener, str) or not LISTENER_ARN.fullmatch(listener):
        raise ConfigError(f"{where}.listener_arn: expected an Application Load Balancer listener ARN, got {listener!r}")
    mixed = [k for k in _OWN_BALANCER_KEYS if value.get(k) is not None]
    if mixed:
        raise ConfigError(
            f"{where}.{mixed[0]}: not used with listener_arn (the load balancer is yours); remove one of them"
        )
    priority = value.get("priority")
    if priority is not None and (
        type(priority) is not int or not 1 <= priority <= RULE_PRIORITY_MAX  # noqa: E721 - bool is no priority
    ):
        raise ConfigError(f"{where}.priority: expected an integer from 1 to {RULE_PRIORITY_MAX}, got {priority!r}")
    return AlbConfig(
        multi_value_headers=multi,
        listener_arn=listener,
        path_patterns=_strings(where, value, "path_patterns"),
        host_headers=_strings(where, value, "host_headers"),
        priority=priority,
    )


def _balancer_config(where: str, value: Mapping[str, Any], multi: bool) -> AlbConfig:
    mixed = [k for k in _RULE_KEYS if value.get(k) is not None]
    if mixed:
        raise ConfigError(f"{where}.{mixed[0]}: only used with listener_arn (a rule on your own listener)")
    subnets = _strings(where, value, "subnets", SUBNET_ID, "subnet id")
    if len(subnets) < 2:
        raise ConfigError(
            f"{where}.subnets: an Application Load Balancer needs at least two subnets in two Availability "
            "Zones (or set listener_arn to add a rule to a load balancer you have)"
        )
    certificate = value.get("certificate_arn")
    if certificate is not None and (not isinstance(certificate, str) or not CERTIFICATE_ARN.fullmatch(certificate)):
        raise ConfigError(f"{where}.certificate_arn: expected an ACM certificate ARN, got {certificate!r}")
    port = value.get("listener_port", 443 if certificate else 80)
    if type(port) is not int or not 1 <= port <= 65535:  # noqa: E721 - bool is no port
        raise ConfigError(f"{where}.listener_port: expected a port from 1 to 65535, got {port!r}")
    ssl_policy = value.get("ssl_policy", DEFAULT_SSL_POLICY)
    if not isinstance(ssl_policy, str) or not ssl_policy:
        raise ConfigError(f"{where}.ssl_policy: expected the name of an ELB security policy")
    if value.get("ssl_policy") is not None and not certificate:
        raise ConfigError(f"{where}.ssl_policy: only used with certificate_arn (an HTTPS listener)")
    return AlbConfig(
        multi_value_headers=multi,
        subnets=subnets,
        security_groups=_strings(where, value, "security_groups", SECURITY_GROUP_ID, "security group id"),
        certificate_arn=certificate,
        internal=_bool(where, value, "internal", False),
        listener_port=port,
        ssl_policy=ssl_policy,
    )


def _bool(where: str, value: Mapping[str, Any], key: str, default: bool) -> bool:
    found = value.get(key, default)
    if not isinstance(found, bool):
        raise ConfigError(f"{where}.{key}: expected true or false, got {found!r}")
    return found


def _strings(
    where: str, value: Mapping[str, Any], key: str, shape: re.Pattern[str] | None = None, what: str = ""
) -> tuple[str, ...]:
    found = value.get(key) or []
    if isinstance(found, str):
        found = [found]
    if not isinstance(found, list) or not all(isinstance(v, str) and v for v in found):
        raise ConfigError(f"{where}.{key}: expected a list of strings")
    wrong = [v for v in found if shape is not None and not shape.fullmatch(v)]
    if wrong:
        raise ConfigError(f"{where}.{key}: {wrong[0]!r} is not a {what} ({shape.pattern if shape else ''})")
    return tuple(found)
