"""Hostile or careless ``lw.yml``/``lw.json``: whatever a config file holds, loading it
ends in a model or a one-line config error (exit 2), never a traceback, a hang or
gigabytes of memory. Loaded with the installed providers, as the CLI loads it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lw import cli
from lw.core import workflow
from lw.core.config_file import ALIAS_BUDGET, MAX_NUMBER_DIGITS
from lw.core.errors import ConfigError, LwError

LONG = "1" * 5000
PROVIDERS = workflow.load_providers()


def load(path: Path, **kwargs: Any) -> Any:
    return workflow.open_stage(
        path, stage=kwargs.pop("stage", None), provider=kwargs.pop("provider", None), providers=PROVIDERS, **kwargs
    ).ctx.app


def config_error(path: Path, **kwargs: Any) -> str:
    with pytest.raises(ConfigError) as info:
        load(path, **kwargs)
    assert info.value.exit_code == 2
    return "\n".join([str(info.value), *info.value.problems])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text("app = None\n")
    return tmp_path


def write(project: Path, text: str, name: str = "lw.yml") -> Path:
    path = project / name
    path.write_text(text)
    return path


def alias_bomb(levels: int, width: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    lines.append(f"dev: {{app_function: app.app, tags: {{x: *a{levels}}}}}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ alias bombs


@pytest.mark.parametrize("levels", [4, 7, 8, 20])
def test_alias_bombs_are_refused_before_expanding(project: Path, levels: int) -> None:
    text = alias_bomb(levels)
    assert len(text) < 2000
    message = config_error(write(project, text), stage="dev")
    assert f"YAML aliases (*name) expand to more than {ALIAS_BUDGET} values" in message


def test_a_mapping_bomb_through_merge_keys_is_refused(project: Path) -> None:
    lines = ["b0: &b0 {" + ", ".join(f"k{i}: v" for i in range(10)) + "}"]
    for level in range(1, 6):
        lines.append(f"b{level}: &b{level} [" + ", ".join([f"*b{level - 1}"] * 10) + "]")
    lines.append("dev: {app_function: app.app, tags: {x: *b5}}")
    assert "expand to more than" in config_error(write(project, "\n".join(lines)), stage="dev")


def test_a_self_referencing_alias_is_an_error(project: Path) -> None:
    message = config_error(write(project, "dev: &d\n  app_function: app.app\n  tags: &t [*t]\n"))
    assert "refers to a value that contains it" in message


def test_ordinary_aliases_still_work(project: Path) -> None:
    text = "base: &base\n  app_function: app.app\n  memory_size: 1024\ndev:\n  <<: *base\n  extends: base\n"
    assert load(write(project, text), stage="dev").memory_size == 1024


# ------------------------------------------------------------------ huge numbers


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (f"dev: {{app_function: app.app, memory_size: {LONG}}}\n", "lw.yml"),
        (f"dev: {{app_function: app.app, memory_size: 0x{'f' * 5000}}}\n", "lw.yml"),
        (f"dev: {{app_function: app.app, memory_size: -{LONG}}}\n", "lw.yml"),
        (f"dev: {{app_function: app.app, environment_variables: {{A: {LONG}}}}}\n", "lw.yml"),
        (f'{{"dev": {{"app_function": "app.app", "memory_size": {LONG}}}}}', "lw.json"),
        (f"dev: {{app_function: app.app, keep_warm_expression: 'rate({LONG} minutes)'}}\n", "lw.yml"),
        (
            "dev:\n  app_function: app.app\n  events:\n    - function: app.f\n      event_source: "
            f"{{arn: 'arn:aws:sqs:us-east-1:123456789012:q', batch_size: {LONG}}}\n",
            "lw.yml",
        ),
        (f"? {LONG}\n: {{app_function: app.app}}\n", "lw.yml"),
    ],
)
def test_huge_numbers_are_config_errors(project: Path, text: str, name: str) -> None:
    message = config_error(write(project, text, name))
    assert len(message) < 1000 and ("digits" in message or "characters" in message)


@pytest.mark.parametrize(
    "value",
    [
        LONG,
        "0x" + "f" * 5000,
        "[" * 3000,
        "{a: " * 2000,
        "&a [*a]",
        "1e99999",
        "!!python/object/apply:os.system ['id']",
    ],
)
@pytest.mark.parametrize("setting", ["memory_size", "project_name", "lambda_description", "tags"])
def test_hostile_environment_values_are_config_errors(
    project: Path, monkeypatch: pytest.MonkeyPatch, value: str, setting: str
) -> None:
    monkeypatch.setenv("X", value)
    path = write(project, f"dev: {{app_function: app.app, {setting}: '${{env:X}}'}}\n")
    try:
        load(path)
    except LwError as error:
        assert error.exit_code == 2
        assert all(len(line) < 1000 for line in [str(error), *getattr(error, "problems", [])])


def test_a_long_number_in_an_environment_variable_stays_text(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X", LONG)
    app = load(write(project, "dev: {app_function: app.app, environment_variables: {A: '${env:X}'}}\n"))
    assert app.environment_variables["A"] == LONG


# ------------------------------------------------------------------ keys


def test_unhashable_keys_are_config_errors(project: Path) -> None:
    message = config_error(write(project, "dev: {app_function: app.app, ? [a, b] : 1}\n"))
    assert "expected a plain key (text or number), got a list" in message
    message = config_error(write(project, "? {a: 1}\n: {app_function: app.app}\n"))
    assert "got a mapping" in message


def test_duplicate_keys_in_json_are_refused(project: Path) -> None:
    path = write(project, '{"dev": {"app_function": "app.app", "app_function": "other.app"}}', "lw.json")
    assert "duplicate key 'app_function'" in config_error(path)


def test_stages_1_and_quoted_1_do_not_merge(project: Path) -> None:
    message = config_error(write(project, "1: {app_function: app.app}\n'1': {app_function: other.app}\n"))
    assert "stage '1' is written twice" in message
    path = write(project, '{"1": {"app_function": "app.app"}}', "lw.json")
    assert load(path).stage == "1"


# ------------------------------------------------------------------ misplaced and unknown blocks


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("zzz_unknown: {subnets: [a]}", "no installed provider or plugin declares a 'zzz_unknown' block"),
        ("vpc_confg: {SubnetIds: [a]}", "(did you mean 'vpc_config'?)"),
        ("ca_bundle: {path: x}", "ca_bundle is a setting of the openwhisk block; move it under 'openwhisk:'"),
        ("ca_bundle: /etc/ssl/x.pem", "ca_bundle is a setting of the openwhisk block"),
        ("gcp: {project: x}", "no installed provider or plugin declares a 'gcp' block"),
    ],
)
def test_misplaced_and_undeclared_blocks_are_errors(project: Path, block: str, expected: str) -> None:
    assert expected in config_error(write(project, f"dev:\n  app_function: app.app\n  {block}\n"))


# ------------------------------------------------------------------ AWS limits


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("lambda_description: '" + "d" * 257 + "'", "at most 256 characters"),
        ("tags: {" + ", ".join(f"t{i}: v" for i in range(51)) + "}", "at most 50 tags"),
        ("tags: {'" + "k" * 129 + "': v}", "tag key of 1 to 128 characters"),
        ("tags: {'aws:owner': v}", "not starting with 'aws:'"),
        ("tags: {k: '" + "v" * 257 + "'}", "at most 256 characters"),
        ("aws_environment_variables: {A: '" + "v" * 4100 + "'}", "at most 4096 bytes"),
        (
            "layers: [" + ", ".join(f"'arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1'" for i in range(6)) + "]",
            "at most 5 layers",
        ),
        (
            "vpc_config: {SubnetIds: [" + ", ".join(f"s{i}" for i in range(17)) + "], SecurityGroupIds: [g]}",
            "at most 16",
        ),
        ("vpc_config: {SubnetIds: [s], SecurityGroupIds: [" + ", ".join(f"g{i}" for i in range(6)) + "]}", "at most 5"),
        ("domain: '" + "a" * 254 + "'", "at most 253 characters"),
        ("keep_warm_expression: 'cron(0 " + "1," * 200 + "1 * * ? *)'", "at most 256 characters"),
    ],
)
def test_aws_limits_are_config_errors(project: Path, setting: str, expected: str) -> None:
    message = config_error(write(project, f"dev:\n  app_function: app.app\n  {setting}\n"))
    assert expected in message, message


def test_a_ten_megabyte_description_is_refused_quickly_and_briefly(project: Path) -> None:
    message = config_error(
        write(project, "dev:\n  app_function: app.app\n  lambda_description: '" + "d" * 10_000_000 + "'\n")
    )
    assert "at most 256 characters" in message and len(message) < 1000


# ------------------------------------------------------------------ through the CLI: one line, exit 2


@pytest.mark.parametrize(
    "text",
    [
        alias_bomb(8),
        f"dev: {{app_function: app.app, memory_size: {LONG}}}\n",
        "dev: {app_function: app.app, ? [a, b] : 1}\n",
        "dev: {app_function: app.app, zzz_unknown: {subnets: [a]}}\n",
        "1: {app_function: app.app}\n'1': {app_function: other.app}\n",
    ],
)
def test_cli_reports_one_line_and_exit_2(project: Path, text: str) -> None:
    write(project, text)
    result = CliRunner().invoke(cli.main, ["status", "--provider", "local", "--stage", "dev" if "dev" in text else "1"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert result.output.startswith("error: ")


# ------------------------------------------------------------------ fuzz


hostile_scalars = st.one_of(
    st.integers(min_value=-(10**6000), max_value=10**6000),
    st.sampled_from(
        [
            LONG,
            "0x" + "f" * 200,
            "rate(" + LONG + " minutes)",
            "${env:HUGE}",
            "${env:NESTED}",
            "${env:BOMB}",
            "*a",
            "&a",
            "!!python/name:os.system",
            "\0",
            "\ud7ff",
            "é" * 300,
        ]
    ),
    st.text(max_size=30),
    st.booleans(),
    st.none(),
    st.floats(),
)
KEYS = [
    "app_function",
    "memory_size",
    "tags",
    "events",
    "lambda_description",
    "aws",
    "openwhisk",
    "local",
    "ca_bundle",
    "vpc_config",
    "layers",
    "environment_variables",
    "aws_environment_variables",
    "keep_warm_expression",
    "batch_size",
    "event_source",
    "function",
    "zzz",
]
documents = st.dictionaries(
    st.one_of(st.sampled_from(["dev", "1", "prod"]), st.integers(0, 3)),
    st.dictionaries(
        st.sampled_from(KEYS),
        st.recursive(
            hostile_scalars,
            lambda inner: st.one_of(
                st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
            ),
            max_leaves=8,
        ),
        max_size=6,
    ),
    min_size=1,
    max_size=3,
)


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, str) and value[:1] in "*&!":
        return value  # unquoted: an alias, an anchor or a tag as YAML reads it
    return json.dumps(value)


def _to_yaml(value: Any) -> str:
    """Flow YAML, leaving alias/anchor/tag text unquoted so the parser sees them."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_to_yaml(k)}: {_to_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_to_yaml(v) for v in value) + "]"
    return _yaml_scalar(value)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=documents, as_json=st.booleans())
