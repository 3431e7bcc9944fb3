"""``lw init --from-zappa``: Zappa settings in JSON, YAML and TOML become a loadable lw.yml."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from config_helpers import load

from lw.core.errors import ConfigError, UsageError
from lw.core.init import run_init
from lw.core.zappa import convert, convert_with_notes

# A typical zappa_settings.json as `zappa init` writes it, plus the keys users add.
ZAPPA_SETTINGS = {
    "dev": {
        "app_function": "your_project.main.app",
        "aws_region": "us-east-1",
        "profile_name": "default",
        "project_name": "Your_Project",
        "runtime": "python3.12",
        "s3_bucket": "zappa-abc123",
        "memory_size": 1024,
        "keep_warm": False,
        "slim_handler": True,
        "exclude": ["*.gz", "node_modules"],
        "exclude_glob": ["static/**/*.map"],
        "apigateway_version": "v2",
        "lambda_concurrency": 5,
        "snap_start": "PublishedVersions",
        "ephemeral_storage": {"Size": 1024},
        "remote_env_bucket": "my-config",
        "remote_env_file": "dev.json",
        "include": ["libfoo.so"],
        "environment_variables": {"MODE": "dev"},
        "events": [
            {
                "function": "your_project.users.thumbnailer",
                "event_source": {"arn": "arn:aws:s3:::upload-bucket", "events": ["s3:ObjectCreated:*"]},
            },
            {"function": "your_project.tasks.nightly", "expression": "cron(0 2 * * ? *)"},
            {
                "function": "your_project.bots.lex",
                "event_source": {"arn": "arn:aws:lex:us-east-1:123456789012:bot:Bot", "intent": "Order"},
            },
        ],
    },
    "prod": {"extends": "dev", "memory_size": 2048, "apigateway_enabled": False, "debug": False},
}

EXPECTED_DEV = {
    "provider": "aws",
    "app_function": "your_project.main.app",
    "aws_region": "us-east-1",
    "profile_name": "default",
    "project_name": "your-project",
    "runtime": "python3.12",
    "s3_bucket": "zappa-abc123",
    "memory_size": 1024,
    "keep_warm": False,
    "exclude": ["*.gz", "node_modules", "static/**/*.map"],
    "apigateway": "http",
    "reserved_concurrency": 5,
    "package_type": "image",
    "snap_start": True,
    "ephemeral_storage": 1024,
    "environment_variables": {"MODE": "dev"},
    "events": ZAPPA_SETTINGS["dev"]["events"][:2],
    "remote_env": "s3://my-config/dev.json",
}


def to_toml(settings: dict) -> str:
    """A TOML rendering of the fixture (the test needs no TOML writer dependency)."""
    lines: list[str] = []
    for stage, values in settings.items():
        lines.append(f"[{stage}]")
        tables: list[str] = []
        for key, value in values.items():
            if key == "events":
                for event in value:
                    tables.append(f"[[{stage}.events]]")
                    for k, v in event.items():
                        tables.append(f"{k} = {json.dumps(v) if not isinstance(v, dict) else inline(v)}")
            elif isinstance(value, dict):
                lines.append(f"{key} = {inline(value)}")
            else:
                lines.append(f"{key} = {json.dumps(value)}")
        lines.extend(tables)
    return "\n".join(lines) + "\n"


def inline(mapping: dict) -> str:
    return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in mapping.items()) + " }"


@pytest.fixture(params=["json", "yml", "toml"])
def zappa_file(request, project: Path) -> Path:
    path = project / f"zappa_settings.{request.param}"
    if request.param == "json":
        path.write_text(json.dumps(ZAPPA_SETTINGS, indent=4))
    elif request.param == "yml":
        path.write_text(yaml.safe_dump(ZAPPA_SETTINGS, sort_keys=False))
    else:
        path.write_text(to_toml(ZAPPA_SETTINGS))
    return path


def test_conversion_keeps_zappa_names_and_renames_the_rest(zappa_file):
    config, notes = convert_with_notes(zappa_file)
    assert config["dev"] == EXPECTED_DEV
    assert config["prod"] == {"provider": "aws", "extends": "dev", "memory_size": 2048, "apigateway": False}
    assert notes == [
        "stage 'dev': project_name: 'Your_Project' became 'your-project' (lowercase letters, digits and '-'); "
        "remote resource names change",
        "stage 'dev': slim_handler: became package_type: image (lw builds a container image, no Docker needed, "
        "instead of unpacking the dependencies from S3 at every cold start; see docs/images.md)",
        "stage 'dev': include: dropped (Zappa's include loads shared libraries; lw's include means something "
        "else (ship files that look like secrets))",
        "stage 'dev': events[2]: dropped: lw serves s3, sns, sqs, dynamodb, kinesis sources, not "
        "arn:aws:lex:us-east-1:123456789012:bot:Bot",
        "stage 'prod': debug: dropped (tracebacks go to the logs, never to the response)",
    ]
    assert convert(zappa_file) == config


def test_converted_project_loads_in_lw(zappa_file, project):
    reported: list[str] = []
    path = run_init(project, yes=False, from_zappa=Path(zappa_file.name), prompt=lambda q, d: d, report=reported.append)
    text = path.read_text()
    assert text.startswith(f"# Converted from {zappa_file.name} by lw init --from-zappa.")
    assert "# note: stage 'dev': slim_handler: became package_type: image" in text
    assert len(reported) == 5
    prod = load(path, stage="prod")
    assert (prod.project_name, prod.memory_size, prod.runtime) == ("your-project", 2048, "python3.12")
    assert prod.settings["apigateway"] is False and prod.keep_warm is False
    assert [e.kind for e in prod.events] == ["s3", "schedule"]
    dev = load(path, stage="dev")
    assert dev.settings["apigateway"] == "http" and dev.settings["remote_env"] == "s3://my-config/dev.json"


def test_unknown_zappa_keys_are_dropped_with_a_note(project):
    path = project / "zappa_settings.json"
    path.write_text(json.dumps({"dev": {"app_function": "a.b", "use_apigateway": True, "cors_everything": True}}))
    config, notes = convert_with_notes(path)
    assert config == {"dev": {"provider": "aws", "app_function": "a.b"}}
    assert notes == ["stage 'dev': cors_everything: dropped (lw has no such setting)"]


@pytest.mark.parametrize("key", ["async_resources", "async_source", "alb_enabled"])
def test_unsupported_zappa_features_are_named_as_such(project, key):
    """Not "small enough" or "no such setting": lw lacks the feature, and the note says
    what to do until it has it."""
    path = project / "zappa_settings.json"
    path.write_text(json.dumps({"dev": {"app_function": "a.b", key: True}}))
    _, notes = convert_with_notes(path)
    assert len(notes) == 1 and notes[0].startswith(f"stage 'dev': {key}: dropped, not supported yet (")
    assert "small enough" not in notes[0] and "no such setting" not in notes[0]


def test_written_config_ends_with_one_newline(project):
    path = project / "zappa_settings.json"
    path.write_text(json.dumps({"dev": {"app_function": "a.b"}}))
    text = run_init(project, yes=True, from_zappa=path, prompt=lambda q, d: d).read_text()
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_bad_zappa_files_are_clear_errors(project):
    with pytest.raises(ConfigError, match="no such file"):
        convert(project / "zappa_settings.json")
    bad = project / "zappa_settings.json"
    bad.write_text('{"dev": {"app_function": }}')
    with pytest.raises(ConfigError, match=r"^zappa_settings.json:1:26: JSON syntax error"):
        convert(bad)
    other = project / "zappa_settings.ini"
    other.write_text("[dev]\n")
    with pytest.raises(ConfigError, match="expected a .json, .yml, .yaml or .toml"):
        convert(other)
    flat = project / "zappa_settings.yaml"
    flat.write_text(textwrap.dedent("app_function: a.b\n"))
    with pytest.raises(ConfigError, match="expected stage names mapped to settings"):
        convert(flat)


def test_from_zappa_refuses_to_overwrite(project, zappa_file):
    (project / "lw.yml").write_text("dev: {app_function: a.b}\n")
    with pytest.raises(UsageError, match="already exists"):
        run_init(project, yes=False, from_zappa=zappa_file, prompt=lambda q, d: d)


def test_toml_settings_on_python_without_tomllib_is_a_config_error(project, monkeypatch):
    """Python 3.10 has no tomllib: a one-line error, not an ImportError at import time."""
    import sys

    monkeypatch.setitem(sys.modules, "tomllib", None)  # what `import tomllib` finds on 3.10
    path = project / "zappa_settings.toml"
    path.write_text('[dev]\napp_function = "a.b"\n')
    with pytest.raises(ConfigError, match="needs Python 3.11 or newer"):
        convert(path)
    (project / "zappa_settings.json").write_text('{"dev": {"app_function": "a.b"}}')
    assert convert(project / "zappa_settings.json")["dev"]["app_function"] == "a.b"


def test_slim_handler_false_converts_to_nothing(project):
    path = project / "zappa_settings.json"
    path.write_text(json.dumps({"dev": {"app_function": "a.b", "slim_handler": False}}))
    assert convert_with_notes(path) == ({"dev": {"provider": "aws", "app_function": "a.b"}}, [])
