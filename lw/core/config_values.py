"""Checks of single setting values: type, choices, and the shape of known keys.

Each check returns a problem text (``expected ..., got ...``) or ``None`` instead of
raising, so the loader can gather every problem of a file and report them together.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Callable, Iterable, Mapping

from lw.core.config_names import slugify
from lw.core.provider import SettingSpec

DOTTED_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*([.:][A-Za-z_][A-Za-z0-9_]*)+")
MODULE_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ARN = re.compile(r"arn:aws[a-zA-Z-]*:([a-z0-9-]+):[a-z0-9-]*:(\d{12})?:.+")
RUNTIME = re.compile(r"python3\.\d{1,2}")

_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON_FIELD = re.compile(r"[0-9A-Za-z*?,/#L W-]+")


class Invalid(str):
    """A problem text that also says which part of the value is wrong (``at``, a key
    path below the setting), so that ``environment_variables.DEBUG`` is named, not
    just ``environment_variables``."""

    at: tuple[str | int, ...]

    def __new__(cls, message: str, at: tuple[str | int, ...] = ()) -> Invalid:
        text = super().__new__(cls, message)
        text.at = at
        return text


def describe(value: Any) -> str:
    """A value as the user wrote it in YAML, for 'got ...' messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 80 else f"{value[:40]!r}... ({len(value)} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 100:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def suggest(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a candidate is close to ``word``, else ''.

    A candidate that starts with the word also counts: users shorten Zappa's long
    names (``timeout`` for ``timeout_seconds``) more often than they misspell them.
    """
    names = list(candidates)
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.7)
    if not close and len(word) >= 4:
        close = sorted(n for n in names if n.startswith(word))[:1]
    return f" (did you mean {close[0]!r}?)" if close else ""


def matches_type(value: Any, types: tuple[type, ...]) -> bool:
    """``isinstance`` without Python's quirks: a bool is not an integer, an int is a number."""
    if isinstance(value, bool):
        return bool in types
    if isinstance(value, int) and float in types:
        return True
    return isinstance(value, types)


Check = Callable[[Any], "str | list[str] | None"]


def check_spec(spec: SettingSpec, value: Any) -> list[str]:
    """Every problem of a value declared by ``spec`` (``None`` means unset and passes)."""
    if value is None:
        return []
    if not matches_type(value, spec.type):
        return [f"expected {spec.type_name}, got {describe(value)}"]
    if spec.choices and not any(value == c and type(value) is type(c) for c in spec.choices):
        options = ", ".join(describe(c) for c in spec.choices)
        hint = suggest(value, [c for c in spec.choices if isinstance(c, str)]) if isinstance(value, str) else ""
        return [f"expected one of {options}, got {describe(value)}{hint}"]
    check = KEY_CHECKS.get(spec.name)
    found = check(value) if check else None
    if found is None:
        return []
    return [found] if isinstance(found, str) else list(found)


def check_schedule_expression(value: Any) -> str | None:
    """``rate(N unit)`` or AWS's six-field ``cron(...)``: the syntax Zappa users already write;
    other providers translate it, so it is checked once here for all of them."""
    if not isinstance(value, str):
        return f"expected a rate(...) or cron(...) expression, got {describe(value)}"
    if len(value) > AWS_LIMITS["schedule_expression"]:
        return (
            f"expected at most {AWS_LIMITS['schedule_expression']} characters (EventBridge's limit), got {len(value)}"
        )
    rate = _RATE.fullmatch(value.strip())
    if rate and len(rate.group(1)) > 9:
        return f"expected a rate of at most 9 digits, got a {len(rate.group(1))}-digit rate"
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2)
        if amount < 1:
            return f"expected a positive rate, got {value!r}"
        if (amount == 1) != (not unit.endswith("s")):
            fixed = f"rate({amount} {unit.rstrip('s') if amount == 1 else unit + 's'})"
            return f"expected {fixed!r} (singular unit only for 1), got {value!r}"
        return None
    if value.startswith("rate("):
        return f"expected rate(<number> minute[s]|hour[s]|day[s]), got {value!r}"
    if value.startswith("cron(") and value.endswith(")"):
        fields = value[5:-1].split()
        if len(fields) != 6:
            return (
                f"expected 6 cron fields (minutes hours day-of-month month day-of-week year), "
                f"got {len(fields)} in {value!r}"
            )
        if any(not _CRON_FIELD.fullmatch(f) for f in fields):
            return f"expected cron fields made of digits, names and * ? , - / L W #, got {value!r}"
        if (fields[2] == "?") == (fields[4] == "?"):
            return f"expected '?' in exactly one of day-of-month and day-of-week, got {value!r}"
        return None
    return f"expected rate(...) or cron(...), got {value!r}"