def test_any_hostile_document_loads_or_fails_cleanly(tmp_path: Path, document: dict[Any, Any], as_json: bool) -> None:
    env = {"HUGE": LONG, "NESTED": "[" * 5000, "BOMB": "&a [*a, *a]"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        if as_json:
            path = tmp_path / "lw.json"
            try:
                path.write_text(json.dumps({str(k): v for k, v in document.items()}, allow_nan=True))
            except ValueError:
                return  # an integer Python itself cannot print: nothing to write
        else:
            path = tmp_path / "lw.yml"
            try:
                path.write_text(_to_yaml(document), encoding="utf-8", errors="surrogatepass")
            except (ValueError, UnicodeEncodeError):
                return
        for stage in ("dev", None):
            try:
                load(path, stage=stage)
            except LwError as error:
                assert error.exit_code == 2, error
                assert str(error).strip()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.mark.parametrize("limit", [MAX_NUMBER_DIGITS, MAX_NUMBER_DIGITS + 3])
def test_the_number_limit_is_exact_enough(project: Path, limit: int) -> None:
    path = write(project, f"dev: {{app_function: app.app, environment_variables: {{A: {'9' * limit}}}}}\n")
    if limit <= MAX_NUMBER_DIGITS:
        assert load(path).environment_variables["A"] == "9" * limit
    else:
        assert "digits" in config_error(path)


def test_s3_key_filters_longer_than_an_s3_key_are_refused(project: Path) -> None:
    text = (
        "dev:\n  app_function: app.app\n  events:\n    - function: app.f\n      event_source:\n"
        "        arn: 'arn:aws:s3:::bucket'\n        events: ['s3:ObjectCreated:*']\n"
        f"        key_filters: [{{type: prefix, value: '{'p' * 1025}'}}]\n"
    )
    assert "at most 1024 characters (S3's limit)" in config_error(write(project, text))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(levels=st.integers(1, 40), width=st.integers(1, 12), as_mapping=st.booleans())
def test_any_alias_shape_loads_within_budget_or_is_refused(
    tmp_path: Path, levels: int, width: int, as_mapping: bool
) -> None:
    lines = ['a0: &a0 ["lol", "lol"]']
    for level in range(1, levels + 1):
        refs = [f"*a{level - 1}"] * width
        body = (
            ("{" + ", ".join(f"k{i}: {r}" for i, r in enumerate(refs)) + "}")
            if as_mapping
            else ("[" + ", ".join(refs) + "]")
        )
        lines.append(f"a{level}: &a{level} {body}")
    lines.append(f"dev: {{app_function: app.app, tags: {{x: *a{levels}}}}}")
    text = "\n".join(lines) + "\n"
    path = tmp_path / "lw.yml"
    path.write_text(text)
    sizes = [3]  # a0: the list and its two strings; every alias counted in full each time
    for _ in range(levels):
        sizes.append(1 + width * ((1 + sizes[-1]) if as_mapping else sizes[-1]))
    dev = 1 + 2 + 1 + (1 + 1 + 1 + sizes[-1])
    expanded = 1 + sum(1 + size for size in sizes) + 1 + dev
    bomb = expanded > len(text) + ALIAS_BUDGET
    try:
        load(path, stage="dev")
        refused = False
    except LwError as error:
        assert error.exit_code == 2
        refused = "expand to more than" in str(error)
    assert refused == bomb, (expanded, len(text))
