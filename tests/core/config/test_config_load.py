"""Loading a stage: the seed example, stage choice, extends, interpolation, providers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from config_helpers import load, problems_of

from lw.core.errors import ConfigError, UsageError

SEED = """\
dev:
  app_function: your_project.main.app
  events:
  - function: your_project.users.thumbnailer
    event_source:
      arn: arn:aws:s3:::upload-bucket
      events:
      - s3:ObjectCreated:*
"""


def test_seed_example_loads_as_is(write):
    app = load(write(SEED), providers=[])
    assert app.stage == "dev"
    assert app.provider == "aws"
    assert app.project_name == "my-project"
    assert app.name == "my-project-dev"
    assert app.app_function == "your_project.main.app"
    assert (app.memory_size, app.timeout_seconds, app.runtime) == (512, 30, "python3.11")
    assert app.keep_warm is True and app.keep_warm_expression == "rate(4 minutes)"
    (event,) = app.events
    assert event.kind == "s3"
    assert event.function == "your_project.users.thumbnailer"
    assert event.source == "arn:aws:s3:::upload-bucket"
    assert dict(event.options) == {"events": ["s3:ObjectCreated:*"]}
    assert re.fullmatch(r"thumbnailer-s3-[0-9a-f]{6}", event.name)
    assert app.events_for("aws") == (event,)


def test_settings_carry_defaults_for_every_key(write):
    app = load(write(SEED))
    assert app.settings["apigateway"] == "rest"
    assert app.settings["exclude"] == [] and app.settings["include"] == []
    assert app.setting("allow_raw_invoke") is False
    assert app.settings["aws_only_flag"] is False  # a provider's top-level key gets its default
    assert "extends" not in app.settings
    assert app.tags == {"lw:project": "my-project", "lw:stage": "dev"}


def test_json_config_is_accepted(write):
    path = write(json.dumps({"prod": {"app_function": "app.app", "memory_size": 1024}}), "lw.json")
    app = load(path)
    assert (app.stage, app.memory_size) == ("prod", 1024)


def test_several_stages_need_a_choice(write):
    path = write("dev:\n  app_function: app.app\nprod:\n  app_function: app.app\n")
    with pytest.raises(UsageError, match="has stages dev, prod; choose one with --stage"):
        load(path)
    with pytest.raises(UsageError, match=r"no stage 'prd' \(did you mean 'prod'\?\)"):
        load(path, stage="prd")
    assert load(path, stage="prod").stage == "prod"


def test_extends_inherits_recursively_and_merges_mappings(write):
    path = write("""\
        base:
          app_function: app.app
          memory_size: 256
          environment_variables: {A: "1", B: "2"}
          tags: {team: web}
        dev:
          extends: base
          environment_variables: {B: "20", C: "3"}
        prod:
          extends: dev
          memory_size: 2048
          exclude: [docs/]
    """)
    app = load(path, stage="prod")
    assert app.memory_size == 2048
    assert app.app_function == "app.app"
    assert dict(app.environment_variables) == {"A": "1", "B": "20", "C": "3"}
    assert app.settings["tags"] == {"team": "web"}
    assert load(path, stage="dev").memory_size == 256


def test_extends_cycle_is_reported_with_the_chain(write):
    path = write("a:\n  extends: b\nb:\n  extends: c\nc:\n  extends: a\n")
    with pytest.raises(ConfigError, match=r"extends: cycle a -> b -> c -> a"):
        load(path, stage="a")


def test_extends_unknown_stage_suggests(write):
    path = write("base:\n  app_function: app.app\ndev:\n  extends: bsae\n")
    with pytest.raises(ConfigError, match=r"stage 'dev': extends: no stage 'bsae' \(did you mean 'base'\?\)"):
        load(path, stage="dev")


def test_env_interpolation(write, monkeypatch):
    monkeypatch.setenv("LW_TEST_MEM", "1024")
    monkeypatch.setenv("LW_TEST_ACCOUNT", "123456789012")
    monkeypatch.delenv("LW_TEST_UNSET", raising=False)
    path = write("""\
        dev:
          app_function: app.app
          memory_size: ${env:LW_TEST_MEM}
          timeout_seconds: ${env:LW_TEST_UNSET, 60}
          lambda_description: "account ${env:LW_TEST_ACCOUNT} / ${env:LW_TEST_UNSET, none}"
          aws_region: ${env:LW_TEST_UNSET, 'eu-west-1'}
          environment_variables:
            ACCOUNT: ${env:LW_TEST_ACCOUNT}
            DB_PASSWORD: ${ssm:/prod/db/password}
            API_KEY: ${secretsmanager:api-key}
          tags:
            account: ${env:LW_TEST_ACCOUNT}
    """)
    app = load(path)
    assert app.memory_size == 1024
    assert app.timeout_seconds == 60
    assert app.settings["lambda_description"] == "account 123456789012 / none"
    assert app.settings["aws_region"] == "eu-west-1"
    assert app.environment_variables["ACCOUNT"] == "123456789012"
    assert app.environment_variables["DB_PASSWORD"] == "${ssm:/prod/db/password}"
    assert app.environment_variables["API_KEY"] == "${secretsmanager:api-key}"
    assert app.tags["account"] == "123456789012"


def test_env_interpolation_of_a_string_setting_keeps_the_text(write, monkeypatch):
    monkeypatch.setenv("LW_TEST_DESC", "0012")
    app = load(write("dev:\n  app_function: app.app\n  lambda_description: ${env:LW_TEST_DESC}\n"))
    assert app.settings["lambda_description"] == "0012"


def test_missing_env_variable_names_the_key(write, monkeypatch):
    monkeypatch.delenv("LW_TEST_UNSET", raising=False)
    path = write("dev:\n  app_function: app.app\n  environment_variables:\n    TOKEN: ${env:LW_TEST_UNSET}\n")
    assert problems_of(path) == [
        "lw.yml: stage 'dev': environment_variables.TOKEN: environment variable LW_TEST_UNSET is not set "
        "(write ${env:LW_TEST_UNSET, default} for a default)"
    ]


def test_only_the_selected_stage_is_interpolated(write, monkeypatch):
    monkeypatch.delenv("LW_TEST_UNSET", raising=False)
    path = write("dev:\n  app_function: app.app\nprod:\n  app_function: app.app\n  aws_region: ${env:LW_TEST_UNSET}\n")
    assert load(path, stage="dev").stage == "dev"


def test_provider_precedence(write):
    path = write("dev:\n  app_function: app.app\n  provider: openwhisk\n")
    assert load(path).provider == "openwhisk"
    assert load(path, provider="local").provider == "local"
    assert load(write("dev:\n  app_function: app.app\n")).provider == "aws"


def test_unknown_provider_is_left_to_the_caller(write):
    app = load(write("dev:\n  app_function: app.app\n  provider: gcp\n  gcp:\n    project: x\n"))
    assert app.provider == "gcp"
    assert app.provider_settings == {"project": "x"}


def test_provider_block_overrides_top_level_keys_for_that_provider(write):
    path = write("""\
        dev:
          app_function: app.app
          memory_size: 512
          aws:
            memory_size: 2048
            region: eu-west-1
          openwhisk:
            apihost: https://ow.example.com
    """)
    on_aws = load(path, provider="aws")
    assert on_aws.memory_size == 2048
    assert on_aws.provider_settings == {"memory_size": 2048, "region": "eu-west-1"}
    assert on_aws.setting("memory_size") == 2048
    on_whisk = load(path, provider="openwhisk")
    assert on_whisk.memory_size == 512
    assert on_whisk.setting("apihost") == "https://ow.example.com"


def test_project_name_defaults_to_the_slugified_folder(tmp_path):
    folder = tmp_path / "Very Long Project Name With Spaces And Numbers 1234567890"
    folder.mkdir()
    (folder / "lw.yml").write_text("dev:\n  app_function: app.app\n")
    app = load(folder / "lw.yml")
    assert app.project_name == "very-long-project-name-with-spaces-and-n"
    assert len(app.project_name) <= 40


def test_explicit_project_name_and_length_budget(write):
    assert load(write("dev:\n  app_function: app.app\n  project_name: shop\n")).name == "shop-dev"
    long_stage = "s" * 20
    path = write(f"{long_stage}:\n  app_function: app.app\n  project_name: {'p' * 35}\n")
    (problem,) = problems_of(path)
    assert "project_name: 'ppppp" in problem and "within 50" in problem


def test_missing_file_and_empty_file(project):
    with pytest.raises(ConfigError, match="no such file"):
        load(project / "lw.yml")
    (project / "lw.yml").write_text("# nothing\n")
    with pytest.raises(ConfigError, match="empty"):
        load(project / "lw.yml")
    (project / "lw.yml").write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected stage names mapped to settings, got a list"):
        load(project / "lw.yml")


def test_relative_config_path_is_shown_as_given(project, monkeypatch):
    monkeypatch.chdir(project.parent)
    (project / "lw.yml").write_text("dev:\n  memory_size: big\n  app_function: app.app\n")
    (problem,) = problems_of(Path("My_Project/lw.yml"))
    assert problem == "My_Project/lw.yml: stage 'dev': memory_size: expected integer, got 'big'"


def test_seed_example_loads_with_the_builtin_providers(write):
    from lw.core.settings_schema import builtin_provider_infos

    app = load(write(SEED), providers=builtin_provider_infos())
    assert (app.provider, [e.kind for e in app.events]) == ("aws", ["s3"])


def test_a_provider_block_merges_environment_variables_into_the_stages(tmp_path):
    """``local: environment_variables`` changes one variable and keeps the others."""
    from lw.core.config import load_app
    from lw.core.plugins import Providers, make_plugin_manager

    config = tmp_path / "lw.yml"
    config.write_text(
        "dev:\n  app_function: app.app\n  environment_variables:\n    A: stage\n    B: stage\n"
        "  local:\n    environment_variables:\n      B: local\n      C: local\n"
    )
    providers = [p.info for p in Providers(make_plugin_manager()).all()]
    local = load_app(config, stage=None, provider="local", providers=providers)
    assert dict(local.environment_variables) == {"A": "stage", "B": "local", "C": "local"}
    aws = load_app(config, stage=None, provider="aws", providers=providers)
    assert dict(aws.environment_variables) == {"A": "stage", "B": "stage"}