def _dotted(what: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not DOTTED_PATH.fullmatch(value):
            return f"expected a dotted path to {what} such as 'module.name', got {value!r}"
        return None

    return check


def _module(value: Any) -> str | None:
    if not MODULE_PATH.fullmatch(value):
        return f"expected a dotted module path such as 'mysite.settings', got {value!r}"
    return None


def _int_range(low: int, high: int | None) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value < low or (high is not None and value > high):
            span = f"between {low} and {high}" if high is not None else f"at least {low}"
            return f"expected an integer {span}, got {value}"
        return None

    return check


def _arn_of(*services: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        match = ARN.fullmatch(value)
        if not match or match.group(1) not in services:
            kinds = " or ".join(services)
            return f"expected an ARN of {kinds} (arn:aws:{services[0]}:...), got {value!r}"
        return None

    return check


def _runtime(value: Any) -> str | None:
    return None if RUNTIME.fullmatch(value) else f"expected python3.X such as 'python3.11', got {value!r}"


def _str_list(value: Any) -> list[str]:
    return [
        Invalid(f"expected a string, got {describe(item)}", (index,))
        for index, item in enumerate(value)
        if not isinstance(item, str)
    ]


def _str_map(what: str) -> Callable[[Any], list[str]]:
    def check(value: Any) -> list[str]:
        problems: list[str] = []
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(f"expected {what} names to be strings, got {describe(key)}")
            elif isinstance(item, bool) or not isinstance(item, (str, int, float)):
                hint = f" (quote it: '{describe(item)}')" if isinstance(item, bool) else ""
                problems.append(Invalid(f"expected a string, got {describe(item)}{hint}", (key,)))
        return problems

    return check


def _env_vars(value: Any) -> list[str]:
    problems: list[str] = [
        Invalid(f"expected a variable name made of letters, digits and _, got {key!r}", (key,))
        for key in value
        if isinstance(key, str) and not ENV_NAME.fullmatch(key)
    ]
    return problems + _str_map("variable")(value)


def _vpc(value: Any) -> str | None:
    for key in ("SubnetIds", "SecurityGroupIds"):
        ids = value.get(key)
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return Invalid(f"expected a non-empty list of strings, got {describe(ids)}", (key,))
    unknown = set(value) - {"SubnetIds", "SecurityGroupIds", "Ipv6AllowedForDualStack"}
    if unknown:
        key = sorted(map(str, unknown))[0]
        return Invalid(f"unknown key{suggest(key, ['SubnetIds', 'SecurityGroupIds'])}", (key,))
    return None


_CORS_KEYS = ("allowed_origin", "allowed_headers", "allowed_methods", "allow_credentials", "max_age", "expose_headers")


def _cors(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    for key in value:
        if key not in _CORS_KEYS:
            return Invalid(
                f"unknown key{suggest(str(key), _CORS_KEYS)}; expected some of {', '.join(_CORS_KEYS)}", (str(key),)
            )
    return None


def _statements(value: Any) -> list[str]:
    return [
        Invalid("expected an IAM statement mapping with Effect, Action and Resource", (index,))
        for index, statement in enumerate(value)
        if not isinstance(statement, Mapping) or "Effect" not in statement or "Action" not in statement
    ]


def _remote_env(value: Any) -> str | None:
    if not re.fullmatch(r"s3://[^/]+/.+", value):
        return f"expected s3://bucket/key.json, got {value!r}"
    return None


def _project_name(value: Any) -> str | None:
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?", value):
        return (
            f"expected lowercase letters, digits and '-', at most 40 characters, got {value!r} "
            f"(for example {slugify(value) or 'my-app'!r})"
        )
    return None


def _authorizer(value: Any) -> str | None:
    if not ("function" in value or "arn" in value):
        return "expected 'function' (dotted path) or 'arn' of the authorizer"
    return None


# Lengths and counts AWS refuses beyond (Lambda, EventBridge, resource tagging, Route 53
# API references): checked here so that a bad value is a config error before any call,
# not a half-applied deploy.
AWS_LIMITS = {
    "lambda_description": 256,
    "schedule_expression": 256,
    "tags": 50,
    "tag_key": 128,
    "tag_value": 256,
    "environment_bytes": 4096,
    "layers": 5,
    "subnets": 16,
    "security_groups": 5,
    "domain": 253,
}


def _parses(parser_name: str) -> Callable[[Any], str | None]:
    """A check that a reference parser of ``lw.core.images.reference`` accepts the value
    (imported when used: most configs have no image settings)."""

    def check(value: Any) -> str | None:
        from lw.core.images import reference

        try:
            getattr(reference, parser_name)(value)
        except reference.ReferenceError as exc:
            return str(exc)
        return None

    return check


def _max_length(limit: int, what: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if len(value) > limit:
            return f"expected at most {limit} characters ({what}), got {len(value)}"
        return None

    return check


def _tags(value: Any) -> list[str]:
    problems = _str_map("tag")(value)
    if len(value) > AWS_LIMITS["tags"]:
        problems.append(f"expected at most {AWS_LIMITS['tags']} tags (AWS's limit), got {len(value)}")
    for key, item in value.items():
        if not isinstance(key, str):
            continue
        if not 1 <= len(key) <= AWS_LIMITS["tag_key"] or key.lower().startswith("aws:"):
            problems.append(
                Invalid(
                    f"expected a tag key of 1 to {AWS_LIMITS['tag_key']} characters not starting "
                    f"with 'aws:', got {describe(key)}",
                    (key,),
                )
            )
        if isinstance(item, str) and len(item) > AWS_LIMITS["tag_value"]:
            problems.append(Invalid(f"expected at most {AWS_LIMITS['tag_value']} characters, got {len(item)}", (key,)))
    return problems


def _lambda_env_vars(value: Any) -> list[str]:
    """Lambda refuses a function whose variables (names and values) exceed 4 KB."""
    problems = _env_vars(value)
    size = sum(len(str(k).encode()) + len(str(v).encode()) for k, v in value.items())
    if size > AWS_LIMITS["environment_bytes"]:
        problems.append(
            f"expected at most {AWS_LIMITS['environment_bytes']} bytes of names and values "
            f"(Lambda's limit; move large values to remote_env or ${{ssm:...}}), got {size}"
        )
    return problems


def _layers(value: Any) -> list[str]:
    problems = _str_list(value)
    if len(value) > AWS_LIMITS["layers"]:
        problems.append(f"expected at most {AWS_LIMITS['layers']} layers (Lambda's limit), got {len(value)}")
    return problems


def _vpc_limits(value: Any) -> str | None:
    found = _vpc(value)
    if found is not None:
        return found
    for key, limit in (("SubnetIds", AWS_LIMITS["subnets"]), ("SecurityGroupIds", AWS_LIMITS["security_groups"])):
        if len(value[key]) > limit:
            return Invalid(f"expected at most {limit} (Lambda's limit), got {len(value[key])}", (key,))
    return None


KEY_CHECKS: dict[str, Check] = {
    "app_function": _dotted("the WSGI/ASGI application"),
    "exception_handler": _dotted("a function"),
    "django_settings": _module,
    "project_name": _project_name,
    "runtime": _runtime,
    "image_registry": _parses("parse_registry_setting"),
    "base_image": _parses("parse_reference"),
    "memory_size": _int_range(128, 10240),
    "timeout_seconds": _int_range(1, 900),
    "ephemeral_storage": _int_range(512, 10240),
    "reserved_concurrency": _int_range(0, None),
    "provisioned_concurrency": _int_range(1, None),
    "keep_warm_expression": check_schedule_expression,
    "environment_variables": _env_vars,
    "aws_environment_variables": _lambda_env_vars,
    "tags": _tags,
    "lambda_description": _max_length(AWS_LIMITS["lambda_description"], "Lambda's limit"),
    "domain": _max_length(AWS_LIMITS["domain"], "a DNS name's limit"),
    "context_header_mappings": _str_map("header"),
    "exclude": _str_list,
    "include": _str_list,
    "layers": _layers,
    "regions": _str_list,
    "additional_text_mimetypes": _str_list,
    "manage_commands": _str_list,
    "vpc_config": _vpc_limits,
    "cors": _cors,
    "extra_permissions": _statements,
    "remote_env": _remote_env,
    "dead_letter_arn": _arn_of("sns", "sqs"),
    "role_arn": _arn_of("iam"),
    "certificate_arn": _arn_of("acm"),
    "cognito_user_pool": _arn_of("cognito-idp"),
    "authorizer": _authorizer,
}
